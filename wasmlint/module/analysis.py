"""Module facts: which exports reach `memory.grow` (and by which path), the allocator, the memories."""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from wasmlint.evidence import IndirectHop
from wasmlint.findings import PATH_HEAD, PATH_TAIL, UNRESOLVED_INDIRECT, elided_hops
from wasmlint.module.call_order import import_order
from wasmlint.module.decoder import DecodeError, Import, Memory, WasmModule, decode_module
from wasmlint.module.certain import GROW as GROW_FACT, certain_facts
from wasmlint.module.demangle import demangle
from wasmlint.module.indirect import Exploration, Hop, IndirectCalls, describe, indirect_calls
from wasmlint.reading import MODULE_LIMIT, read_regular, reason
from wasmlint.terminal import visible

GROWS, PANIC_ONLY, NO = "grows", "panic-only", "no"

# Panic machinery, matched on raw names: the keywords survive legacy (`_ZN3std9panicking...`) and
# v0 (`_RNv...9panicking...`) mangling, so nothing has to be demangled to classify a function.
PANIC_KEYWORDS = (
    "panicking", "rust_begin_unwind", "__rust_start_panic", "rust_panic", "begin_panic", "panic_fmt",
    "panic_bounds_check", "panic_hook", "unwrap_failed", "expect_failed", "handle_alloc_error",
    "alloc_error_handler", "default_alloc_error_hook", "__rg_oom", "__rdl_oom", "rust_oom",
    "abort_internal", "process::abort", "7process5abort",
)
# Allocator implementations (Rust's global allocator shims and crates, C allocators, language
# runtimes that own the heap). A `memory.grow` inside one of these is expected.
ALLOCATOR_KEYWORDS = (
    "__rust_alloc", "__rust_realloc", "__rdl_alloc", "__rdl_realloc", "__rg_alloc", "__rg_realloc",
    "dlmalloc", "wee_alloc", "lol_alloc", "GlobalAlloc", "emmalloc", "mimalloc", "sbrk",
    "growMemory", "growHeap", "grow_memory",
)
ALLOCATOR_PREFIXES = ("runtime.", "~lib/rt/")  # Go's and AssemblyScript's runtimes
# Short words that are allocators only as whole identifiers (`malloc`, not `mallocator_stats`).
ALLOCATOR_WORDS = re.compile(r"(?<![A-Za-z])(?:malloc|realloc|calloc|memalign|aligned_alloc|talc|brk)(?![A-Za-z])")


# Quick tests every matching name passes (each keyword above contains one of the words they look
# for): most names of a large module fail them in a few fast `in` checks, so only a handful get the
# full keyword test. (A regular expression with the same alternatives is tens of times slower.)
def _may_be_panic(name: str) -> bool:
    return ("panic" in name or "unwind" in name or "_failed" in name or "alloc_error" in name
            or "oom" in name or "abort" in name)


def _may_be_allocator(name: str) -> bool:
    return ("_alloc" in name or "malloc" in name or "realloc" in name or "calloc" in name
            or "Alloc" in name or "brk" in name or "grow" in name or "memalign" in name
            or "talc" in name or name.startswith(ALLOCATOR_PREFIXES))


def is_panic_name(name: str) -> bool:
    return _may_be_panic(name) and any(k in name for k in PANIC_KEYWORDS)


def is_allocator_name(name: str) -> bool:
    return _may_be_allocator(name) and (
        any(k in name for k in ALLOCATOR_KEYWORDS) or name.startswith(ALLOCATOR_PREFIXES)
        or bool(ALLOCATOR_WORDS.search(name)))


# Rust's allocation machinery around the allocator (`alloc::alloc::*`, `RawVec`): with heavy
# inlining the allocator's `memory.grow` can land in one of these, which is still not user code.
ALLOCATION_MACHINERY = ("raw_vec", "5alloc5alloc", "alloc::alloc::")


def is_allocation_code(name: str) -> bool:
    return is_allocator_name(name) or any(k in name for k in ALLOCATION_MACHINERY)


ALLOCATOR_KINDS = (  # (pattern, label), first match wins
    ("dlmalloc", "dlmalloc"), ("wee_alloc", "wee_alloc"), ("lol_alloc", "lol_alloc"),
    ("talc", "talc"), ("emmalloc", "emmalloc"), ("mimalloc", "mimalloc"),
    ("GlobalAlloc", "custom GlobalAlloc"), ("__rust_alloc", "Rust global allocator"),
    ("malloc", "malloc"), ("runtime.", "Go runtime"), ("~lib/rt/", "AssemblyScript runtime"),
)
# Exports hosts call precisely to allocate (wasm-bindgen's glue, C allocators, the component
# model's canonical ABI): reported as allocator entry points, not as exports that grow by surprise.
ALLOCATOR_ENTRY = re.compile(
    r"__wbindgen_(?:malloc|realloc|export_\d+)|_?malloc|_?realloc|_?calloc|cabi_realloc"
    r"|__alloc|__new|alloc|allocate"
)
# wasm-bindgen's own exports (`__wbindgen_*`, its externref table's `__externref_*`, `__wbg_*`):
# only its glue calls them, and it re-creates its views afterwards.
GLUE_EXPORT = re.compile(r"__wbindgen_|__externref_|__wbg_|cabi_realloc$")
# Imports through which the host grows memory on the guest's behalf.
HOST_GROWTH_IMPORT = re.compile(r"^_?(?:emscripten_resize_heap|sbrk|brk|grow_memory|growMemory)$")


class ModuleLoadError(ValueError):
    """A module file could not be read, converted from text, or decoded; one line naming the file."""

    def __init__(self, path: str, message: str, offset: int | None = None):
        where = f" at byte offset {offset:#x}" if offset is not None else ""
        super().__init__(f"{path}: {message}{where}")
        self.path = path
        self.message = message  # without the path and the offset (a RunError shows those itself)
        self.offset = offset


