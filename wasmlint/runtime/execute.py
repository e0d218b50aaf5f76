"""Run a scenario or the smoke calls on fresh instances, recording page counts around every call."""

from __future__ import annotations

import difflib
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable

import wasmtime

from wasmlint.runtime.limits import Limits
from wasmlint.runtime.result import Resume, StepRecord
from wasmlint.runtime.sandbox import StoreBudget, StoreShape, describe_trap, limit_hit, new_store, refill
from wasmlint.runtime.scenario import REFERENCE, Operand, Scenario, Step, argument_problem, call_problem
from wasmlint.runtime.stubs import AnyMemory, link_imports

PAGE = 65536
NUMERIC = ("i32", "i64", "f32", "f64")
SMOKE_VALUES = (0, 1, 16, 1024)  # all zeros, all ones, small sizes: a hint, not a proof


@dataclass
class Live:
    """One instance in its own store, and the memory whose page count we watch."""

    store: wasmtime.Store
    exports: dict
    memory: AnyMemory | None
    budget: StoreBudget
    called: set[str] = field(default_factory=set)

    def pages(self) -> int:
        if self.memory is None:
            return 0
        if isinstance(self.memory, wasmtime.SharedMemory):
            return self.memory.data_len() // PAGE  # SharedMemory.size() is broken in wasmtime-py 50
        return self.memory.size(self.store)


# Receives each event of a run as JSON-ready data, as it happens: the worker streams them to its
# parent, so that a worker stopped in the middle of a call loses only that call.
Sink = Callable[[dict], None]


@dataclass
class Outcome:
    records: list[StepRecord] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    captured: Exception | None = None  # the trap raised by the armed call, when replaying
    armed: bool = False
    sink: Sink | None = None  # where what the run keeps goes as it is kept (not for replays)

    def add(self, record: StepRecord) -> None:
        self.records.append(record)
        if self.sink is not None:
            self.sink({"event": "record", "record": record.to_dict()})

    def fail(self, text: str) -> None:
        self.failures.append(text)
        if self.sink is not None:
            self.sink({"event": "failure", "text": text})

    def save(self, saved: dict[str, int | float], name: str, value: int | float) -> None:
        saved[name] = value
        if self.sink is not None:
            self.sink({"event": "saved", "name": name, "value": value})


Arm = Callable[[Live], None]


