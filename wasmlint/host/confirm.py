"""Confirm host findings in V8: a sandboxed Node process views `memory.buffer`, calls the export and
reports whether the view detached, without running any of the user's JavaScript."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import re
import resource
import shutil
import subprocess
import time
from collections.abc import Collection
from pathlib import Path

# What V8 showed for one export is the evidence a host finding carries.
from wasmlint.evidence import NodeObservation as NodeVerdict
from wasmlint.module.analysis import ModuleLoadError, load_module_bytes
from wasmlint.module.decoder import WasmModule, decode_module
from wasmlint.module.leb import DecodeError
from wasmlint.parallel import how_it_stopped
from wasmlint.runtime.channel import DeadlinePassed, EventChild, UnreadableLine
from wasmlint.runtime.execute import smoke_arguments
from wasmlint.runtime.result import StepRecord
from wasmlint.runtime.scenario import REFERENCE, Operand, Scenario, argument_problem

HARNESS = Path(__file__).with_name("harness.mjs")
NODE_HINT = "install Node.js 20 or newer (Debian: apt-get install nodejs)"
VIEWS = (
    "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
    "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Float16Array",
    "DataView", "ArrayBuffer", "Buffer",
)
PAGES_PER_MB = 16
DEFAULT_TIMEOUT = 10.0  # seconds: starting node and compiling, then each export (instance, steps, calls)
DEFAULT_MEMORY_MB = 512  # each wasm memory, as the runtime layer's memory_bytes
# Memory cap. RLIMIT_AS cannot be used: V8 reserves about 10 GiB of address space (guard regions)
# for every wasm memory, so under a 4 GiB RLIMIT_AS even a 1-page memory fails ("Cannot allocate
# Wasm memory"); measured with Node 20. So, three caps: V8's --wasm-max-mem-pages makes
# `memory.grow` past memory_mb return -1 and refuses larger initial memories (the runtime layer's
# semantics); --max-old-space-size bounds the JavaScript heap; and RLIMIT_DATA bounds the whole
# process. RLIMIT_DATA counts only writable private mappings, so V8's PROT_NONE reservations pass,
# while committing pages beyond it fails and `memory.grow` returns -1 (measured: node starts and runs a
# small module within 50 MiB of it).
JS_HEAP_MB = 256
TABLE_ELEMENTS = 10_000_000  # all tables together, as in the runtime layer (V8's own default for one)
NODE_OVERHEAD_MB = 512  # node itself, its JavaScript heap and compiled code of a small module
# Compiled code and copies of the module's bytes: a 60 MB module took node's data from 80 MB
# (a tiny module) to 200 MB.
CODE_BYTES_PER_MODULE_BYTE = 4
CPU_SLACK = 2  # seconds of CPU node gets beyond our deadlines before the kernel ends it


class NodeUnavailable(Exception):
    """No usable `node`: the message says how to get one."""


# --- node ------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _node_version(node: str) -> tuple[int, ...]:
    try:
        done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30,
                              env=_node_env())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NodeUnavailable(f"`{node} --version` failed ({exc}): {NODE_HINT}") from None
    match = re.match(r"v(\d+)\.(\d+)\.(\d+)", done.stdout.strip())
    if done.returncode != 0 or not match:
        raise NodeUnavailable(f"`{node} --version` did not print a version: {NODE_HINT}")
    return tuple(int(part) for part in match.groups())


def _find_node() -> tuple[str, tuple[int, ...]]:
    node = shutil.which("node")
    if node is None:
        raise NodeUnavailable(f"`node` was not found on PATH, so host findings cannot be confirmed in V8: {NODE_HINT}")
    return node, _node_version(node)


def permission_flags(version: tuple[int, ...]) -> list[str]:
    """Node's permission model for this version: no file system, child processes, workers, addons
    or WASI (and from Node 25 no network). The harness reads only stdin, so it grants nothing."""
    if version >= (23, 5) or (22, 13) <= version < (23,):
        return ["--permission"]
    if version >= (20,):
        return ["--experimental-permission"]
    return []  # older: no permission model; the harness still opens nothing itself


def _node_env() -> dict[str, str]:
    # NODE_OPTIONS could load code (--require, --import) or change limits; NODE_PATH and the like
    # mean nothing to a harness that imports only built-ins.
    return {key: value for key, value in os.environ.items() if not key.startswith("NODE_")}


def node_command(script: str, *, memory_mb: int = DEFAULT_MEMORY_MB, memories: int = 1, tables: int = 1) -> list[str]:
    """The sandboxed command that runs the ES module text `script` (the harness, or a probe in
    tests); raises NodeUnavailable. No network limit before Node 25, but none is needed: the only
    JavaScript is the harness, which opens nothing, and the guest reaches only its stub imports."""
    node, version = _find_node()
    return [
        node, *permission_flags(version), "--no-warnings", "--disallow-code-generation-from-strings",
        f"--max-old-space-size={JS_HEAP_MB}", f"--wasm-max-mem-pages={memory_mb * PAGES_PER_MB // max(1, memories)}",
        f"--wasm-max-table-size={TABLE_ELEMENTS // max(1, tables)}",
        "--input-type=module", "--eval", script,
    ]


# --- the request -----------------------------------------------------------------------------

def _operand(value: Operand) -> dict:
    if isinstance(value, str):
        match = REFERENCE.match(value)
        assert match is not None, value  # parse_scenario accepts only references that match
        delta = int(match.group(3) or 0) * (-1 if match.group(2) == "-" else 1)
        return {"saved": match.group(1), "delta": str(delta)}
    if isinstance(value, float):
        return {"float": repr(value)}
    return {"int": str(value)}


def _shown(operand: dict) -> int | float:
    return int(operand["int"]) if "int" in operand else float(operand["float"])


def _call_text(export: str, args: list[dict]) -> str:
    return StepRecord("call", 0, export=export, args=tuple(_shown(arg) for arg in args)).call_text()


def _import_dicts(module: WasmModule) -> list[dict]:
    described = []
    for item in module.imports:
        entry: dict[str, object] = {"module": item.module, "name": item.name, "kind": item.kind}
        if item.kind in ("func", "tag"):
            assert item.type_index is not None  # the decoder reads one for every func and tag import
            ty = module.types[item.type_index]
            entry.update(params=list(ty.params), results=list(ty.results))
        elif item.kind in ("memory", "table"):
            assert item.limits is not None  # the decoder reads them for every memory and table import
            entry.update(min=item.limits.min, max=item.limits.max, shared=item.limits.shared,
                         memory64=item.limits.is64, type=item.value_type)
        elif item.kind == "global":
            entry.update(type=item.value_type, mutable=item.mutable)
        described.append(entry)
    return described


def _functions(module: WasmModule) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Exported function name -> (parameter types, result types)."""
    out = {}
    for export in module.exports:
        if export.kind == "func" and export.name not in out:
            ty = module.func_type(export.index)
            if ty is not None:
                out[export.name] = (ty.params, ty.results)
    return out