@dataclass(frozen=True, slots=True)  # a generated module has tens of thousands
class ExportFacts:
    name: str
    kind: str  # func / table / memory / global / tag
    index: int
    function: str | None = None  # display name of the exported function
    # functions: "grows" (it reaches memory.grow, or an import through which the host grows
    # memory), "panic-only" or "no"
    status: str | None = None
    path: tuple[str, ...] = ()  # shortest call path to a function with memory.grow
    host_growth_path: tuple[str, ...] = ()  # shortest path to a host growth import
    allocator_entry: bool = False  # an allocator entry point hosts call on purpose
    # How `path` gets through indirect calls: "direct" (it takes none), "resolved" (each one
    # resolved by a vtable or function pointer of the export's code) or "unresolved" (one matched
    # by its type alone); "" without a path.
    resolution: str = ""
    indirect: tuple[IndirectHop, ...] = ()  # each indirect call on `path` and how it was resolved
    # Exports whose indirect calls were resolved because their type alone would reach memory.grow:
    # the vtables and function pointers that resolved them.
    resolved_by: tuple[str, ...] = ()
    # The imported functions ("module.name") the export may call: the host's import callbacks it
    # can run. None: not worked out (a module with very many imports).
    imports_called: tuple[str, ...] | None = None
    # Of those, the ones it may call after memory may have grown in the same call (their callbacks
    # may see the growth), and the ones after whose return it may grow memory (call_order.py).
    # None: not worked out (then any import may come before and after growth).
    imports_after_growth: tuple[str, ...] | None = None
    imports_before_growth: tuple[str, ...] | None = None
    # What every call that returns does (`certain.py`): grows memory (a `memory.grow` by a nonzero
    # constant on every path), and calls these imports. A Rust allocator's growth is never certain.
    grows_every_call: bool = False
    imports_every_call: tuple[str, ...] = ()

    @property
    def growth_path(self) -> tuple[str, ...]:
        """How it grows memory: its path to memory.grow, else to the host's growth import."""
        return self.path or self.host_growth_path

    def to_dict(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "index": self.index, "function": self.function,
            "status": self.status, "path": list(self.path),
            "host_growth_path": list(self.host_growth_path), "allocator_entry": self.allocator_entry,
            "resolution": self.resolution, "indirect": [str(hop) for hop in self.indirect], "resolved_by": list(self.resolved_by),
            "imports_called": None if self.imports_called is None else list(self.imports_called),
        }


@dataclass(frozen=True)
class GrowSiteFacts:
    function: str
    func_index: int
    offset: int
    memory_index: int
    in_allocator: bool | None  # None: the function has no name, so we cannot tell

    def to_dict(self) -> dict:
        return {"function": self.function, "func_index": self.func_index, "offset": self.offset,
                "memory_index": self.memory_index, "in_allocator": self.in_allocator}


@dataclass(frozen=True)
class AllocatorFacts:
    kind: str | None  # "dlmalloc", "wee_alloc", ... from function names
    functions: tuple[str, ...] = ()  # allocator functions, display names
    entry_points: tuple[str, ...] = ()  # exported allocator entry points that reach memory.grow
    host_growth_imports: tuple[str, ...] = ()  # "module.name" of imports that grow memory

    def to_dict(self) -> dict:
        return {"kind": self.kind, "functions": list(self.functions),
                "entry_points": list(self.entry_points),
                "host_growth_imports": list(self.host_growth_imports)}


@dataclass
class ModuleFacts:
    size: int
    function_count: int
    imported_function_count: int
    has_names: bool
    producers: dict[str, list[tuple[str, str]]]
    imports: list[Import]
    memories: list[Memory]
    exports: list[ExportFacts]
    grow_sites: list[GrowSiteFacts]
    allocator: AllocatorFacts
    notes: list[str] = field(default_factory=list)
    import_types: dict[int, str] = field(default_factory=dict)  # import position -> signature

    def export(self, name: str) -> ExportFacts | None:
        return next((e for e in self.exports if e.name == name), None)

    @property
    def languages(self) -> list[str]:
        return [_producer_label(n, v) for n, v in self.producers.get("language", [])]

    @property
    def processed_by(self) -> list[str]:
        return [_producer_label(n, v) for n, v in self.producers.get("processed-by", [])]

    def to_dict(self) -> dict:
        return {
            "size": self.size,
            "functions": {"total": self.function_count, "imported": self.imported_function_count,
                          "defined": self.function_count - self.imported_function_count},
            "has_names": self.has_names,
            "producers": {key: [{"name": n, "version": v} for n, v in values]
                          for key, values in self.producers.items()},
            "imports": [_import_dict(imp, self.import_types.get(i)) for i, imp in enumerate(self.imports)],
            "memories": [_memory_dict(m) for m in self.memories],
            "grow_sites": [site.to_dict() for site in self.grow_sites],
            "allocator": self.allocator.to_dict(),
            "exports": [e.to_dict() for e in self.exports],
            "notes": list(self.notes),
        }


def _producer_label(name: str, version: str) -> str:
    return f"{name} {version}".strip()


def _import_dict(imp: Import, signature: str | None) -> dict:
    out: dict[str, object] = {"module": imp.module, "name": imp.name, "kind": imp.kind}
    if signature is not None:
        out["type"] = signature
    if imp.limits is not None:
        out["min"], out["max"] = imp.limits.min, imp.limits.max
        out["shared"] = imp.limits.shared
    if imp.value_type is not None:
        out["value_type"] = imp.value_type
    return out