class Session:
    """A compiled module plus what it takes to instantiate it again and again under the limits."""

    def __init__(self, engine: wasmtime.Engine, module: wasmtime.Module, limits: Limits,
                 *, memory_name: str | None = None, trap_imports: bool = False,
                 shape: StoreShape = StoreShape(), sink: Sink | None = None) -> None:
        self.engine, self.module, self.limits = engine, module, limits
        self.sink = sink  # told when a call or an instantiation begins and ends
        self.shape = shape
        self.budget = StoreBudget.of(limits, shape)
        self.memory_name = memory_name
        self.trap_imports = trap_imports
        self.import_calls: Counter = Counter()
        self.instantiate_seconds: list[float] = []

    def instantiate(self) -> Live:
        """A fresh instance; raises the trap of a failing start function."""
        began = time.perf_counter()
        store = new_store(self.engine, self.limits, self.budget)
        linker, created = link_imports(self.engine, store, self.module, self.import_calls, trap=self.trap_imports)
        try:
            instance = linker.instantiate(store, self.module)
        finally:
            self.instantiate_seconds.append(time.perf_counter() - began)
        exports = {name: instance.exports(store)[name] for name in instance.exports(store)}
        return Live(store, exports, self._watched_memory(exports, created), self.budget)

    def _watched_memory(self, exports: dict, created: list[AnyMemory]) -> AnyMemory | None:
        memories = {name: item for name, item in exports.items()
                    if isinstance(item, (wasmtime.Memory, wasmtime.SharedMemory))}
        if self.memory_name:
            return memories.get(self.memory_name)
        if "memory" in memories:
            return memories["memory"]
        if memories:
            return next(iter(memories.values()))
        return created[0] if created else None

    def _begin(self, event: dict) -> None:
        if self.sink is not None:
            self.sink({"event": "begin", **event})

    def _end(self) -> None:
        if self.sink is not None:
            self.sink({"event": "end"})

    def start(self, outcome: Outcome, run: int) -> Live | None:
        """Instantiate; a trapping start function becomes a `start` record and None."""
        self._begin({"kind": "start", "run": run})
        try:
            return self.instantiate()
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            outcome.add(StepRecord("start", run, trap=describe_trap(exc, self.limits, self.budget),
                                   limit=limit_hit(exc)))
            return None
        finally:
            self._end()

    def call(self, live: Live, export: str, args: tuple, *, run: int, step: int | None,
             call_number: int) -> tuple[StepRecord, Exception | None]:
        """Call one export with a fresh budget and record the page count before and after."""
        func = live.exports.get(export)
        if not isinstance(func, wasmtime.Func):
            raise StepFailure(f"the module has no exported function `{export}`")
        ty = func.type(live.store)
        if len(ty.params) != len(args):
            raise StepFailure(f"`{export}` takes {len(ty.params)} arguments, the step gives {len(args)}")
        values = [_coerce(arg, str(kind)) for arg, kind in zip(args, ty.params)]
        first = export not in live.called
        live.called.add(export)
        before = live.pages()
        refill(live.store, self.limits)
        error: Exception | None = None
        result: tuple | None = None
        self._begin({"kind": "call", "run": run, "step": step, "export": export, "args": list(args),
                     "pages_before": before, "first_call": first, "call_number": call_number})
        try:
            result = _as_tuple(func(live.store, *values))
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            error = exc
        finally:
            self._end()
        after = live.pages()
        note = None
        cap = self.budget.pages_each
        if after > before and after * 10 >= cap * 9:
            each = " for each memory" if self.budget.shares > 1 else ""
            note = f"memory is at {after} of the {cap} pages allowed{each} (memory_bytes): larger growth is refused"
        record = StepRecord("call", run, step=step, export=export, args=tuple(args), result=result,
                            pages_before=before, pages_after=after,
                            trap=describe_trap(error, self.limits, self.budget) if error else None,
                            first_call=first, call_number=call_number, note=note,
                            limit=limit_hit(error) if error else None)
        return record, error


class StepFailure(Exception):
    """A step could not be carried out (missing export, bad pointer); the scenario goes on."""


def _coerce(value: int | float, kind: str) -> int | float:
    # Literal arguments were checked against the module (scenario_problems); this catches values
    # computed from a `$saved` result.
    problem = argument_problem(value, kind)
    if problem is not None:
        raise StepFailure(problem)
    if kind in ("f32", "f64"):
        return float(value)
    number = int(value)
    bits = 32 if kind == "i32" else 64
    number &= (1 << bits) - 1
    return number - (1 << bits) if number >= 1 << (bits - 1) else number


def _as_tuple(value: object) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _resolve(operand: Operand, saved: dict[str, int | float]) -> int | float:
    if not isinstance(operand, str):
        return operand
    match = REFERENCE.match(operand)
    assert match is not None, operand  # parse_scenario accepts only references that match
    name, sign, delta = match.group(1), match.group(2), int(match.group(3) or 0)
    if name not in saved:
        raise StepFailure(f"`${name}` has no value (the call that saves it failed)")
    return saved[name] + (-delta if sign == "-" else delta)


def _address(value: int | float) -> int:
    problem = argument_problem(value, "i32")  # a `$saved` result may be a float, or out of range
    if problem is not None:
        raise StepFailure(f"the address: {problem}")
    # Guests hand out pointers as i32 results, which read back negative above 2 GiB.
    return int(value) & 0xFFFF_FFFF


def _show(data: bytes, is_text: bool) -> str:
    if is_text:
        return repr(data.decode("utf-8", errors="replace"))
    return data.hex()


def _kind(export_type: object) -> str:
    for kind, name in ((wasmtime.MemoryType, "memory"), (wasmtime.GlobalType, "global"),
                       (wasmtime.TableType, "table")):
        if isinstance(export_type, kind):
            return name
    return "non-function"


