"""Evidence: what a layer (or the host contract) saw that backs a finding, as typed data.

Each kind is a small frozen dataclass whose `kind` field names it (so that a finding read back from
the results cache or another process becomes the same objects). Code branches on these fields;
the words a user reads are written by one function, `wasmlint.reporters.evidence.evidence_text`.
Slots: a module of thousands of exports has a few items for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeAlias


class Resolution(StrEnum):
    """How a module path to `memory.grow` gets through indirect calls."""

    DIRECT = "direct"  # it takes none
    RESOLVED = "resolved"  # each resolved by a vtable or function pointer of the export's code
    UNRESOLVED = "unresolved"  # one matched by its type alone: any table entry of that type may be the target


# --- source layer ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ExportRef:
    """An exported function, and where its `fn` is (1-based, columns in characters)."""

    symbol: str  # the exported symbol
    display: str  # the Rust function, as findings name it
    path: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class AlsoReachedFrom:
    """On a finding in code several exports reach: the exports other than its `symbol` (the
    nearest) that reach it too, each as affected as that one."""

    exports: tuple[ExportRef, ...]
    kind: Literal["also-reached-from"] = "also-reached-from"


# --- module layer ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IndirectHop:
    """One indirect call on a module path to `memory.grow`: `caller` calls `callee`, and `how`, the
    module layer's words for what resolved it (`via the vtable at 0x410`, or that nothing did).
    Kept in parts until printed: a generated module has one for each of thousands of exports,
    and their names and `how` are shared with the other exports' (one string each would not be)."""

    caller: str
    callee: str
    how: str

    def __str__(self) -> str:
        return f"`{self.caller}` calls `{self.callee}` {self.how}"


@dataclass(frozen=True, slots=True)
class GrowthPath:
    """An export's shortest call path to `memory.grow` in the module."""

    export: str
    call_path: tuple[str, ...]  # function names, export first
    resolution: Resolution
    indirect: tuple[IndirectHop, ...] = ()  # each indirect call on the path and what resolved it
    panic_only: bool = False  # the path goes through panic handling (nothing else grows)
    resolved_by: tuple[str, ...] = ()  # panic only: what resolved the export's other indirect calls
    kind: Literal["growth-path"] = "growth-path"


@dataclass(frozen=True, slots=True)
class ModuleNeverGrows:
    """With the compiled module: no export that reaches a source finding grows memory in normal
    operation. Each reaches memory.grow never (the allocation was optimised away, or never runs) or
    only through panic handling."""

    module: str  # the module's path
    never: tuple[str, ...]  # the exports that never reach memory.grow
    panic_only: tuple[str, ...] = ()  # the exports that reach it only while panicking
    kind: Literal["module-never-grows"] = "module-never-grows"


@dataclass(frozen=True, slots=True)
class LeavesCrate:
    """Where an export's path to memory.grow in the module leaves the crate's own code: the last
    function of the crate on it, and the function (std's, a dependency's) that one calls."""

    export: str
    function: str
    callee: str
    kind: Literal["leaves-crate"] = "leaves-crate"


@dataclass(frozen=True, slots=True)
class HostGrowthPath:
    """An export's call path to an import through which the host grows memory."""

    export: str
    call_path: tuple[str, ...]
    kind: Literal["host-growth-path"] = "host-growth-path"


@dataclass(frozen=True, slots=True)
class HostGrowthImports:
    """Imports through which the host grows memory, when no export's path to them is known."""

    imports: tuple[str, ...]
    kind: Literal["host-growth-imports"] = "host-growth-imports"


@dataclass(frozen=True, slots=True)
class UnboundedMemory:
    index: int
    name: str  # what it is exported or imported as
    min_pages: int
    kind: Literal["unbounded-memory"] = "unbounded-memory"


@dataclass(frozen=True, slots=True)
class GrowInstructions:
    """`memory.grow` instructions in a function that is not an allocator."""

    function: str
    count: int
    offset: int  # byte offset of the first
    kind: Literal["grow-instructions"] = "grow-instructions"


# --- runtime layer (wasmtime) -----------------------------------------------------------------------

class Outcome(StrEnum):
    """What a run saw of one export."""

    GREW = "grew"
    NO_GROWTH = "no-growth"  # calls returned without growth
    TRAPPED = "trapped"  # its first call trapped before memory grew
    SKIPPED = "skipped"  # deliberately not called (`detail` says why: a parameter smoke calls cannot pass)
    NOT_INSTANTIATED = "not-instantiated"  # the module could not be instantiated (`detail`: the trap)
    NOT_CALLED = "not-called"  # the smoke calls or the scenario did not call it


class Unreproduced(StrEnum):
    """For a finding that predicts growth a run did not see: what would reproduce it."""

    NOT_SAID = ""  # nothing to add (the run saw growth, or the finding does not predict it)
    NEEDS_STEPS = "needs-steps"  # a scenario (or steps, args) that take the growing branch
    STUB_IMPORTS = "stub-imports"  # the host grows memory, and the sandbox's stub imports never do


@dataclass(frozen=True, slots=True)
class RuntimeObservation:
    """What one wasmtime run saw of one export (of all its runs, the one that says the most)."""

    export: str
    outcome: Outcome
    smoke: bool  # smoke calls with made-up arguments, not a scenario
    scenario: str | None = None  # the scenario file, named in advice
    call: str = ""  # the first call that grew (or returned, or trapped), as written: `set_name(10, 16)`
    pages_before: int = 0
    pages_after: int = 0
    first_call: bool = True  # the growing call was the first on its instance
    call_number: int = 1
    # How often first calls (each on a fresh instance) and repeat calls grew.
    first_calls: int = 0
    first_calls_grew: int = 0
    later_calls: int = 0
    later_calls_grew: int = 0
    other_calls: int = 0  # no growth: the other calls that returned without growth either
    detail: str = ""  # the trap, or why it was not called
    unreproduced: Unreproduced = Unreproduced.NOT_SAID
    kind: Literal["runtime"] = "runtime"

    @property
    def grew(self) -> bool:
        return self.outcome is Outcome.GREW

    @property
    def called(self) -> bool:
        """At least one call returned."""
        return self.outcome in (Outcome.GREW, Outcome.NO_GROWTH)