def _memory_dict(memory: Memory) -> dict:
    return {
        "index": memory.index, "min_pages": memory.min_pages, "max_pages": memory.max_pages,
        "shared": memory.shared, "memory64": memory.memory64, "page_size": memory.page_size,
        "imported": memory.imported, "import": memory.import_name,
        "exported_as": list(memory.exported_as),
    }


# --- loading ---------------------------------------------------------------------------------

def load_module_bytes(path: Path) -> bytes:
    """The binary module at `path`; a `.wat`/`.wast` file (or text that looks like WAT) is converted first."""
    path = Path(path)
    label = str(path)
    try:
        data = read_regular(path, MODULE_LIMIT)
    except OSError as exc:
        raise ModuleLoadError(label, reason(exc)) from None
    looks_textual = not data.startswith(b"\0asm") and data.lstrip()[:1] in (b"(", b";")
    if path.suffix.lower() not in (".wat", ".wast") and not looks_textual:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModuleLoadError(label, f"WebAssembly text is not valid UTF-8 (byte {exc.start})") from None
    return wat_to_wasm(text, label)


def wat_to_wasm(text: str, label: str = "<wat>") -> bytes:
    try:
        import wasmtime
    except ImportError:  # an extra: the pre-commit hook and most checks do without it
        raise ModuleLoadError(label, "reading WebAssembly text needs wasmtime: pip install 'wasmlint[runtime]'") from None

    try:
        return bytes(wasmtime.wat2wasm(text))
    except wasmtime.WasmtimeError as exc:
        lines = str(exc).splitlines()
        where = next((line.split("-->", 1)[1].strip() for line in lines if "-->" in line), "")
        where = re.sub(r"^<anon>:", "line ", where)
        message = lines[0] if lines else "invalid WebAssembly text"
        detail = f"invalid WebAssembly text: {message}" + (f" ({where})" if where else "")
        raise ModuleLoadError(label, detail) from None


def analyze_module_file(path: Path) -> ModuleFacts:
    """Load and analyse one module file; every failure is a ModuleLoadError naming the file (and byte offset)."""
    return analyze_loaded_module(load_module_bytes(path), str(path))


def analyze_loaded_module(data: bytes, label: str, host_growth: Collection[str] = ()) -> ModuleFacts:
    """Analyse the bytes of a module file named `label` (`host_growth`: see `facts_from_module`);
    a malformed one raises ModuleLoadError."""
    try:
        return analyze_module(data, host_growth)
    except DecodeError as exc:
        raise ModuleLoadError(label, f"malformed module: {exc.message}", exc.offset) from None


# --- analysis --------------------------------------------------------------------------------

# A display name is repeated in the path of every export that passes through its function: one
# huge name (a name section may hold anything) times many exports would make a huge report.
NAME_LIMIT = 1000  # characters; Rust's longest demangled generic names stay well below


class _Names:
    """Display names for function indices: demangled name-section names, else export/import names, else func[N]."""

    def __init__(self, module: WasmModule):
        self.module = module
        self.raw = module.func_names
        self._exported: dict[int, str] | None = None  # made when a function without a raw name is first named
        self.imported = {imp.index: f"{imp.module}.{imp.name}" for imp in module.imports if imp.kind == "func"}
        # By function index (a dict of every named function kept about 37 bytes each, a list 8).
        self.cache: list[str | None] = [None] * module.num_funcs

    @property
    def exported(self) -> dict[int, str]:
        if self._exported is None:
            self._exported = {}
            for export in self.module.exports:
                if export.kind == "func":
                    self._exported.setdefault(export.index, export.name)
        return self._exported

    def __call__(self, func_index: int) -> str:
        cache = self.cache
        known = 0 <= func_index < len(cache)  # an index past the function space is named, not kept
        name = cache[func_index] if known else None
        if name is None:
            raw = self.raw.get(func_index)
            if raw:
                name = demangle(raw)
                if name == raw:  # keep the one copy the name section's table holds
                    name = raw
            else:
                name = self.exported.get(func_index) or self.imported.get(func_index) or f"func[{func_index}]"
            if len(name) > NAME_LIMIT:
                name = f"{name[:NAME_LIMIT]}... ({len(name) - NAME_LIMIT} more characters)"
            if known:
                cache[func_index] = name
        return name


class _CallGraph:
    """Direct calls plus type-matched indirect calls, searched backwards from the targets.

    An indirect call site of type T is a node (a negative number) with edges to every
    address-taken function of T's signature; the extra hop makes paths through direct calls win
    ties, which is also the more certain kind of path.
    """

    def __init__(self, module: WasmModule):
        self.module = module
        callers: defaultdict[int, list[int]] = defaultdict(list)
        for caller, callees in module.calls.items():
            for callee in callees:
                callers[callee].append(caller)
        self.callers = dict(callers)
        # Types with the same parameters and results are the same signature for call_indirect;
        # each signature is a node numbered -1, -2, ...
        signature_ids: dict[object, int] = {}
        node_of_type = []
        for type_index, ft in enumerate(module.types):
            key = (ft.params, ft.results) if ft.kind == "func" else ("#", type_index)
            node_of_type.append(-1 - signature_ids.setdefault(key, len(signature_ids)))
        self.indirect_callers: dict[int, list[int]] = {}
        for caller, type_indices in module.indirect_call_types.items():
            for type_index in type_indices:
                if type_index < len(node_of_type):
                    self.indirect_callers.setdefault(node_of_type[type_index], []).append(caller)
        func_types, num_funcs, indirect = module.func_type_indices, module.num_funcs, self.indirect_callers
        self.taken_signature: dict[int, int] = {}  # address-taken function -> its signature node
        for func in module.address_taken():
            if func < num_funcs:
                node = node_of_type[func_types[func]]
                if node in indirect:
                    self.taken_signature[func] = node
        self.node_of_type = node_of_type
        self._taken_by_signature: dict[int, list[int]] | None = None

    def signature_of_type(self, type_index: int) -> int | None:
        """The signature node of indirect calls of this type (None: a type index out of range)."""
        return self.node_of_type[type_index] if type_index < len(self.node_of_type) else None

    def signature_of_func(self, func: int) -> int | None:
        """The signature node of the indirect calls that may reach `func`, if any indirect call
        has its signature."""
        func_types = self.module.func_type_indices
        if func >= len(func_types):
            return None
        node = self.signature_of_type(func_types[func])
        return node if node in self.indirect_callers else None

    def taken_with(self, signature: int) -> list[int]:
        """The address-taken functions an indirect call of this signature may reach by its type."""
        if self._taken_by_signature is None:
            by_signature: dict[int, list[int]] = {}
            for func, node in self.taken_signature.items():
                by_signature.setdefault(node, []).append(func)
            self._taken_by_signature = by_signature
        return self._taken_by_signature.get(signature, [])

    def toward(self, targets: set[int], blocked=None, wanted: set[int] | None = None) -> dict[int, int | None]:
        """For every node that reaches a target: the next node on a shortest path (None at a target).

        Breadth-first from the targets, so a node's path is final when it is first reached: the
        search stops once every `wanted` node has been reached. `blocked` nodes are never entered.
        """
        search = _Search(self, targets, blocked)
        search.run(wanted)
        return search.next_hop