def _names(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (", ..." if len(names) > limit else "")


def scenario_problems(module: wasmtime.Module, scenario: Scenario) -> list[str]:
    """Steps that cannot fit this module (a call to a missing or non-function export, the wrong
    number of arguments, a `memory` the module does not export), one line each naming the file and
    the step. Such a scenario is broken, so it is not run: its steps would only fail as expectations."""
    exports = {export.name: export.type for export in module.exports}
    functions = [name for name, ty in exports.items() if isinstance(ty, wasmtime.FuncType)]
    problems = []
    if scenario.memory is not None and not isinstance(exports.get(scenario.memory), wasmtime.MemoryType):
        memories = [name for name, ty in exports.items() if isinstance(ty, wasmtime.MemoryType)]
        problems.append(f"{scenario.path}: `memory`: `{scenario.memory}` is not an exported memory "
                        f"({'memories: ' + _names(memories) if memories else 'the module exports no memory'})")
    for step in scenario.steps:
        if step.kind != "call":
            continue
        where = f"{scenario.path}: steps[{step.index}]"
        assert step.export is not None  # parse_scenario names the export of every call
        ty = exports.get(step.export)
        if ty is None:
            close = difflib.get_close_matches(step.export, functions, n=1)
            hint = f"did you mean `{close[0]}`? " if close else ""
            listed = f"exports: {_names(functions)}" if functions else "the module exports no functions"
            problems.append(f"{where}: `{step.export}` is not an exported function ({hint}{listed})")
        elif not isinstance(ty, wasmtime.FuncType):
            problems.append(f"{where}: `{step.export}` is a {_kind(ty)} export, not a function")
        elif len(ty.params) != len(step.args):
            wanted = len(ty.params)
            problems.append(f"{where}: `{step.export}` takes {wanted} argument{'' if wanted == 1 else 's'}, "
                            f"the step gives {len(step.args)}")
        else:
            for index, (arg, kind) in enumerate(zip(step.args, ty.params)):
                problem = None if isinstance(arg, str) else argument_problem(arg, str(kind))
                if problem is not None:
                    problems.append(f"{where}: `args[{index}]`: {problem}")
    return problems


def run_scenario(session: Session, scenario: Scenario, *, arm_at: int | None = None,
                 arm: Arm | None = None, resume: Resume = Resume()) -> Outcome:
    """Carry out every step on one instance (a new one after a trap or a cut call); stop at the
    armed call. `resume`: go on after the calls earlier workers made."""
    outcome = Outcome(list(resume.records), list(resume.failures), sink=session.sink if arm is None else None)
    run = resume.run
    live = None if resume.start_blocked else session.start(outcome, run)
    saved: dict[str, int | float] = dict(resume.saved)
    call_number = 0
    for step in scenario.steps:
        if live is None:
            outcome.fail(f"{step.label()}: not run, the module could not be instantiated")
            break
        if step.kind != "call" and call_number < resume.after:
            continue  # before the cut call: its effect went with the instance
        try:
            if step.kind == "call":
                for _ in range(step.repeat):
                    call_number += 1
                    if call_number <= resume.after:
                        continue
                    if call_number in resume.cut:  # a replay: the call that was cut ends its instance
                        run += 1
                        live = session.start(outcome, run)
                        if live is None:
                            break
                        continue
                    if call_number == arm_at and arm is not None:
                        arm(live)
                        outcome.armed = True
                    args = tuple(_resolve(arg, saved) for arg in step.args)
                    assert step.export is not None  # parse_scenario names the export of every call
                    record, error = session.call(live, step.export, args, run=run, step=step.index,
                                                 call_number=call_number)
                    if outcome.armed:
                        outcome.captured = error
                        outcome.records.append(record)
                        return outcome
                    problem = call_problem(step, record)
                    if problem:
                        record = replace(record, note=problem)
                        outcome.fail(f"{step.label()}: {problem}")
                    outcome.add(record)
                    if record.trap is not None:
                        run += 1  # never reuse an instance after a trap
                        live = session.start(outcome, run)
                        if live is None:
                            break
                    elif step.save and record.result:
                        outcome.save(saved, step.save, record.result[0])
            elif step.kind == "write":
                _write(live, step, saved, outcome, run)
            else:
                _read(live, step, saved, outcome, run)
        except StepFailure as exc:
            outcome.fail(f"{step.label()}: {exc}")
    grew = any(record.grew for record in outcome.records)
    if scenario.expect_growth is False and grew:
        outcome.fail(f"{scenario.path}: expect-growth = false, but memory grew")
    if scenario.expect_growth is True and not grew:
        outcome.fail(f"{scenario.path}: expect-growth = true, but memory never grew")
    return outcome


def _write(live: Live, step: Step, saved: dict, outcome: Outcome, run: int) -> None:
    assert step.pointer is not None and step.data is not None  # parse_scenario sets both for a write
    address = _address(_resolve(step.pointer, saved))
    if not isinstance(live.memory, wasmtime.Memory):
        raise StepFailure("the module exports no memory that can be written")
    try:
        live.memory.write(live.store, step.data, address)
    except (IndexError, ValueError):
        raise StepFailure(f"{len(step.data)} bytes at {address:#x} lie outside memory") from None
    pages = live.pages()
    outcome.add(StepRecord("write", run, step=step.index, args=(address, _show(step.data, step.is_text)),
                                      pages_before=pages, pages_after=pages))


def _read(live: Live, step: Step, saved: dict, outcome: Outcome, run: int) -> None:
    assert step.pointer is not None and step.length is not None  # parse_scenario sets both for a read
    address = _address(_resolve(step.pointer, saved))
    if not isinstance(live.memory, wasmtime.Memory):
        raise StepFailure("the module exports no memory that can be read")
    end = address + step.length
    if end > live.memory.data_len(live.store):
        raise StepFailure(f"{step.length} bytes at {address:#x} lie outside memory")
    data = bytes(live.memory.read(live.store, address, end))
    note = None
    if step.data is not None and data != step.data:
        note = f"expected {_show(step.data, step.is_text)}, read {_show(data, step.is_text)}"
        outcome.fail(f"{step.label()}: {note}")
    pages = live.pages()
    outcome.add(StepRecord("read", run, step=step.index, args=(address, step.length),
                                      result=(_show(data, step.is_text),), pages_before=pages,
                                      pages_after=pages, note=note))


def smoke_arguments(kinds: list[str] | tuple[str, ...]) -> list[tuple]:
    """The argument sets smoke mode calls a function with parameters of these value types (one
    set, `()`, for no parameters); none when a parameter is not a number."""
    if any(kind not in NUMERIC for kind in kinds):
        return []
    return list(dict.fromkeys(tuple(value for _ in kinds) for value in SMOKE_VALUES))


def smoke_calls(module: wasmtime.Module) -> list[tuple[str, tuple]]:
    """(export, args) for every exported function whose parameters are all numbers."""
    calls: list[tuple[str, tuple]] = []
    for export in module.exports:
        ty = export.type
        if not isinstance(ty, wasmtime.FuncType):
            continue
        calls.extend((export.name, args) for args in smoke_arguments([str(kind) for kind in ty.params]))
    return calls


def smoke_skipped(module: wasmtime.Module) -> dict[str, str]:
    """Exported functions smoke mode cannot call, and why: a parameter that is not a number."""
    skipped = {}
    for export in module.exports:
        ty = export.type
        if isinstance(ty, wasmtime.FuncType) and not smoke_arguments([str(kind) for kind in ty.params]):
            # wasmtime-py spells externref `anyref`; compare instead of trusting the spelling.
            others = ["externref" if kind == wasmtime.ValType.externref() else str(kind)
                      for kind in ty.params if str(kind) not in NUMERIC]
            what = "a parameter" if len(others) == 1 else "parameters"
            skipped[export.name] = (f"it takes {what} of type {' and '.join(dict.fromkeys(others))}, "
                                    "which smoke calls cannot pass")
    return skipped


def run_smoke(session: Session, export: str, args: tuple, run: int, *, arm_at: int | None = None,
              arm: Arm | None = None) -> Outcome:
    """Call one export twice on a fresh instance: the first call, then a steady-state call."""
    outcome = Outcome(sink=session.sink if arm is None else None)
    live = session.start(outcome, run)
    if live is None:
        return outcome
    for call_number in (1, 2):
        if call_number == arm_at and arm is not None:
            arm(live)
            outcome.armed = True
        record, error = session.call(live, export, args, run=run, step=None, call_number=call_number)
        if outcome.armed:
            outcome.records.append(record)
            outcome.captured = error
            return outcome
        outcome.add(record)
        if error is not None:
            break
    return outcome
