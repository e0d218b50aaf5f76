"""Turn the trap of a replayed growing call into a call path: export first, memory.grow last."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

import wasmtime

from wasmlint.runtime.execute import Session
from wasmlint.runtime.result import Frame, RunResult
from wasmlint.runtime.sandbox import apply_limits

if TYPE_CHECKING:  # the module layer is imported only where it is used: pinpointing works without it
    from wasmlint.module.decoder import WasmModule

GROW_FRAME = "memory.grow"
FRAME_HEAD = re.compile(r"^\s*(\d+):\s+0x[0-9a-f]+ - ")
LOCATION = re.compile(r"^\s+at (.+:\d+(?::\d+)?)\s*$")

_demangle: Callable[[str], str] | None = None
try:  # the module layer's demangler, when it is installed alongside
    from wasmlint.module.demangle import demangle

    _demangle = demangle
except ImportError:  # pragma: no cover - depends on the module layer being present
    pass


def display_name(raw: str | None, func_index: int | None) -> str:
    if not raw:
        return f"func[{func_index}]"
    if _demangle is None:
        return raw
    try:
        return _demangle(raw) or raw
    except Exception:  # a demangler bug must not lose the whole path
        return raw


def arm_memory_limit(live) -> None:
    """Fallback: freeze the memory at its current size so that the next `memory.grow` fails."""
    if isinstance(live.memory, wasmtime.Memory):
        apply_limits(live.store, live.budget, memory_size=live.memory.data_len(live.store))


def arm_instrumented(live) -> None:
    """Set the added global so that the added function behind every `memory.grow` traps."""
    from wasmlint.runtime.instrument import GUARD_EXPORT  # only ever called once instrumenting worked

    live.exports[GUARD_EXPORT].set_value(live.store, wasmtime.Val.i32(1))


def trap_locations(trap: wasmtime.Trap) -> dict[int, str]:
    """func_index -> `file:line:col` of each physical frame, read from WASMTIME_BACKTRACE_DETAILS text."""
    groups: list[list[str]] = []
    for line in trap.message.splitlines():
        if FRAME_HEAD.match(line):
            groups.append([])
        elif groups:
            match = LOCATION.match(line)
            if match:
                groups[-1].append(match.group(1))
    frames = trap.frames
    locations: dict[int, str] = {}
    if len(groups) != len(frames):
        return locations  # the text is not in the shape we know: no locations rather than wrong ones
    for frame, found in zip(frames, groups):
        # Inlined callees come first in a group; the last location is the physical function's own.
        if found and frame.func_index not in locations:
            locations[frame.func_index] = found[-1]
    return locations


def frames_of(error: Exception | None, *, guards: frozenset[int] = frozenset(),
              locations: dict[int, str] | None = None, export_names: dict[int, str] | None = None,
              export: str | None = None) -> list[Frame]:
    """The trap's frames from the export inwards; the added guard function shows as `memory.grow`."""
    if not isinstance(error, wasmtime.Trap):
        return []
    locations, export_names = locations or {}, export_names or {}
    path = []
    for depth, frame in enumerate(reversed(error.frames)):
        if frame.func_index in guards:
            path.append(Frame(GROW_FRAME, frame.func_index))
            continue
        # Without a name section, an exported function is still known by its export name.
        raw = frame.func_name or export_names.get(frame.func_index) or (export if depth == 0 else None)
        path.append(Frame(display_name(raw, frame.func_index), frame.func_index, locations.get(frame.func_index)))
    return path


def decoded(data: bytes) -> tuple[WasmModule, dict[int, str]] | None:
    """The module layer's decoding of the module (its grow sites are what gets instrumented) and
    the exported function names; None when that layer is not installed."""
    try:
        from wasmlint.module.decoder import decode_module
    except ImportError:
        return None
    module = decode_module(data)
    names = {e.index: e.name for e in module.exports if e.kind == "func"}
    return module, names


def _instrumented(result: RunResult, data: bytes, session: Session
                  ) -> tuple[Session | None, frozenset[int], dict[int, str]]:
    """A session on the rewritten module, its guard function indices and the export names;
    no session (with a note saying why) when pinpointing must fall back to freezing the memory."""
    try:
        facts = decoded(data)
        if facts is None:
            result.notes.append("pinpointing froze the memory size: the module decoder is not available")
            return None, frozenset(), {}
        module, export_names = facts
        if not module.grow_sites:
            return None, frozenset(), export_names
        # Imported here, as the decoder is: the rewriter is built on the module layer.
        from wasmlint.runtime.instrument import instrument

        rewritten = instrument(data, module)
        compiled = wasmtime.Module(session.engine, rewritten.data)
    except (wasmtime.WasmtimeError, ValueError) as exc:  # ValueError: also InstrumentError
        result.notes.append(f"pinpointing froze the memory size: instrumenting failed ({exc})")
        return None, frozenset(), {}
    except Exception as exc:  # the decoder is another layer's code: its failure must not end the run
        result.notes.append(f"pinpointing froze the memory size: the decoder failed ({type(exc).__name__}: {exc})")
        return None, frozenset(), {}
    twin = Session(session.engine, compiled, session.limits, memory_name=session.memory_name,
                   trap_imports=session.trap_imports, shape=session.shape, sink=session.sink)
    return twin, frozenset(rewritten.guards.values()), export_names


def pinpoint_growth(result: RunResult, data: bytes, has_dwarf: bool, session: Session, replay) -> None:
    """Replay each growing export's first growing call with growth made to trap; fill `result.paths`."""
    instrumented, guards, export_names = _instrumented(result, data, session)
    result.pinpoint_method = "instrument" if instrumented else "memory-limit"
    for export in result.grown_exports:
        record = result.first_growth(export)
        locations: dict[int, str] = {}
        frozen = None
        if has_dwarf or instrumented is None:
            # The original module keeps valid DWARF, so its trap text gives file:line per function.
            frozen = replay(record, arm_memory_limit)
            if has_dwarf and isinstance(frozen.captured, wasmtime.Trap):
                locations = trap_locations(frozen.captured)
        if instrumented is not None:
            captured = replay(record, arm_instrumented, on=instrumented).captured
        else:
            assert frozen is not None  # replayed above whenever there is no instrumented module
            captured = frozen.captured
        frames = frames_of(captured, guards=guards, locations=locations, export_names=export_names, export=export)
        if frames:
            result.paths[export] = frames
        else:
            why = "did not grow" if instrumented else "did not trap when growth was refused"
            result.notes.append(f"could not pinpoint the growth of `{export}`: the replayed call {why}")