class _Search:
    """A breadth-first search of a call graph backwards from some targets, run only as far as the
    questions asked of it need. `next_hop` holds, for every node reached so far, the next node on
    a shortest path to a target (None at a target); nodes are reached in order of `distance`, so
    an entry is final when it is made. `blocked` nodes are never entered; without
    `indirect_calls`, only direct calls are followed."""

    def __init__(self, graph: _CallGraph, targets: set[int], blocked=None, indirect_calls: bool = True):
        self.graph = graph
        self.blocked = blocked
        self.taken = graph.taken_signature if indirect_calls else {}
        self.next_hop: dict[int, int | None] = {}
        self.queue: deque[int] = deque()
        self._distance: dict[int, int] = {}
        # The nearest reached function of each signature, kept as the search goes: asking for it
        # export after export must not look through every function of the signature each time.
        self._nearest_taken: dict[int, tuple[int, int]] = {}  # signature -> (distance, function)
        self._reached: list[int] = []  # next_hop's functions and signatures in the order reached
        self._taken_noted = 0  # how many of them _note_taken has looked at
        for target in sorted(targets):
            if blocked is None or not blocked(target):
                self.next_hop[target] = None
                self.queue.append(target)
                self._reached.append(target)

    def run(self, wanted: set[int] | None = None) -> None:
        """Go on until every `wanted` node is reached (None: every node that can be), or nothing is left."""
        if wanted is None:
            self._run(None, False)
            return
        missing = {node for node in wanted if node not in self.next_hop}
        if missing:
            self._run(missing, False)

    def nearest(self, nodes) -> int | None:
        """The node among `nodes` with the shortest path to a target (None: none reaches one).
        Whatever was reached before anything still to reach is at least as near."""
        reached = [node for node in nodes if node in self.next_hop]
        if not reached and self.queue:
            self._run(set(nodes), True)
            reached = [node for node in nodes if node in self.next_hop]
        return min(reached, key=lambda node: (self.distance(node), node)) if reached else None

    def nearest_taken(self, signature: int) -> int | None:
        """`nearest(graph.taken_with(signature))`: the address-taken function of that signature with
        the shortest path to a target, in time proportional to what the search newly reached."""
        self._note_taken()
        if signature not in self._nearest_taken and self.queue:
            candidates = self.graph.taken_with(signature)
            if candidates:
                self._run(set(candidates), True)
                self._note_taken()
        found = self._nearest_taken.get(signature)
        return found[1] if found is not None else None

    def _note_taken(self) -> None:
        """Fold the functions reached since the last call into each signature's nearest one."""
        reached = self._reached
        if self._taken_noted == len(reached):
            return
        taken, nearest = self.graph.taken_signature, self._nearest_taken
        for position in range(self._taken_noted, len(reached)):
            node = reached[position]
            signature = taken.get(node)
            if signature is not None:
                candidate = (self.distance(node), node)
                best = nearest.get(signature)
                if best is None or candidate < best:
                    nearest[signature] = candidate
        self._taken_noted = len(reached)

    def distance(self, node: int) -> int:
        """Hops from a reached node to a target (an indirect call counts two)."""
        distances, next_hop = self._distance, self.next_hop
        chain = []
        current: int | None = node
        while current is not None and current not in distances:
            chain.append(current)
            current = next_hop[current]
        distance = distances[current] if current is not None else -1
        for hop in reversed(chain):
            distance += 1
            distances[hop] = distance
        return distances[node]

    def _run(self, missing: set[int] | None, first: bool) -> None:
        """Expand nodes until `missing` is empty (or, with `first`, one of it is reached)."""
        callers, indirect, taken = self.graph.callers, self.graph.indirect_callers, self.taken
        blocked, next_hop, queue, reached = self.blocked, self.next_hop, self.queue, self._reached
        while queue:
            node = queue.popleft()
            if node >= 0:
                preds = callers.get(node, ())
                sig = taken.get(node)
                if sig is not None and sig not in next_hop:
                    next_hop[sig] = node
                    queue.append(sig)
                    reached.append(sig)
            else:
                preds = indirect.get(node, ())
            done = False
            for pred in preds:
                if pred not in next_hop and (blocked is None or not blocked(pred)):
                    next_hop[pred] = node
                    queue.append(pred)
                    reached.append(pred)
                    if missing is not None and pred in missing:
                        missing.discard(pred)
                        done = first or not missing
            if done:
                return


