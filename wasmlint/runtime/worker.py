"""The worker process: read one run request as JSON on stdin, run the guest, write a RunResult as JSON."""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from wasmlint.reading import MODULE_LIMIT, read_regular
from wasmlint.parallel import die_with_parent, parent_from_env
from wasmlint.runtime.limits import Limits
from wasmlint.runtime.result import Resume, RunResult, StepRecord, summarise_growth
from wasmlint.runtime.scenario import Scenario

if TYPE_CHECKING:  # wasmtime is imported only once a module is to be run
    from wasmlint.runtime.execute import Sink
    from wasmlint.runtime.sandbox import StoreShape


def load_bytes(path: Path) -> bytes:
    """The module's binary; `.wat` text is assembled first."""
    data = read_regular(path, MODULE_LIMIT)
    if data[:4] != b"\0asm":
        import wasmtime

        data = bytes(wasmtime.wat2wasm(data.decode("utf-8")))
    return data


def module_shape(data: bytes) -> tuple[int, bool]:
    """(bytes of the code section: what compile time grows with, whether `.debug_info` or
    `.debug_line` is present: wasmtime can then map frames to file:line), from the section headers
    alone so that even a large module costs next to nothing."""
    try:
        from wasmlint.module.decoder import DecodeError, read_sections
    except ImportError:  # without the module layer: the whole file stands for the code, DWARF goes unseen
        return len(data), False
    try:
        sections = read_sections(data)
    except DecodeError:
        return len(data), False  # wasmtime will say what is wrong with it
    code_size = sum(s.end - s.payload_start for s in sections if s.kind == "code")
    return code_size, any(s.name in (".debug_info", ".debug_line") for s in sections)


def v128_at_the_boundary(data: bytes) -> str | None:
    """An import or exported function whose signature holds a v128, or None. wasmtime's Python
    API cannot pass v128 values to or from the host: merely asking such a type its kind aborts
    the process, so these modules are found from the binary before wasmtime sees them."""
    try:
        from wasmlint.module.decoder import DecodeError, decode_module, read_sections
    except ImportError:
        return None
    try:
        sections = read_sections(data)
        # A cheap filter first: no 0x7b (v128) byte in these two sections, no v128 in a signature.
        if not any(s.kind in ("type", "import") and b"\x7b" in data[s.payload_start:s.end] for s in sections):
            return None
        module = decode_module(data, parallel=False)
    except DecodeError:
        return None  # wasmtime will say what is wrong with it
    for item in module.imports:
        if item.kind == "global" and item.value_type == "v128":
            return f"import {item.module}::{item.name} is a v128 global"
        ty = (module.types[item.type_index] if item.kind == "func" and item.type_index is not None
              and item.type_index < len(module.types) else None)
        if ty is not None and "v128" in ty.params + ty.results:
            return f"import {item.module}::{item.name} takes or returns v128"
    for export in module.exports:
        ty = module.func_type(export.index) if export.kind == "func" else None
        if ty is not None and "v128" in ty.params + ty.results:
            return f"export `{export.name}` takes or returns v128"
    return None


def store_shape(data: bytes, module) -> "StoreShape":
    """The memories and tables an instance of the module holds, and whether it has a GC heap (GC
    types or exception tags), from its declarations. When the decoder cannot read them, the
    memories and tables wasmtime shows (imported and exported ones), without count limits: the
    worker's process limit then stands behind the budget."""
    import wasmtime

    from wasmlint.runtime.sandbox import StoreShape

    try:
        from wasmlint.module.decoder import DecodeError, decode_declarations
    except ImportError:
        pass  # without the module layer: what wasmtime shows, below
    else:
        try:
            declared = decode_declarations(data)
            gc_heap = any(ty.kind in ("struct", "array") for ty in declared.types) or bool(declared.tag_type_indices)
            return StoreShape(len(declared.memories), len(declared.tables), gc_heap)
        except DecodeError:
            pass
    kinds = [item.type for item in [*module.imports, *module.exports]]
    return StoreShape(sum(isinstance(kind, wasmtime.MemoryType) for kind in kinds),
                      sum(isinstance(kind, wasmtime.TableType) for kind in kinds), counted=False)


def _replayer(session, scenario: Scenario | None, resume: Resume):
    from wasmlint.runtime.execute import run_scenario, run_smoke

    def replay(record: StepRecord, arm, on=None):
        target = on or session
        if scenario is not None:
            return run_scenario(target, scenario, arm_at=record.call_number, arm=arm, resume=resume.replaying())
        assert record.export is not None  # a smoke run's records of calls name their export
        return run_smoke(target, record.export, record.args, record.run, arm_at=record.call_number, arm=arm)

    return replay


