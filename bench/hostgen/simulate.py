"""The generator's own expectation: run a program's description in Python, with memory epochs.

Every call that grows memory starts a new epoch; a buffer or view made in an older epoch is
detached. What this says at each site must equal what V8 records on the instrumented copy (the
test suite checks it): that is what makes the oracle trustworthy, since the generator and the
instrumentation are written independently of each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.hostgen.constructs import COPIES, EXPORTS, GLUE_VIEWS
from bench.hostgen.program import (
    Call, CallExport, Condition, ExportValue, Function, GlueView, Guard, Hidden, If, Invoke, Live, Make,
    Null, Param, Program, Read, Repeat, Return, Site, Stmt, Through, TryRetry, Use, Value, Write,
)


@dataclass(frozen=True)
class Snapshot:
    """A buffer or a view over the buffer of `epoch`; `since` is how many export calls had run."""

    epoch: int
    since: int


@dataclass(frozen=True)
class Standalone:
    """A copy out of memory: never detached."""


@dataclass(frozen=True)
class Dead:
    """Built over a buffer that had already detached (V8 throws there; the copy goes on with a dead view)."""


@dataclass(frozen=True)
class Empty:
    """A cell not filled yet (`null`)."""


@dataclass(frozen=True)
class ExportRef:
    export: str


State = Snapshot | Standalone | Dead | Empty | ExportRef

IDENTITY_TESTS = frozenset({"buffer-identity", "detached"})


@dataclass
class Outcome:
    """What one run did at each site: how often it ran and how often the value was detached; the
    order of the visits; and the calls made between the value's making and each use (as
    `between:<export>` and `route:<how it was called>`; `between:quiet-only` when none of them
    grows memory, `between:nothing` when there were none)."""

    runs: dict[int, list[int]] = field(default_factory=dict)  # site id -> [ran, detached]
    trace: list[tuple[Site, bool]] = field(default_factory=list)
    between: dict[int, set[str]] = field(default_factory=dict)


class _Returned(Exception):
    def __init__(self, value: State):
        self.value = value


class Simulation:
    def __init__(self, program: Program, flags: dict[str, bool]):
        self.program = program
        self.flags = flags
        self.epoch = 0
        self.calls: list[tuple[str, str]] = []  # (export, route) of every call so far
        self.cells: dict[int, State] = {}
        self.glue: dict[str, State] = {}
        self.frames: list[dict[str, State]] = [{}]
        self.outcome = Outcome()
        for cell in program.cells:
            if cell.storage == "accessor-saved":  # captured when the object was made: no call had run
                self.cells[id(cell)] = Snapshot(0, 0)

    def run(self) -> Outcome:
        if self.program.glue:
            self._refresh_glue()
        self.invoke(self.program.top, [])
        for entry in self.program.order:
            self.invoke(entry, [])
        return self.outcome

    # -- functions and statements -----------------------------------------------------------------

    def invoke(self, function: Function, args: list[State]) -> State:
        self.frames.append(dict(zip(function.params, args)))
        try:
            self.block(function.body)
        except _Returned as returned:
            return returned.value
        finally:
            self.frames.pop()
        return Empty()

    def block(self, body: list[Stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: Stmt) -> None:
        if isinstance(stmt, Write):
            self.cells[id(stmt.cell)] = self.value(stmt.value)
        elif isinstance(stmt, Use):
            self.visit(stmt.site, self.value(stmt.subject))
        elif isinstance(stmt, CallExport):
            self.call(stmt.call)
        elif isinstance(stmt, Invoke):
            self.invoke(stmt.function, [self.value(arg) for arg in stmt.args])
        elif isinstance(stmt, If):
            self.block(stmt.then if self.flags.get(stmt.flag, False) else stmt.otherwise)
        elif isinstance(stmt, Repeat):
            for _ in range(stmt.times):
                self.block(stmt.body)
        elif isinstance(stmt, Guard):
            self.visit(stmt.site, Standalone())
            if self.holds(stmt.condition):
                self.cells[id(stmt.cell)] = self.value(stmt.fresh)
        elif isinstance(stmt, TryRetry):
            subject = self.value(stmt.subject)
            self.visit(stmt.site, Standalone())
            if self.detached(subject) and stmt.op.throws:
                self.block(stmt.recover)
                self.statement(stmt.retry)
        elif isinstance(stmt, Return):
            raise _Returned(self.value(stmt.value))
        else:
            raise TypeError(f"no simulation for {stmt!r}")

    def call(self, call: Call) -> None:
        name = call.export
        if call.route == "param":
            bound = self.frames[-1][call.via or ""]
            assert isinstance(bound, ExportRef), bound
            name = bound.export
        self.calls.append((name, call.route))
        for effect in EXPORTS[name].effects:
            if effect == "grow":
                self.epoch += 1
            elif effect == "resize":
                self.epoch += 1
                if self.program.glue:
                    self._refresh_glue()
            else:
                self.invoke(self.program.callback, [])

    def _refresh_glue(self) -> None:
        """updateMemoryViews(): every HEAP* view made anew over the live buffer."""
        for name in GLUE_VIEWS:
            self.glue[name] = Snapshot(self.epoch, len(self.calls))

    # -- values --------------------------------------------------------------------------------------

    def value(self, value: Value) -> State:
        if isinstance(value, (Live, Hidden)):
            return Snapshot(self.epoch, len(self.calls))
        if isinstance(value, Make):
            buffer = self.value(value.buffer)
            if value.pointer is not None:
                self.call(value.pointer)  # the offset is evaluated after the buffer
            self.visit(value.site, buffer)
            if self.detached(buffer):
                return Dead()
            if value.source.form in COPIES:
                return Standalone()
            assert isinstance(buffer, Snapshot), buffer
            return buffer
        if isinstance(value, Read):
            return self.cells.get(id(value.cell), Empty())
        if isinstance(value, Param):
            return self.frames[-1][value.name]
        if isinstance(value, GlueView):
            return self.glue[value.name]
        if isinstance(value, Through):
            assert value.cell.accessor is not None
            return self.invoke(value.cell.accessor, [])
        if isinstance(value, Null):
            return Empty()
        if isinstance(value, ExportValue):
            return ExportRef(value.export)
        raise TypeError(f"no simulation for {value!r}")

    def detached(self, state: State) -> bool:
        if isinstance(state, Dead):
            return True
        return isinstance(state, Snapshot) and state.epoch < self.epoch

    def holds(self, condition: Condition) -> bool:
        if condition.null_check is not None and isinstance(self.value(condition.null_check), Empty):
            return True
        subject = self.value(condition.subject)
        if isinstance(subject, Standalone):
            # A copy's buffer is not the memory's: the identity tests take it for stale, the
            # length tests do not.
            return condition.test in IDENTITY_TESTS
        return self.detached(subject)

    def visit(self, site: Site, state: State) -> None:
        if isinstance(state, (Empty, ExportRef)):
            raise AssertionError(f"site {site.id} ({site.op}) used a value that was never made")
        detached = site.role == "use" and self.detached(state)
        counts = self.outcome.runs.setdefault(site.id, [0, 0])
        counts[0] += 1
        counts[1] += detached
        self.outcome.trace.append((site, detached))
        if site.role == "use" and isinstance(state, Snapshot):
            between = self.outcome.between.setdefault(site.id, set())
            calls = self.calls[state.since:]
            for export, route in calls:
                between |= {f"between:{export}", f"route:{route}"}
            if not any(EXPORTS[export].grows for export, _ in calls):
                between.add("between:quiet-only" if calls else "between:nothing")


def expect(program: Program) -> tuple[dict[int, list[int]], dict[int, set[str]]]:
    """Per site, [visits, visits with the value detached] summed over every flag setting (what V8
    must record), and the calls made between each use's value and the use, over all settings."""
    total: dict[int, list[int]] = {}
    between: dict[int, set[str]] = {}
    for flags in program.flag_settings():
        outcome = Simulation(program, flags).run()
        for site, (ran, detached) in outcome.runs.items():
            counts = total.setdefault(site, [0, 0])
            counts[0] += ran
            counts[1] += detached
        for site, calls in outcome.between.items():
            between.setdefault(site, set()).update(calls)
    return total, between
