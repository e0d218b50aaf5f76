"""The generator's own expectation: run a program's description in Python, with memory epochs.

Every call that grows memory starts a new epoch; a buffer or view made in an older epoch is
detached. A use that throws on a detached value (a build over a detached buffer, `.slice()`,
`dv.getInt32()`) is recorded and then ends the invocation it runs in, as V8's exception does: the
top level, or one call of the driver (an exception thrown in the import callback goes out through
the export that called it). What was to be assigned after it is not, so a cell keeps its old value,
or stays empty; a later use of an empty cell fails as JavaScript fails on `null` (`Empty`).

What this says at each site, and which invocations end early, must equal what V8 records on the
instrumented copy (the test suite checks it): that is what makes the oracle trustworthy, since the
generator and the instrumentation are written independently of each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.hostgen.constructs import COPIES, EXPORTS, GLUE_VIEWS, Op
from bench.hostgen.program import (
    Call, CallExport, Cell, Condition, ExportValue, Function, GlueView, Guard, Hidden, If, Invoke, Live, Make,
    Null, Param, Program, Read, Repeat, Return, Site, Stmt, Through, TryRetry, Use, Value, Write,
)
from bench.hostgen.render import local_cells


@dataclass(frozen=True)
class Snapshot:
    """A buffer or a view over the buffer of `epoch`; `since` is how many export calls had run."""

    epoch: int
    since: int


@dataclass(frozen=True)
class Standalone:
    """A view with a buffer of its own, never detached: a copy out of memory, or (`empty`) the
    zero-length typed array `new Uint8Array(null, 8, 4)` makes, when the buffer a view is re-made
    over was never captured (an exception cut its making short)."""

    empty: bool = False


@dataclass(frozen=True)
class Empty:
    """Nothing there: `null` (a cell not filled yet, or cleared by a guard), or `undefined` (what
    an empty array, Map, Set or object slot gives)."""

    undefined: bool = False


@dataclass(frozen=True)
class ExportRef:
    export: str


State = Snapshot | Standalone | Empty | ExportRef

IDENTITY_TESTS = frozenset({"buffer-identity", "detached"})

# What an unfilled cell reads as, by storage: `undefined` from a collection or an object's missing
# slot; the read itself throws where the value is reached through a holder that is still `null`
# (a closure never made, a keeper object never constructed); `null` otherwise.
READS_UNDEFINED = frozenset({"array-element", "map", "set", "private-array", "computed-key"})
READ_THROWS = frozenset({"closure", "keeper-class", "keeper-private"})

# The uses that do not throw on `null` or `undefined` (measured in Node 20: `new Int32Array(null,
# 64, 2)` is an empty array; `decoder.decode(undefined)` is ""); every other use throws there.
QUIET_ON_NULL = frozenset({"construct-over"})
QUIET_ON_UNDEFINED = frozenset({"construct-over", "decode"})
# The one guard test that does not throw on `null`/`undefined`: `b !== memory.buffer`, which holds.
NULL_SAFE_TESTS = frozenset({("buffer-identity", "arraybuffer")})
# The one use that throws on a zero-length typed array (`v.set([1], 0)`: out of bounds).
REFUSED_BY_EMPTY_VIEWS = frozenset({"set"})
# The builds that throw on a `null` buffer (`new DataView(null)`, `Buffer.from(null, ...)`); a typed
# array constructor takes `null` for a length of 0.
REFUSING_NULL = frozenset({"dataview", "buffer-from"})


class Aborted(Exception):
    """An exception in the program: it ends the current invocation. `site`: the use that threw
    (None when it was a read through a holder that is still `null`, or a guard's test of `null`)."""

    def __init__(self, site: int | None):
        super().__init__(site)
        self.site = site


@dataclass
class Outcome:
    """What one run did at each site: how often it ran and how often the value was detached; the
    order of the visits; and the calls made between the value's making and each use (as
    `between:<export>` and `route:<how it was called>`; `between:quiet-only` when none of them
    grows memory, `between:nothing` when there were none)."""

    runs: dict[int, list[int]] = field(default_factory=dict)  # site id -> [ran, detached]
    trace: list[tuple[Site, bool]] = field(default_factory=list)
    between: dict[int, set[str]] = field(default_factory=dict)
    aborts: list[tuple[int, int | None]] = field(default_factory=list)  # (invocation, site that threw)


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
        self.locals: dict[int, list[Cell]] = {}  # function id -> the local cells it declares
        self.outcome = Outcome()
        for cell in program.cells:
            if cell.storage == "accessor-saved":  # captured when the object was made: no call had run
                self.cells[id(cell)] = Snapshot(0, 0)

    def run(self) -> Outcome:
        """The top level, then the driver's calls; each is one invocation, which an exception ends
        (the driver of both texts catches it there, reports it and goes on)."""
        if self.program.glue:
            self._refresh_glue()
        for step, function in enumerate([self.program.top, *self.program.order]):
            try:
                self.invoke(function, [])
            except Aborted as abort:
                self.outcome.aborts.append((step, abort.site))
        return self.outcome

    # -- functions and statements -----------------------------------------------------------------

    def invoke(self, function: Function, args: list[State]) -> State:
        if function.style == "own-method":  # `frame.inspect()`: the keeper object must exist
            assert function.owner is not None
            if isinstance(self.cells.get(id(function.owner), Empty()), Empty):
                raise Aborted(None)
        if id(function) not in self.locals:
            self.locals[id(function)] = local_cells(function.body)
        for cell in self.locals[id(function)]:  # `let view = null` at the top of every call
            self.cells[id(cell)] = Empty()
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
            self.write(stmt.cell, stmt.value)
        elif isinstance(stmt, Use):
            self.use(stmt.site, stmt.op, self.value(stmt.subject))
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
            self.guard(stmt)
        elif isinstance(stmt, TryRetry):
            self.visit(stmt.site, Standalone())
            try:  # the program's own `try`: what the first use throws, its `catch` takes
                failed = self.throws(stmt.op, self.value(stmt.subject))
            except Aborted:
                failed = True
            if failed:
                self.block(stmt.recover)
                self.statement(stmt.retry)
        elif isinstance(stmt, Return):
            raise _Returned(self.value(stmt.value))
        else:
            raise TypeError(f"no simulation for {stmt!r}")

    def guard(self, guard: Guard) -> None:
        """Re-make the cell when the test holds; the `??=` and `||` forms also re-make a cell
        that is empty (`null` or `undefined`) whatever the test says."""
        self.visit(guard.site, Standalone())
        stale = self.holds(guard.condition)
        if guard.form == "nullish" and stale:  # `if (stale) v = null; v ??= fresh`
            self.cells[id(guard.cell)] = Empty()
        if guard.form in ("nullish", "or-default") and isinstance(self.read(guard.cell), Empty):
            stale = True
        if stale:
            self.write(guard.cell, guard.fresh)

    def write(self, cell: Cell, value: Value) -> None:
        """Assign `value` to `cell`; if making it throws, the cell keeps what it had (a Set was
        cleared first: `held.clear(); held.add(...)`)."""
        if cell.storage == "set":
            self.cells[id(cell)] = Empty(undefined=True)
        self.cells[id(cell)] = self.value(value)

    def use(self, site: Site, op: Op, state: State) -> None:
        """A use site: recorded when there is a value; then it throws where V8 throws."""
        if not isinstance(state, Empty):
            self.visit(site, state)
        if self.throws(op, state):
            raise Aborted(site.id)

    def throws(self, op: Op, state: State) -> bool:
        if isinstance(state, Empty):
            return op.name not in (QUIET_ON_UNDEFINED if state.undefined else QUIET_ON_NULL)
        if isinstance(state, Standalone) and state.empty:
            return op.name in REFUSED_BY_EMPTY_VIEWS
        return op.throws and self.detached(state)

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
            if isinstance(buffer, Empty):  # a buffer never captured: not a use of memory
                if value.source.form in REFUSING_NULL:
                    raise Aborted(value.site.id)
                return Standalone(empty=True)
            self.visit(value.site, buffer)
            if self.detached(buffer):
                raise Aborted(value.site.id)  # a view cannot be built over a detached buffer
            if value.source.form in COPIES:
                return Standalone()
            assert isinstance(buffer, Snapshot), buffer
            return buffer
        if isinstance(value, Read):
            return self.read(value.cell)
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

    def read(self, cell: Cell) -> State:
        state = self.cells.get(id(cell))
        if state is None or isinstance(state, Empty):
            if cell.storage in READ_THROWS:
                raise Aborted(None)  # `readView()`, `frame.data` while the holder is still `null`
            return state if state is not None else Empty(undefined=cell.storage in READS_UNDEFINED)
        return state

    def detached(self, state: State) -> bool:
        return isinstance(state, Snapshot) and state.epoch < self.epoch

    def holds(self, condition: Condition) -> bool:
        if condition.null_check is not None and isinstance(self.value(condition.null_check), Empty):
            return True
        subject = self.value(condition.subject)
        if isinstance(subject, Empty):  # the test reads a property of `null`, but for one
            if (condition.test, condition.shape.family) in NULL_SAFE_TESTS:
                return True
            raise Aborted(None)
        if isinstance(subject, Standalone):
            # A copy's buffer is not the memory's: the identity tests take it for stale, the
            # length tests only when it is empty.
            return condition.test in IDENTITY_TESTS or subject.empty
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


def expected_aborts(program: Program) -> list[list[tuple[int, int | None]]]:
    """Per flag setting (in the order of `Program.flag_settings`), the invocations an exception
    ends, as (step, the use site that threw or None): what the driver must catch and report
    (in the instrumented copy to the recorder, in the plain program to its `failures`)."""
    return [Simulation(program, flags).run().aborts for flags in program.flag_settings()]
