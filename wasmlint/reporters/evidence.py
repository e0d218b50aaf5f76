"""Evidence in words: the one place that writes what a finding's evidence says, for every format
(text, JSON, SARIF, GitHub) and for `wasmlint run`."""

from __future__ import annotations

from typing import assert_never

from wasmlint.evidence import (
    AlsoReachedFrom, ContractNote, LeavesCrate, ModuleNeverGrows, Evidence, GrowInstructions, GrowthPath, GuestAllocation, HostGrowthImports, HostGrowthPath,
    HostKeepsView, HostView, ImportGrowsMemory, ModuleGrows, NodeNotRun, NodeObservation, NoModule, NotExported, Outcome, Resolution,
    RuntimeObservation, SourceAllocates, UnboundedMemory, Unreproduced,
)
from wasmlint.findings import Finding

NO_MODULE = ("no module found for this host: give it with `--wasm FILE`, or keep the `.wasm` where the host "
             "names it (or beside the glue, `x.js` / `x_bg.wasm`), so the module layer can say which exports grow")
WASM_BINDGEN_NOTE = (
    "note: wasm-bindgen's generated JavaScript reads memory through getters that re-create their views after "
    "growth; this matters only for a host that keeps its own view over memory.buffer across a call to this "
    "export (the host layer reports it there)")


def evidence_text(item: Evidence) -> str:
    """One line, starting with what saw it: `module:`, `runtime:`, `host:`, `source:`, `node:`,
    `guest:` or `note:`."""
    match item:
        case AlsoReachedFrom():
            return f"note: also reached from {named_exports(item)}"
        case GrowthPath():
            return _growth_path(item)
        case ModuleNeverGrows():
            return _never_grows(item)
        case LeavesCrate():
            return (f"module: `{item.export}`'s path leaves the crate's code in `{item.function}`, "
                    f"which calls `{item.callee}`")
        case HostGrowthPath():
            return f"module: `{item.export}` asks the host to grow memory via {' -> '.join(item.call_path)}"
        case HostGrowthImports():
            names = ", ".join(f"`{name}`" for name in item.imports)
            return f"module: imports {names}, through which the host grows memory"
        case UnboundedMemory():
            return (f"module: memory {item.index} (`{item.name}`) starts at {item.min_pages} pages "
                    "and has no maximum")
        case GrowInstructions():
            return (f"module: {item.count} memory.grow instruction{'s' if item.count != 1 else ''} in "
                    f"`{item.function}` (first at byte offset {item.offset:#x})")
        case RuntimeObservation():
            return _runtime(item)
        case HostView():
            return f"host: view {_made(item)}; {_call(item)}; used at line {item.use_line}"
        case ModuleGrows():
            return f"module: `{item.export}` reaches memory.grow via {' -> '.join(item.call_path)} ({item.module})"
        case SourceAllocates():
            path = " -> ".join((*item.call_path, item.at))
            return f"source: `{item.export}` allocates, so it may grow memory: {path} ({item.crate})"
        case NotExported():
            return f"module: {item.module} does not export `{item.export}`: it may call into the module and grow memory"
        case NoModule():
            return f"note: {NO_MODULE}"
        case NodeObservation():
            return _node(item)
        case ImportGrowsMemory():
            return f"host: the import `{item.name}` grows memory: {' -> '.join(item.via)} ({item.path}:{item.line})"
        case NodeNotRun():
            return f"node: not checked: judged by {item.judged_by}, so there is no module for V8 to run"
        case HostKeepsView():
            return (f"host: {item.path}:{item.line} keeps a view over memory.buffer across a call to "
                    f"`{item.export}` ({item.rule_id})")
        case GuestAllocation():
            return f"guest: `{item.export}` {item.rule_id} at {item.path}:{item.line}"
        case ContractNote():
            if item.contract == "wasm-bindgen":
                return WASM_BINDGEN_NOTE
            hosts = ", ".join(item.hosts)
            if item.contract == "module":
                return (f"note: every view the hosts in this project ({hosts}) make over this module's memory.buffer is "
                        "made after the calls that may grow it; use --strict when other hosts load this module")
            return (f"note: every view the hosts in this project ({hosts}) make over memory.buffer is made after "
                    "the calls that may grow it; set `hosts = \"unknown\"` in [package.metadata.wasmlint] when other "
                    "hosts load this module, or use --strict")
        case _:
            assert_never(item)