# Long paths are cut (PATH_HEAD, PATH_TAIL): the longest shortest path in a 45 MB module has 6
# functions, but a small module can chain thousands of exported functions.


class _Paths:
    """The shortest paths along one `toward` search, as display names."""

    def __init__(self, next_hop: dict[int, int | None], names: _Names):
        self.next_hop = next_hop
        self.names = names
        self.tails: dict[int, tuple[int, tuple[int, ...]]] = {}  # node -> (functions left, the last few)
        self.crossings: dict[int, bool] = {}  # node -> its path takes an indirect call

    def __call__(self, start: int) -> tuple[str, ...]:
        next_hop = self.next_hop
        head: list[int] = []
        node: int | None = start
        while node is not None and len(head) < PATH_HEAD:
            if node >= 0:
                head.append(node)
            node = next_hop[node]
        if node is None:
            return tuple(map(self.names, head))
        left, last = self._tail(node)
        if left <= PATH_TAIL + 1:  # too few left to be worth eliding
            return tuple(map(self.names, head)) + tuple(map(self.names, self._walk(node)))
        return (*map(self.names, head), elided_hops(left - len(last)), *map(self.names, last))

    def _walk(self, node: int | None) -> list[int]:
        out = []
        while node is not None:
            if node >= 0:
                out.append(node)
            node = self.next_hop[node]
        return out

    def _tail(self, node: int) -> tuple[int, tuple[int, ...]]:
        """How many functions the path from `node` has, and its last PATH_TAIL; remembered for every
        node on the way, so that all the paths of a search together take linear time."""
        chain = []
        current: int | None = node
        while current is not None and current not in self.tails:
            chain.append(current)
            current = self.next_hop[current]
        left, last = self.tails[current] if current is not None else (0, ())
        for hop in reversed(chain):
            if hop >= 0:  # the last functions are the same for every node on the path, once there are enough
                left, last = left + 1, last if len(last) == PATH_TAIL else (hop,) + last
            self.tails[hop] = (left, last)
        return self.tails[node]

    def through_indirect(self, start: int) -> bool:
        """Whether the path from `start` takes an indirect call (matched by its type alone)."""
        chain = []
        current: int | None = start
        while current is not None and current not in self.crossings:
            chain.append(current)
            current = self.next_hop[current]
        crosses = self.crossings[current] if current is not None else False
        for hop in reversed(chain):
            crosses = crosses or hop < 0
            self.crossings[hop] = crosses
        return self.crossings[start]


def _chain(start: int, next_hop: dict[int, int | None]) -> list[int]:
    """The nodes of one search's path from `start`, signature nodes (negative) included."""
    out = []
    node: int | None = start
    while node is not None:
        out.append(node)
        node = next_hop[node]
    return out


def _shown(nodes: list[int], names: _Names) -> tuple[str, ...]:
    """A path given node by node as display names, cut like _Paths cuts them; a function met twice
    (a composed path can loop) is kept once, with the loop left out."""
    kept: list[int] = []
    where: dict[int, int] = {}
    for node in nodes:
        if node < 0:
            continue
        if node in where:
            for dropped in kept[where[node] + 1:]:
                del where[dropped]
            del kept[where[node] + 1:]
            continue
        where[node] = len(kept)
        kept.append(node)
    if len(kept) <= PATH_HEAD + PATH_TAIL + 1:
        return tuple(map(names, kept))
    return (*map(names, kept[:PATH_HEAD]), elided_hops(len(kept) - PATH_HEAD - PATH_TAIL),
            *map(names, kept[-PATH_TAIL:]))


DIRECT, RESOLVED, UNRESOLVED = "direct", "resolved", "unresolved"
# Functions reached by all the explorations of one module together (each export explores the code
# it reaches anew); past it, the remaining exports keep the type match. The eight explorations of
# the 45 MB biome module reach 60 functions.
EXPLORATION_BUDGET = 200_000


@dataclass(slots=True)
class _Reach:
    status: str
    path: tuple[str, ...] = ()
    resolution: str = ""  # DIRECT / RESOLVED / UNRESOLVED when the export reaches memory.grow
    indirect: tuple[IndirectHop, ...] = ()  # each indirect call on the path: how it was resolved
    resolved_by: tuple[str, ...] = ()  # what resolved the export's indirect calls (explored exports)