def run_request(request: dict, sink: Sink | None = None) -> RunResult:
    """Carry out one request; every failure ends up inside the result, never as an exception.
    `sink` is told of each call as it begins and ends, and of what the run keeps as it is kept."""
    path = Path(request["module"])
    limits = Limits.from_dict(request.get("limits", {}))
    scenario = Scenario.from_dict(request["scenario"]) if request.get("scenario") else None
    result = RunResult(module=path.as_posix(), mode="scenario" if scenario else "smoke",
                       scenario=scenario.path if scenario else None)
    try:
        data = load_bytes(path)
    except (OSError, UnicodeDecodeError) as exc:
        result.error = f"cannot read {path}: {exc}"
        return result
    except Exception as exc:  # wasmtime's WAT parser
        result.error = f"cannot assemble {path}: {str(exc).strip().splitlines()[0]}"
        return result
    code_size, has_dwarf = module_shape(data)
    v128 = v128_at_the_boundary(data)
    if v128 is not None:
        result.unsupported = f"wasmtime's Python API cannot pass v128 values between host and guest: {v128}"
        return result
    pinpoint = request.get("pinpoint", True)
    if has_dwarf and pinpoint:
        # Read by wasmtime when the engine is created; only worth its cost when there is DWARF.
        os.environ["WASMTIME_BACKTRACE_DETAILS"] = "1"
    resume = Resume.from_dict(request["resume"]) if request.get("resume") else Resume()
    _run(result, data, limits, scenario, pinpoint=pinpoint, code_size=code_size, has_dwarf=has_dwarf,
         trap_imports=bool(request.get("trap_imports", False)), resume=resume, sink=sink)
    return result


def _run(result: RunResult, data: bytes, limits: Limits, scenario: Scenario | None, *, pinpoint: bool,
         code_size: int, has_dwarf: bool, trap_imports: bool, resume: Resume, sink: Sink | None) -> None:
    from wasmlint.runtime.execute import (Session, run_scenario, run_smoke, scenario_problems, smoke_calls,
                                          smoke_skipped)
    from wasmlint.runtime.pinpoint import pinpoint_growth
    from wasmlint.runtime.sandbox import CompileError, EpochTicker, cap_process_memory, compile_module

    began = time.perf_counter()
    try:
        compiled = compile_module(data, limits, code_size=code_size)
    except CompileError as exc:
        result.unsupported = str(exc)
        return
    result.timings["compile"] = time.perf_counter() - began
    result.compiler, result.cache = compiled.compiler, compiled.cache
    result.notes.extend(compiled.notes)
    problems = scenario_problems(compiled.module, scenario) if scenario is not None else []
    if problems:
        # A broken scenario, not guest behaviour: an error (exit 2), not failed expectations.
        more = len(problems) - 1
        result.error = problems[0] + (f" (and {more} more such problem{'s' if more > 1 else ''})" if more else "")
        return
    cap_process_memory(limits, len(data))  # compiling is over: from here on, guest code runs
    ticker = EpochTicker(compiled.engine)
    try:
        session = Session(compiled.engine, compiled.module, limits, memory_name=scenario.memory if scenario else None,
                          trap_imports=trap_imports, shape=store_shape(data, compiled.module), sink=sink)
        if (note := session.budget.note()) is not None:
            result.notes.append(note)
        calls = smoke_calls(compiled.module) if scenario is None else []
        if scenario is None:
            result.notes.append("smoke mode: each export was called with made-up arguments; "
                                "treat growth and traps as hints (a trap on zeros is not a bug)")
            result.uncalled = smoke_skipped(compiled.module)
        if sink is not None:  # what the parent builds on should this worker be stopped
            sink({"event": "running", "result": result.to_dict(), "exports": [export for export, _ in calls]})
        began = time.perf_counter()
        if scenario is not None:
            outcome = run_scenario(session, scenario, resume=resume)
            result.steps, result.failures = outcome.records, outcome.failures
        else:
            result.steps = list(resume.records)
            for run, (export, args) in enumerate(calls):
                if resume.start_blocked:
                    break  # instantiating blocked: every instance would
                if run <= resume.after:
                    continue  # made by an earlier worker
                records = run_smoke(session, export, args, run).records
                result.steps.extend(records)
                if any(record.kind == "start" for record in records):
                    break  # the start function traps: every other instance would too
        result.timings["run"] = time.perf_counter() - began
        if session.instantiate_seconds:
            result.timings["instantiate"] = min(session.instantiate_seconds)
        result.growth = summarise_growth(result.steps)
        if pinpoint and result.grown_exports:
            if sink is not None:  # what the parent keeps should pinpointing be cut
                sink({"event": "pinpoint", "result": result.to_dict()})
            began = time.perf_counter()
            pinpoint_growth(result, data, has_dwarf, session, _replayer(session, scenario, resume))
            result.timings["pinpoint"] = time.perf_counter() - began
        result.imports_called = dict(session.import_calls)
    finally:
        ticker.stop()


# Events after which the worker may spend long without another: the parent must have them at once.
FLUSHED = frozenset({"begin", "running", "pinpoint", "result"})


def main() -> None:
    # Keep the JSON channel clean: anything the engine or a guest prints goes to stderr.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)

    def send(event: dict) -> None:
        # One JSON line per event. The parent may stop this process in the middle of any call, so
        # everything before a call is flushed as it begins; what comes after (its end, its
        # record) waits for the next flush, which saves a system call per event.
        channel.write(json.dumps(event) + "\n")
        if event["event"] in FLUSHED:
            channel.flush()

    die_with_parent(parent_from_env())
    request: dict = {}
    try:
        request = json.loads(sys.stdin.read())
        result = run_request(request, send)
    except Exception as exc:
        traceback.print_exc()
        result = RunResult(module=str(request.get("module", "?")) if isinstance(request, dict) else "?",
                           error=f"internal error in the runtime worker: {type(exc).__name__}: {exc}")
    send({"event": "result", "result": result.to_dict()})


if __name__ == "__main__":
    main()