def _step_dicts(scenario: Scenario, functions: dict) -> list[dict]:
    steps: list[dict] = []
    for step in scenario.steps:
        if step.kind == "call":
            params, results = functions.get(step.export, ((), ()))
            steps.append({"label": step.label(), "export": step.export, "args": [_operand(a) for a in step.args],
                          "params": list(params), "results": list(results), "save": step.save, "repeat": step.repeat,
                          "expect_trap": bool(step.expect_trap)})
        elif step.kind == "write":
            assert step.pointer is not None and step.data is not None  # parse_scenario sets both for a write
            steps.append({"label": step.label(), "pointer": _operand(step.pointer), "hex": step.data.hex()})
        # Reads change nothing: not replayed.
    return steps


def _argument_misfit(scenario: Scenario, functions: dict) -> str | None:
    """The first literal argument of the scenario that its parameter's type cannot take (NaN for an
    i32, 2**40 for an i32...), named by file, step and argument; None when they all fit."""
    for step in scenario.steps:
        params = functions.get(step.export, ((), ()))[0] if step.kind == "call" else ()
        for index, (arg, kind) in enumerate(zip(step.args, params)):
            problem = None if isinstance(arg, str) else argument_problem(arg, kind)
            if problem is not None:
                return f"{scenario.path}: steps[{step.index}]: `args[{index}]`: {problem}"
    return None