class _Growth:
    """How each export reaches `memory.grow`: through direct calls; else through indirect calls
    that the constants flowing into their function resolve (vtables, function pointers); else
    through indirect calls matched by their type alone (unresolved); else only through panic
    handling. Each search runs only as far as the exports need."""

    def __init__(self, module: WasmModule, data: bytes | None, graph: _CallGraph, names: _Names,
                 is_panic, grow_funcs: set[int], export_funcs: set[int]):
        self.module, self.graph, self.names = module, graph, names
        # Indirect calls matched by type, as a bound: what does not reach memory.grow so does not
        # reach it at all (without panicking), and a shortest path that takes no indirect call
        # is a direct one. Most exports that grow are settled here.
        self.by_type = _Search(graph, grow_funcs, is_panic)
        self.by_type.run(export_funcs)
        self.typed_paths = _Paths(self.by_type.next_hop, names)
        crossing = {func for func in export_funcs
                    if func in self.by_type.next_hop and self.typed_paths.through_indirect(func)}
        self.typed_paths.crossings.clear()  # asked no more: not kept while the exports are followed
        # The others may still have a (longer) path through direct calls only.
        self.by_calls = _Search(graph, grow_funcs, is_panic, indirect_calls=False)
        if crossing:
            self.by_calls.run(crossing)
        self.direct = export_funcs & self.by_type.next_hop.keys() - crossing
        self.explored = crossing - self.by_calls.next_hop.keys()
        self.by_any = _Search(graph, grow_funcs)
        # None when nothing is explored, or when the table's slots are unknown or the bytes not at hand.
        self.calls: IndirectCalls | None = None
        if self.explored:
            self.calls = indirect_calls(module, data, graph.signature_of_type, graph.signature_of_func, is_panic)
        self.direct_paths = _Paths(self.by_calls.next_hop, names)
        self.any_paths = _Paths(self.by_any.next_hop, names)
        self.walks: dict[int, Exploration] = {}  # explored exports that do not grow without panicking
        self._how: dict[str, str] = {}  # one copy of each hop's words, for the hops of every export
        self.panic_search_ran = False
        self.explored_functions = 0

    @property
    def _calls(self) -> IndirectCalls:
        """The indirect calls, asked for only to describe a walk through them (none without them)."""
        assert self.calls is not None
        return self.calls

    def grows(self, func: int) -> _Reach | None:
        """How `func` reaches memory.grow without panicking; None when it does not."""
        if func in self.direct:
            return _Reach(GROWS, self.typed_paths(func), DIRECT)
        if func in self.by_calls.next_hop:
            return _Reach(GROWS, self.direct_paths(func), DIRECT)
        if func not in self.explored:
            return None
        calls, by_type = self.calls, self.by_type
        if calls is None or self.explored_functions > EXPLORATION_BUDGET:
            # Table slots unknown, or enough explored: the type match is all there is.
            nodes = _chain(func, by_type.next_hop)
            return _Reach(GROWS, _shown(nodes, self.names), UNRESOLVED, self._unresolved_hops(nodes))
        walk = calls.explore(func, self.by_calls.next_hop)
        self.explored_functions += len(walk.parent)
        resolved_by = self._sources(walk)
        if walk.found is not None:
            nodes, hops = walk.prefix(walk.found)
            nodes += _chain(walk.found, self.by_calls.next_hop)[1:]
            return _Reach(GROWS, _shown(nodes, self.names), RESOLVED, self._hops(hops), resolved_by)
        for caller, signature in walk.unresolved_sites():
            target = by_type.nearest_taken(signature)
            if target is not None:
                nodes, hops = walk.prefix(caller)
                tail = _chain(target, by_type.next_hop)
                hops.append(Hop(caller, target, None))
                return _Reach(GROWS, _shown(nodes + tail, self.names), UNRESOLVED,
                              self._hops(hops) + self._unresolved_hops(tail), resolved_by)
        self.walks[func] = walk
        return None

    def only_on_panic(self, func: int, unreached: set[int]) -> _Reach | None:
        """How `func` reaches memory.grow through panic handling, when it does not otherwise."""
        by_any = self.by_any
        walk = self.walks.get(func)
        if walk is None:  # not explored: type-matched indirect calls, as the search finds them
            if not self.panic_search_ran:
                # Once for all of them: run() looks through what it is given, so asking anew for
                # each export would cost the number of exports each time.
                by_any.run(unreached - self.walks.keys())
                self.panic_search_ran = True
            if func not in by_any.next_hop:
                return None
            resolution = UNRESOLVED if self.any_paths.through_indirect(func) else DIRECT
            return _Reach(PANIC_ONLY, self.any_paths(func), resolution)
        # The panic function nearest to memory.grow that the export's code calls; else an
        # unresolved indirect call's target that reaches it through panic handling.
        target = by_any.nearest(walk.panic_exits) if walk.panic_exits else None
        if target is not None:
            (caller, source, origin), unresolved = walk.panic_exits[target], False
        else:
            for caller, signature in walk.unresolved_sites():  # noqa: B007 (caller is read after the break)
                target = by_any.nearest_taken(signature)
                if target is not None:
                    source, origin, unresolved = None, None, True
                    break
            else:
                return _Reach(NO, resolved_by=self._sources(walk))
        nodes, hops = walk.prefix(caller)
        if source is not None or unresolved:
            hops.append(Hop(caller, target, source, origin))
        # The rest of the path is panic handling: its own indirect calls are not listed.
        tail = _chain(target, by_any.next_hop)
        resolution = (UNRESOLVED if unresolved or any(node < 0 for node in tail)
                      else RESOLVED if hops else DIRECT)
        return _Reach(PANIC_ONLY, _shown(nodes + tail, self.names), resolution, self._hops(hops),
                      self._sources(walk))

    def _sources(self, walk: Exploration) -> tuple[str, ...]:
        return tuple(dict.fromkeys(describe(source, self._calls, self.names) for source in walk.sources()))

    def _hops(self, hops: list[Hop]) -> tuple[IndirectHop, ...]:
        names = self.names
        out = []
        for hop in hops:
            if hop.source is not None:
                how = f"via {describe(hop.source, self._calls, names)}"
                if hop.origin is not None:
                    how += f" (from `{names(hop.origin)}`)"
                how = self._how.setdefault(how, how)
            else:
                how = self._unresolved(hop.callee)
            out.append(IndirectHop(names(hop.caller), names(hop.callee), how))
        return tuple(out)

    def _unresolved_hops(self, nodes: list[int]) -> tuple[IndirectHop, ...]:
        """The type-matched indirect calls of a search's path (negative nodes between two functions)."""
        names = self.names
        return tuple(IndirectHop(names(caller), names(callee), self._unresolved(callee))
                     for caller, marker, callee in zip(nodes, nodes[1:], nodes[2:]) if marker < 0 <= caller and callee >= 0)

    def _unresolved(self, callee: int) -> str:
        """How a type-matched indirect call reaches `callee`: the same words for every caller."""
        signature = self.module.func_type(callee)
        how = (f"{UNRESOLVED_INDIRECT} (any `{signature}` function in the table may be its target)" if signature
               else f"{UNRESOLVED_INDIRECT} (any table entry)")
        return self._how.setdefault(how, how)