def named_exports(item: AlsoReachedFrom, limit: int = 2) -> str:
    """`a`, `b` (+3): the first `limit` exports by name, then how many more."""
    shown = ", ".join(f"`{ref.display}`" for ref in item.exports[:limit])
    more = len(item.exports) - limit
    return f"{shown} (+{more})" if more > 0 else shown


def states_confirmation(item: Evidence) -> bool:
    """Whether the item's words already say that an engine confirmed the finding."""
    return isinstance(item, RuntimeObservation) and item.grew


def path_shown(finding: Finding) -> tuple[str, ...]:
    """The path a machine format lists for a finding: its call path, or for a host finding the
    steps of its view (made, the call that may grow memory, the use)."""
    view = next((item for item in finding.evidence if isinstance(item, HostView)), None)
    if view is None:
        return finding.call_path
    return (_made(view), f"{view.call_text} (line {view.call_line})", f"{view.use_text} (line {view.use_line})")


def _growth_path(item: GrowthPath) -> str:
    via = " -> ".join(item.call_path)
    how = " (direct calls only)" if item.resolution is Resolution.DIRECT else "".join(f"; {hop}" for hop in item.indirect)
    if not item.panic_only:
        return f"module: `{item.export}` reaches memory.grow via {via}{how}"
    resolved = (f"; outside panic handling, its indirect calls go only where {_listed(item.resolved_by)} point"
                if item.resolved_by else "")
    return f"module: `{item.export}` reaches memory.grow only through panic handling, via {via}{how}{resolved}"


def _never_grows(item: ModuleNeverGrows) -> str:
    parts = []
    if item.never:
        parts.append(f"{_listed(tuple(f'`{name}`' for name in item.never))} never reach"
                     f"{'es' if len(item.never) == 1 else ''} memory.grow")
    if item.panic_only:
        parts.append(f"{_listed(tuple(f'`{name}`' for name in item.panic_only))} reach"
                     f"{'es' if len(item.panic_only) == 1 else ''} it only through panic handling")
    return f"module: {'; '.join(parts)} ({item.module}): this allocation does not grow memory from there"