# --- host layer ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HostView:
    """A host's view over memory.buffer: where it was made, the call that may have grown memory
    since, and where it is used."""

    holder: str  # what holds it: `view`, `this.u8`
    ctor: str  # its constructor: Uint8Array, DataView, ...
    created_text: str
    created_line: int
    kept: bool  # made before the code that uses it ran, and kept while other code calls into the module
    call_text: str
    call_line: int
    call_exports: tuple[str, ...]  # the exports the call may reach
    call_via: tuple[str, ...]  # the host functions from the call to the export
    host_grow: bool  # the call is the host's own `memory.grow`
    earlier: bool  # the call ran before the function that uses the view
    use_text: str
    use_line: int
    kind: Literal["host-view"] = "host-view"


@dataclass(frozen=True, slots=True)
class ModuleGrows:
    """The module a host loads says the export it calls reaches memory.grow."""

    export: str
    call_path: tuple[str, ...]
    module: str  # the module's path
    kind: Literal["module-grows"] = "module-grows"


@dataclass(frozen=True, slots=True)
class SourceAllocates:
    """Where no module is built, the crate's source says the export allocates."""

    export: str
    call_path: tuple[str, ...]  # export -> ... -> the allocating construct
    at: str  # `path:line` of the construct
    crate: str  # the crate, as the stand-in for its module is named
    kind: Literal["source-allocates"] = "source-allocates"


@dataclass(frozen=True, slots=True)
class NotExported:
    """The module a host loads does not export what the host calls."""

    export: str
    module: str
    kind: Literal["not-exported"] = "not-exported"


@dataclass(frozen=True, slots=True)
class NoModule:
    """No module was found for the host: which exports grow is not known."""

    kind: Literal["no-module"] = "no-module"


@dataclass(frozen=True, slots=True)
class NodeObservation:
    """What V8 (a generated Node harness, running the module and none of the host's code) showed
    for one export: whether a view over `memory.buffer` that the harness made before the call
    detached, and the page counts around that call (`error` when it could not be checked)."""

    export: str
    call: str  # e.g. `set_name(10, 16)`, as the runtime layer renders calls
    detached: bool
    pages_before: int | None
    pages_after: int | None
    error: str | None = None  # could not check: no instance, a trap, a limit (named) ...
    calls: int = 0  # calls of the export made (smoke mode tries several argument sets)
    smoke: bool = False  # made-up arguments: the scenario does not call this export, or there is none
    # The harness runs the module, never the host: where the host tests the view it keeps for
    # detachment (and may re-create it), what V8 showed is no proof that the host's view breaks.
    host_rechecks_at: int | None = None
    # Imports through which the host grows memory, which the harness grew memory in itself (as
    # the host's JavaScript does) instead of stubbing them
    stand_ins: tuple[str, ...] = ()
    kind: Literal["node"] = "node"


@dataclass(frozen=True, slots=True)
class NodeNotRun:
    """--confirm on a host judged by a crate's source (no module file found for it): V8 had no
    module to run."""

    judged_by: str  # the crate whose source stood in for its module
    kind: Literal["node-not-run"] = "node-not-run"


# --- the host contract -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HostKeepsView:
    """On a guest's finding: a host of the project keeps a view across a call to its export."""

    path: str
    line: int
    export: str | None
    rule_id: str  # the host finding's rule
    kind: Literal["host-keeps-view"] = "host-keeps-view"


@dataclass(frozen=True, slots=True)
class GuestAllocation:
    """On a host's finding: the guest's finding that makes the call it names grow memory."""

    export: str | None
    rule_id: str
    path: str
    line: int
    kind: Literal["guest-allocation"] = "guest-allocation"


@dataclass(frozen=True, slots=True)
class ContractNote:
    """Why a finding's severity was lowered by its export's host contract."""

    contract: Literal["wasm-bindgen", "raw", "module"]
    # raw, module: the project's hosts (of the crate, of the module), which all make their views after the calls
    hosts: tuple[str, ...] = ()
    kind: Literal["contract"] = "contract"


@dataclass(frozen=True, slots=True)
class ImportGrowsMemory:
    """An import through which the host grows memory, as the host's JavaScript shows it: the
    function that implements it and the grow call it reaches."""

    name: str  # `module.name` of the import
    via: tuple[str, ...]  # the JavaScript functions from the import to the grow call, then the call
    path: str  # the file of the grow call
    line: int
    kind: Literal["import-grows-memory"] = "import-grows-memory"


Evidence: TypeAlias = (
    AlsoReachedFrom
    | GrowthPath | ModuleNeverGrows | LeavesCrate | HostGrowthPath | HostGrowthImports | UnboundedMemory | GrowInstructions
    | RuntimeObservation
    | HostView | ModuleGrows | SourceAllocates | NotExported | NoModule | NodeObservation | NodeNotRun
    | ImportGrowsMemory
    | HostKeepsView | GuestAllocation | ContractNote
)


def also_reached_from(evidence: tuple[Evidence, ...]) -> tuple[str, ...]:
    """The symbols of the exports a finding's `AlsoReachedFrom` names (none: only its own `symbol`)."""
    return tuple(ref.symbol for item in evidence if isinstance(item, AlsoReachedFrom) for ref in item.exports)