MAX_IMPORTS_FOLLOWED = 64  # imported functions whose callers are searched, one search each


def _imports_called(module: WasmModule, graph: "_CallGraph", export_funcs: set[int]) -> dict[int, set[str]] | None:
    """Export function -> the imported functions it may call ("module.name"); None when the
    module imports too many functions to search for each."""
    imported = [imp for imp in module.imports if imp.kind == "func"]
    if len(imported) > MAX_IMPORTS_FOLLOWED:
        return None
    found: dict[int, set[str]] = {}
    for imp in imported:
        for func in graph.toward({imp.index}, wanted=export_funcs):
            if func in export_funcs:
                found.setdefault(func, set()).add(f"{imp.module}.{imp.name}")
    return found


def _reaches(module: WasmModule, data: bytes | None, graph: _CallGraph, names: _Names, is_panic,
             export_funcs: set[int]) -> dict[int, "_Reach"]:
    """How each exported function reaches memory.grow (status NO: it does not)."""
    grow_funcs = {site.func_index for site in module.grow_sites}
    growth = _Growth(module, data, graph, names, is_panic, grow_funcs, export_funcs)
    reached: dict[int, _Reach] = {}
    for func in sorted(export_funcs):
        reached[func] = growth.grows(func) or _Reach(NO)
    # Only the exports that cannot grow without panicking need the search through panic code.
    unreached = {func for func, reach in reached.items() if reach.status == NO}
    if unreached and grow_funcs:
        for func in sorted(unreached):
            reached[func] = growth.only_on_panic(func, unreached) or reached[func]
    return reached


def analyze_module(data: bytes, host_growth: Collection[str] = ()) -> ModuleFacts:
    """Decode a binary module and work out what it reveals about memory growth."""
    return facts_from_module(decode_module(data), data, host_growth)


def facts_from_module(module: WasmModule, data: bytes | None = None, host_growth: Collection[str] = ()) -> ModuleFacts:
    """The facts of a decoded module; `data`, the module's bytes, lets indirect calls be resolved
    by the vtables and function pointers in its code and data (without it they match by type).
    `host_growth`: imports (`module.name`) whose implementation, as the host layer read it in the
    host's JavaScript, grows memory: an export that reaches one grows, as through the imports
    known by name (`emscripten_resize_heap`)."""
    names = _Names(module)
    graph = _CallGraph(module)
    raw = module.func_names
    panic_funcs = {func for func, name in raw.items() if is_panic_name(name)}
    is_panic = panic_funcs.__contains__

    export_funcs = {e.index for e in module.exports if e.kind == "func"}
    # The searches and explorations end with the reaches: they are not held while the facts are made.
    reached = _reaches(module, data, graph, names, is_panic, export_funcs)

    host_imports = [imp for imp in module.imports if imp.kind == "func" and (
        HOST_GROWTH_IMPORT.match(imp.name) or HOST_GROWTH_IMPORT.match(raw.get(imp.index, ""))
        or f"{imp.module}.{imp.name}" in host_growth)]
    reach_host = graph.toward({imp.index for imp in host_imports}, blocked=is_panic,
                              wanted=export_funcs) if host_imports else {}

    host_path_of = _Paths(reach_host, names)
    calls_import = _imports_called(module, graph, export_funcs)
    order = import_order(module, graph, export_funcs, data, {imp.index for imp in host_imports}) \
        if calls_import is not None else None
    every_call = certain_facts(module, data, {func for func, reach in reached.items() if reach.status == GROWS}
                               | {imp_func for imp_func in export_funcs if calls_import and calls_import.get(imp_func)})
    exports: list[ExportFacts] = []
    left = Counter(export.index for export in module.exports if export.kind == "func")
    for export in module.exports:
        if export.kind != "func":
            exports.append(ExportFacts(export.name, export.kind, export.index))
            continue
        func = export.index
        # A reach is dropped once its function's last export has it (what it holds lives on in
        # the export's facts): the reaches and the facts are not all held at once.
        left[func] -= 1
        reach = reached[func] if left[func] else reached.pop(func)
        host_path = host_path_of(func) if func in reach_host else ()
        if host_path and reach.status != GROWS:
            # Memory grows when the host's import runs: the export grows, by that path.
            reach = _Reach(GROWS)
        exports.append(ExportFacts(
            export.name, "func", func, names(func), reach.status, reach.path, host_path,
            allocator_entry=bool(ALLOCATOR_ENTRY.fullmatch(export.name)) and (reach.status == GROWS or bool(host_path)),
            resolution=reach.resolution, indirect=reach.indirect, resolved_by=reach.resolved_by,
            imports_called=None if calls_import is None else tuple(sorted(calls_import.get(func, ()))),
            imports_after_growth=None if order is None else order.after_growth(func),
            imports_before_growth=None if order is None else order.before_growth(func),
            grows_every_call=GROW_FACT in every_call.get(func, ()),
            imports_every_call=tuple(sorted(every_call.get(func, frozenset()) - {GROW_FACT})),
        ))

    grow_sites = []
    for site in module.grow_sites:
        raw_name = raw.get(site.func_index)
        in_allocator = (is_allocation_code(raw_name) or is_allocation_code(names(site.func_index))) \
            if raw_name else None
        grow_sites.append(GrowSiteFacts(names(site.func_index), site.func_index, site.offset,
                                        site.memory_index, in_allocator))

    allocator_funcs = sorted(func for func, name in raw.items() if is_allocator_name(name))
    kind = None
    joined = "\n".join(raw[f] for f in allocator_funcs)
    for needle, label in ALLOCATOR_KINDS:
        if needle in joined:
            kind = label
            break
    allocator = AllocatorFacts(
        kind=kind,
        functions=tuple(names(f) for f in allocator_funcs),
        entry_points=tuple(e.name for e in exports if e.allocator_entry),
        host_growth_imports=tuple(f"{imp.module}.{imp.name}" for imp in host_imports),
    )

    notes = []
    if not module.has_name_section:
        notes.append("no name section: functions are shown as func[N], and panic paths and "
                     "allocators cannot be told apart from other code")
    if not module.grow_sites and not host_imports:
        notes.append("no memory.grow instruction and no known host growth import")
    if any(m.imported for m in module.memories):
        notes.append("the memory is imported: the host (or another module) may also grow it")

    import_types = {}
    for i, imp in enumerate(module.imports):
        if imp.kind in ("func", "tag") and imp.type_index is not None and imp.type_index < len(module.types):
            import_types[i] = str(module.types[imp.type_index])
    return ModuleFacts(
        size=module.size,
        function_count=module.num_funcs,
        imported_function_count=module.num_imported_funcs,
        has_names=module.has_name_section and bool(module.func_names),
        producers=module.producers,
        imports=module.imports,
        memories=module.memories,
        exports=exports,
        grow_sites=grow_sites,
        allocator=allocator,
        notes=notes,
        import_types=import_types,
    )