def _scenario_calls(scenario: Scenario | None, export: str) -> bool:
    return scenario is not None and any(step.kind == "call" and step.export == export for step in scenario.steps)


# --- running ---------------------------------------------------------------------------------

def _error(export: str, message: str, smoke: bool = False) -> NodeVerdict:
    return NodeVerdict(export, f"{export}(...)", False, None, None, error=message, smoke=smoke)


def _crash_text(returncode: int | None, text: str, memory_mb: int) -> str:
    if "heap out of memory" in text:
        return f"node ran out of JavaScript heap (--max-old-space-size={JS_HEAP_MB} MB) and stopped"
    if "out of memory" in text.lower():
        return f"node ran out of memory (memory_mb = {memory_mb} MiB, plus {NODE_OVERHEAD_MB} MiB for node) and stopped"
    how = how_it_stopped(returncode)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return f"node stopped ({how})" + (f": {lines[-1]}" if lines else "")


def _cap_process(pid: int, data_limit: int, cpu_seconds: int) -> None:
    # Set from outside, before the request is written: the harness reads all of stdin before it
    # compiles anything, so no guest code runs unbounded (and no preexec_fn, which is unsafe when
    # the caller has threads). The CPU limit ends node even when wasmlint itself was killed and
    # cannot stop it any more (the harness never sleeps: its time is CPU time).
    try:
        resource.prlimit(pid, resource.RLIMIT_DATA, (data_limit, data_limit))
        resource.prlimit(pid, resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    except (AttributeError, OSError, ValueError):
        pass  # not Linux: the V8 limits and our own deadlines still hold


class _Session:
    """One node process for the exports still pending; per-phase deadlines."""

    def __init__(self, command: list[str], payload: bytes, data_limit: int, timeout: float, memory_mb: int,
                 exports: int = 1):
        self.command, self.payload, self.data_limit = command, payload, data_limit
        self.timeout, self.memory_mb = timeout, memory_mb
        # Compiling, then each export: all the time node may take with us watching, and some more.
        self.cpu_seconds = math.ceil(self.timeout * (exports + 1)) + CPU_SLACK
        self.verdicts: dict[int, dict] = {}
        self.compile_error: str | None = None
        self.compiled = False
        self.running: int | None = None  # the export being checked when the process stopped
        self.failure: str | None = None  # why the process stopped early

    def run(self) -> None:
        try:
            child = EventChild(self.command, self.payload, _node_env(),
                               started=lambda pid: _cap_process(pid, self.data_limit, self.cpu_seconds))
        except OSError as exc:
            self.failure = f"cannot start node: {exc}"
            return
        deadline = time.monotonic() + self.timeout
        done = False
        try:
            for event in child.events(lambda: deadline):  # noqa: B023 (read late on purpose: each event moves it)
                done = self._event(event) or done
                deadline = time.monotonic() + self.timeout  # each export has the whole timeout
            returncode = child.finish()
            if not done and self.compile_error is None:
                self.failure = _crash_text(returncode, child.stderr_tail, self.memory_mb)
        except DeadlinePassed:
            self.failure = self._timeout_text()
        except UnreadableLine as exc:  # never from our harness, but say so
            self.failure = f"the harness sent an unreadable line ({exc})"
        finally:
            child.finish()  # the whole group: nothing is left behind

    def _timeout_text(self) -> str:
        if not self.compiled:
            return f"node did not compile the module within {self.timeout:g} s (timeout) and was killed"
        return f"stopped after {self.timeout:g} s (timeout): node was killed"

    def _event(self, event: dict) -> bool:
        """Take one line of the harness; True when it was the last."""
        kind = event.get("event")
        if kind == "compiled":
            self.compiled = True
        elif kind == "compile-error":
            self.compile_error = event["message"]
        elif kind == "begin":
            self.running = event["index"]
        elif kind == "verdict":
            self.verdicts[event["index"]] = event
            self.running = None
        return kind == "done" or kind == "compile-error"


def _verdict(spec: dict, event: dict) -> NodeVerdict:
    export, smoke = spec["export"], spec["smoke"] is not None
    record = event.get("record")
    if event.get("error") is not None:
        return _error(export, event["error"], smoke)
    if record is None:
        return _error(export, "no call of it returned", smoke)
    return NodeVerdict(export, _call_text(export, record["args"]), bool(record["detached"]),
                       int(record["pages_before"]), int(record["pages_after"]),
                       calls=int(event.get("calls", 1)), smoke=smoke)


def _load(module: Path) -> tuple[bytes, WasmModule]:
    """The module's bytes (a `.wat` file converted) and its decoding; raises ModuleLoadError."""
    data = load_module_bytes(module)
    return data, _decode(data, str(module))


def _decode(data: bytes, label: str) -> WasmModule:
    try:
        return decode_module(data)
    except DecodeError as exc:
        raise ModuleLoadError(label, f"malformed module: {exc.message}", exc.offset) from None


def _specs(decoded: WasmModule, views: dict[str, str], scenario: Scenario | None,
           verdicts: dict[str, NodeVerdict]) -> list[dict]:
    """What the harness does for each export it can check; the others get their verdict here."""
    functions = _functions(decoded)
    specs: list[dict] = []
    for export, view in views.items():
        if view not in VIEWS:
            verdicts[export] = _error(export, f"`{view}` is not a view constructor the harness knows ({', '.join(VIEWS)})")
            continue
        if export not in functions:
            verdicts[export] = _error(export, f"the module has no exported function `{export}`")
            continue
        params, results = functions[export]
        spec = {"index": len(specs), "export": export, "view": view, "params": list(params),
                "results": list(results), "smoke": None}
        if not _scenario_calls(scenario, export):
            arguments = smoke_arguments(params)
            if not arguments:
                verdicts[export] = _error(export, f"`{export}` takes parameters that are not numbers "
                                                  f"({', '.join(params)}): a scenario must call it", True)
                continue
            spec["smoke"] = [[_operand(value) for value in args] for args in arguments]
        specs.append(spec)
    return specs


def confirm_in_node(module: Path | bytes, exports: list[tuple[str, str]], scenario: Scenario | None = None, *,
                    timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                    decoded: WasmModule | None = None, growing_imports: Collection[str] = ()) -> dict[str, NodeVerdict]:
    """For each (export, view constructor) pair: make that view over `memory.buffer` in V8, call
    the export (the scenario's steps replayed up to its calls; smoke arguments when the scenario
    does not call it or there is none) and see whether the view detached. `module`: its file,
    or its bytes (a module a host carries in its text).

    One node process runs all exports, each on a fresh instance; an export that times out or
    crashes node costs only itself (the rest go on in a new process). `timeout` is for starting
    node and compiling, and again for each export; `memory_mb` caps each wasm memory. An export
    given twice is checked once, with its first view. `decoded`: the module's decoding, when the
    caller has it (decoding a large module takes seconds). `growing_imports`: the imports
    (`module.name`) through which the host grows memory; the harness grows the memory in them
    itself (the others are stubs that return zeros), and the verdicts say so. Guest trouble
    becomes an `error` verdict; only a missing `node` raises (NodeUnavailable)."""
    if timeout <= 0 or memory_mb <= 0:
        raise ValueError("timeout and memory_mb must be positive")
    views: dict[str, str] = {}
    for export, view in exports:
        views.setdefault(export, view)  # the first view given for an export wins
    try:
        if isinstance(module, bytes):
            data = module
            decoded = decoded if decoded is not None else _decode(data, "the embedded module")
        elif decoded is None:
            data, decoded = _load(Path(module))
        else:
            data = load_module_bytes(Path(module))
    except ModuleLoadError as exc:
        return {export: _error(export, str(exc)) for export in views}
    # memory_mb holds for all the module's memories together, as the runtime layer's memory_bytes.
    memories = len(decoded.memories)
    cap = memory_mb * PAGES_PER_MB // max(1, memories)
    each = f" each of its {memories} memories" if memories > 1 else ""
    allowed = f"the {cap} pages memory_mb allows{each}"
    too_large = next((m for m in decoded.memories if not m.imported and m.min_pages > cap), None)
    if too_large is not None:
        message = (f"the module's memory starts at {too_large.min_pages} pages, more than the {cap} pages "
                   f"memory_mb = {memory_mb} allows{each}")
        return {export: _error(export, message) for export in views}
    misfit = _argument_misfit(scenario, _functions(decoded)) if scenario else None
    if misfit is not None:  # the runtime layer refuses such a scenario too (scenario_problems)
        return {export: _error(export, misfit) for export in views}
    command = node_command(HARNESS.read_text(encoding="utf-8"), memory_mb=memory_mb, memories=memories,
                           tables=len(decoded.tables))
    verdicts: dict[str, NodeVerdict] = {}
    pending = _specs(decoded, views, scenario, verdicts)
    request = {
        "imports": _import_dicts(decoded),
        "memory": scenario.memory if scenario else None,
        "max_pages": cap,
        "allowed": allowed,
        "steps": _step_dicts(scenario, _functions(decoded)) if scenario else [],
        "growing": sorted(growing_imports),
    }
    data_limit = ((memory_mb + NODE_OVERHEAD_MB) << 20) + CODE_BYTES_PER_MODULE_BYTE * len(data)
    while pending:
        line = json.dumps({**request, "exports": pending}, separators=(",", ":")).encode("utf-8")
        session = _Session(command, line + b"\n" + data, data_limit, timeout, memory_mb, len(pending))
        session.run()
        for spec in pending:
            if spec["index"] in session.verdicts:
                verdicts[spec["export"]] = _verdict(spec, session.verdicts[spec["index"]])
        left = [spec for spec in pending if spec["export"] not in verdicts]
        if session.compile_error is not None:
            failure = f"node cannot compile the module: {session.compile_error}"
        else:
            failure = session.failure or "node stopped before it reported"
        stopped = next((spec for spec in left if spec["index"] == session.running), None)
        for spec in [stopped] if stopped is not None else left:
            # Only the export that was running when node stopped is lost; when node stopped before
            # any export (start-up, compiling), another process would too.
            verdicts[spec["export"]] = _error(spec["export"], failure, spec["smoke"] is not None)
        pending = [spec for spec in left if spec is not stopped] if stopped is not None else []
    imported = {f"{item.module}.{item.name}" for item in decoded.imports if item.kind == "func"}
    stood_in = tuple(sorted(imported & set(growing_imports)))
    return {export: dataclasses.replace(verdicts[export], stand_ins=stood_in) if stood_in else verdicts[export]
            for export in views}


# --- what the harness cannot see ---------------------------------------------------------------

def rechecks_detachment(source: bytes, holder: str) -> int | None:
    """The first line (1-based) where the host tests `holder`, the view a finding is about, for
    detachment (`x.byteLength === 0`, `x.buffer.byteLength == 0`, `x.length === 0`,
    `x.buffer !== memory.buffer`, `x.buffer.detached`), or None. The harness runs only the module:
    where the host re-validates its view, V8's growth does not show that the host breaks."""
    if not holder or len(holder) > 200:
        return None
    name = re.escape(holder.encode()).replace(rb"\.", rb"\s*\??\.\s*")
    test = re.compile(
        rb"(?<![\w$.])" + name + rb"(?:\s*\??\.\s*buffer)?\s*\??\.\s*(?:byteLength|length)\s*(?:===?|<=?)\s*0(?![\w.])"
        rb"|(?<![\w$.])0\s*===?\s*" + name + rb"(?:\s*\??\.\s*buffer)?\s*\??\.\s*(?:byteLength|length)(?![\w$])"
        rb"|(?<![\w$.])" + name + rb"\s*\??\.\s*buffer\s*(?:!==?|===?)"
        rb"|(?<![\w$.])" + name + rb"(?:\s*\??\.\s*buffer)?\s*\??\.\s*detached(?![\w$])")
    match = test.search(source)
    return source.count(b"\n", 0, match.start()) + 1 if match else None