def _listed(items: tuple[str, ...], limit: int = 4) -> str:
    shown = list(items[:limit])
    if len(items) > limit:
        shown.append(f"{len(items) - limit} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _pages(count: int) -> str:
    return f"{count} page{'' if count == 1 else 's'}"


def _runtime(item: RuntimeObservation) -> str:
    if item.outcome is Outcome.GREW:
        when = "on its first call" if item.first_call else f"on a later call (call {item.call_number})"
        line = f"runtime: {item.call} grew memory {item.pages_before} -> {item.pages_after} pages {when}"
        repeats = _repeats(item)
        if repeats:
            line += f"; {repeats}"
        return f"{line} ({'confirmed by a smoke call' if item.smoke else 'confirmed'})"
    if item.outcome is Outcome.NO_GROWTH:
        others = item.other_calls
        nor = f", nor did {others} other call{'s' if others > 1 else ''}" if others else ""
        line = f"runtime: {item.call} did not grow memory ({_pages(item.pages_before)} before and after){nor}"
        if item.unreproduced is Unreproduced.STUB_IMPORTS:
            return f"{line}; not reproduced: the sandbox's stub imports never grow memory for the module"
        if item.unreproduced is Unreproduced.NEEDS_STEPS:
            if item.smoke:
                return (f"{line}; not reproduced by smoke calls: a scenario.toml whose steps take the growing "
                        "branch may reproduce it")
            return f"{line}; not reproduced: add steps to {item.scenario}, or args, that take the growing branch"
        return line
    if item.outcome is Outcome.TRAPPED:
        past = "a scenario whose steps" if item.smoke else "steps or args that"
        return (f"runtime: {item.call} trapped before memory grew ({_pages(item.pages_before)}): {item.detail}; "
                f"its growth is unknown: {past} get past the trap would check it")
    if item.outcome is Outcome.SKIPPED:
        return f"runtime: `{item.export}` was not called: {item.detail}"
    if item.outcome is Outcome.NOT_INSTANTIATED:
        return (f"runtime: `{item.export}` could not be called: the module could not be instantiated "
                f"({item.detail})")
    if item.smoke:
        return f"runtime: `{item.export}` was not called by the smoke calls"
    return (f"runtime: `{item.export}` was not called by the scenario ({item.scenario}); "
            "add a step that calls it to check it")


def _repeats(item: RuntimeObservation) -> str:
    """How first and later calls fared, e.g. `a repeat call grew 1 of 3 times`; empty for a single call."""
    parts = []
    if item.first_calls > 1:
        # Smoke mode: each argument set starts on a fresh instance.
        parts.append(f"the first call on a fresh instance grew {item.first_calls_grew} of {item.first_calls} times")
    if item.later_calls:
        grew = "never" if not item.later_calls_grew else f"{item.later_calls_grew} of {item.later_calls} times"
        parts.append(f"a repeat call grew {grew}")
    if item.first_calls == 1 and not item.first_calls_grew and item.later_calls_grew:
        parts.append("the first call did not")
    return ", ".join(parts)


def _made(view: HostView) -> str:
    made = f"`{view.holder}` = {view.created_text} (line {view.created_line})"
    return made + ", kept while other code calls into the module" if view.kept else made


def _call(view: HostView) -> str:
    """The call that may have grown memory since the view was made."""
    if view.earlier:
        return f"an earlier call may have grown memory since: {view.call_text} (line {view.call_line})"
    if view.host_grow:
        return f"`{view.call_text}` (line {view.call_line}) grows memory"
    names = ", ".join(f"`{e}`" for e in view.call_exports[:3]) + (" ..." if len(view.call_exports) > 3 else "")
    through = f" through {' -> '.join(view.call_via)}" if view.call_via else ""
    return f"`{view.call_text}` (line {view.call_line}) calls {names}{through}"


def _node(item: NodeObservation) -> str:
    """What V8 showed about the module: the harness ran no host code, so it speaks of views made
    before the call, never of the host's own view."""
    if item.error is not None:
        return f"node: could not check `{item.export}`: {item.error}"
    before, after = item.pages_before, item.pages_after
    how = " (a smoke call)" if item.smoke else ""
    if item.stand_ins and after is not None and before is not None and after > before:
        names = ", ".join(f"`{name}`" for name in item.stand_ins)
        how += f" (the harness grew memory in {names}, as the host's JavaScript does)"
    if item.detached:
        text = f"node: {item.call} grew memory {before} -> {after} pages in V8{how}; views made before it are detached"
        if item.host_rechecks_at is not None:
            text += (f"; no host code ran, and this host tests its view for detachment at line "
                     f"{item.host_rechecks_at}, so this does not show that the host breaks")
        return text
    if after is not None and before is not None and after > before:
        return (f"node: {item.call} grew memory {before} -> {after} pages in V8{how}; views made before it stay "
                "attached (a shared memory's buffer never detaches)")
    others = item.calls - 1
    more = f", nor did {others} more smoke call{'s' if others > 1 else ''}" if item.smoke and others > 0 else ""
    return (f"node: {item.call}{how} did not grow memory in V8 ({before} page{'' if before == 1 else 's'} before "
            f"and after){more}; views made before it stay attached")