# --- text rendering ----------------------------------------------------------------------------

def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def _memory_line(memory: Memory) -> str:
    unit = "pages" if memory.page_size == 65536 else f"pages of {memory.page_size} bytes"
    parts = [f"memory {memory.index}: {memory.min_pages} {unit} initially"]
    parts.append("no maximum" if memory.max_pages is None else f"maximum {memory.max_pages}")
    if memory.shared:
        parts.append("shared")
    if memory.memory64:
        parts.append("64-bit")
    if memory.imported:
        parts.append(f"imported from `{memory.import_name}`")
    if memory.exported_as:
        parts.append("exported as " + ", ".join(f"`{name}`" for name in memory.exported_as))
    return ", ".join(parts)


STATUS_LABELS = {GROWS: "grows", PANIC_ONLY: "only on panic", NO: "no"}


def render_inspect_text(facts: ModuleFacts, path_label: str) -> str:
    """A readable summary of one module for `wasmlint inspect`."""
    lines = [f"{path_label}: {_size(facts.size)}, {facts.function_count} functions "
             f"({facts.imported_function_count} imported), {len(facts.grow_sites)} grow site"
             f"{'' if len(facts.grow_sites) == 1 else 's'}"]
    if facts.languages or facts.processed_by:
        lines.append("producers: " + "; ".join(filter(None, [
            ("language " + ", ".join(facts.languages)) if facts.languages else "",
            ("processed by " + ", ".join(facts.processed_by)) if facts.processed_by else ""])))
    for memory in facts.memories:
        lines.append(_memory_line(memory))
    if not facts.memories:
        lines.append("memory: none")
    imports = facts.imports
    if imports:
        lines.append(f"imports ({len(imports)}):")
        for i, imp in enumerate(imports):
            signature = facts.import_types.get(i)
            lines.append(f"  {imp.kind:<6} {imp.module}.{imp.name}" + (f" {signature}" if signature else ""))
    else:
        lines.append("imports: none")
    alloc = facts.allocator
    alloc_line = f"allocator: {alloc.kind or ('none found by name' if facts.has_names else 'unknown (no names)')}"
    if alloc.functions:
        alloc_line += f" ({len(alloc.functions)} function{'s' if len(alloc.functions) != 1 else ''})"
    if alloc.entry_points:
        alloc_line += "; entry points: " + ", ".join(alloc.entry_points)
    lines.append(alloc_line)
    if alloc.host_growth_imports:
        lines.append("host grows memory through: " + ", ".join(alloc.host_growth_imports))
    if facts.grow_sites:
        lines.append("grow sites:")
        for site in facts.grow_sites:
            where = {True: " (allocator)", False: " (not an allocator)", None: ""}[site.in_allocator]
            lines.append(f"  {site.offset:#08x}  {site.function}{where}")
    func_exports = [e for e in facts.exports if e.kind == "func"]
    other_exports = [e for e in facts.exports if e.kind != "func"]
    if func_exports:
        width = min(max(len(e.name) for e in func_exports), 40)
        lines.append(f"exported functions ({len(func_exports)}):")
        for e in func_exports:
            assert e.status is not None  # every exported function is judged
            label = STATUS_LABELS[e.status]
            if e.allocator_entry:
                label += " (allocator entry point)"
            row = f"  {e.name:<{width}}  {label}"
            if e.path:
                row += f": {' -> '.join(e.path)}"
                if e.resolution == DIRECT:
                    row += " (direct calls only)"
            elif e.host_growth_path:
                row += f": {' -> '.join(e.host_growth_path)} (the host grows memory in this import)"
            lines.append(row)
            for hop in e.indirect:
                lines.append(f"  {'':<{width}}  indirect call: {hop}")
            if e.resolved_by and e.status != GROWS:
                lines.append(f"  {'':<{width}}  indirect calls resolved by: {', '.join(e.resolved_by)}")
            if e.host_growth_path and e.path:
                lines.append(f"  {'':<{width}}  host growth: {' -> '.join(e.host_growth_path)}")
    if other_exports:
        lines.append("other exports: " + ", ".join(f"{e.name} ({e.kind})" for e in other_exports))
    for note in facts.notes:
        lines.append(f"note: {note}")
    # Names, imports and producers come from the module: made visible line by line, so that a
    # newline or an escape sequence in a name stays on its line and never reaches the terminal.
    return "".join(visible(line) + "\n" for line in lines)
