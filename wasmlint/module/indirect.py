"""Resolve indirect calls by the constants an export's code holds: Rust's vtables and function pointers.

A `call_indirect` reaches, by its type alone, every table entry of the same signature: in a Rust
module, `core::fmt::write`'s call through the `&mut dyn Write` vtable then reaches `String`'s
`write_str` (and the allocator) from every export that formats, even into a fixed buffer. The
binary says more. Rust's vtables are records in the data segments (drop, size, align, then the
table indices of the methods), and code passes their address as an `i32.const`; the
`fmt::Arguments` a caller builds holds its `fmt` functions as table indices; `ref.func` names a
function outright. And an indirect call usually loads its callee right before it
(`i32.load offset=K`): from slot K of a vtable (0 is drop, 12 the first method) or from a field
that holds a function pointer.

What the constants of a function and of its callers on the export's paths name is what can flow
into the function (as arguments, or in structs on a caller's stack frame passed by address); an
indirect call keeps only those targets of its signature (and, when it loads its callee from a
vtable slot, only those in that slot), and falls back to the type filter when nothing that flows
in fits. A target that only host data or the heap names is not seen: such a call is resolved to
what the export's code names, or left unresolved when that is nothing of its signature.

Only the exports whose growth depends on an indirect call are explored, and only the functions
they reach are scanned for constants (a second, targeted pass over their bodies).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from wasmlint.module.instructions import BodyFacts, decode_instruction
from wasmlint.module.leb import DecodeError
from wasmlint.module.model import WasmModule
from wasmlint.module.opcodes import constant_tokens

# How a constant is used, from the instruction after it: as the address an i32.load reads (a
# static that may hold a vtable pointer), or as a value (a table index, a vtable address passed on
# or stored). Before a comparison, arithmetic, a conversion or another load it is a plain number
# (without the linker's padding to say otherwise).
_NOT_POINTERS = frozenset(range(0x29, 0x36)) | frozenset(range(0x45, 0xC5))
LOAD, VALUE = "load", "value"
STATIC_WORDS = 2  # words of a static whose address is passed on, read for vtable pointers (a fat pointer)
MAX_METHODS = 256  # a vtable's method slots read at most (Iterator's vtable has about 75)
MAX_ALIGN = 1 << 16
# Without the linker's padding, a small constant is far more often a count, a size or an offset
# than a function pointer: taken for one, it would resolve an indirect call to a wrong target.
MIN_UNPADDED_INDEX = 16
FIRST_METHOD = 12  # byte offset of a vtable's first method, after drop, size and align

VTABLE, POINTER, REFERENCE = "vtable", "pointer", "reference"


@dataclass(frozen=True, slots=True)
class Source:
    """What names a function an indirect call may reach: a vtable (its address), a function
    pointer (a table index) or a `ref.func` (a function index)."""

    kind: str
    value: int


# A function named by a constant: (target, byte offset of its vtable slot or None, source).
Named = tuple[int, "int | None", Source]


@dataclass(frozen=True, slots=True)
class Site:
    """An indirect call of one signature; `slot`: the offset it loads its callee from, if it does."""

    signature: int
    slot: int | None

    def takes(self, offset: int | None) -> bool:
        return self.slot is None or offset is None or offset == self.slot


@dataclass
class Hop:
    """One indirect call on a path: `caller` calls `callee`, named by `source` (None: unresolved)
    in the code of `origin`."""

    caller: int
    callee: int
    source: Source | None
    origin: int | None = None


@dataclass
class Exploration:
    """What the functions one export reaches say about its indirect calls."""

    # how each function was first reached: (caller, source, origin) with source None for a
    # direct call, or None for the export
    parent: dict[int, tuple[int, Source | None, int | None] | None] = field(default_factory=dict)
    depth: dict[int, int] = field(default_factory=dict)
    found: int | None = None  # a function with a direct-call path to memory.grow, reached by resolved calls
    # function -> signature node -> (target, slot) -> (source, origin): what the constants of the
    # function and of its callers on the export's paths name (what can flow into the function),
    # and in which function's code
    flowing: dict[int, dict[int, dict[tuple[int, int | None], tuple[Source, int]]]] = field(default_factory=dict)
    sites: dict[int, tuple[Site, ...]] = field(default_factory=dict)
    used: dict[Source, None] = field(default_factory=dict)  # sources that resolved an indirect call
    # panic function -> (caller, source, origin) of the first call into it
    panic_exits: dict[int, tuple[int, Source | None, int | None]] = field(default_factory=dict)

    def prefix(self, node: int) -> tuple[list[int], list[Hop]]:
        """The functions from the export to `node`, and the indirect calls among them."""
        nodes: list[int] = []
        hops: list[Hop] = []
        current: int | None = node
        while current is not None:
            nodes.append(current)
            link = self.parent[current]
            if link is None:
                break
            caller, source, origin = link
            if source is not None:
                hops.append(Hop(caller, current, source, origin))
            current = caller
        nodes.reverse()
        hops.reverse()
        return nodes, hops

    def unresolved_sites(self) -> list[tuple[int, int]]:
        """(caller, signature node) of every indirect call that nothing flowing into its function
        resolves, nearest to the export first."""
        out = set()
        for func, sites in self.sites.items():
            flowing = self.flowing[func]
            for site in sites:
                if not any(site.takes(slot) for _, slot in flowing.get(site.signature, ())):
                    out.add((func, site.signature))
        return sorted(out, key=lambda item: (self.depth[item[0]], item))

    def sources(self) -> list[Source]:
        """The vtables and function pointers that resolved at least one indirect call."""
        return list(self.used)


@dataclass(frozen=True, slots=True)
class _BodyFacts:
    named: tuple[Named, ...]  # what the body's constants name
    sites: tuple[tuple[int, int | None], ...]  # (type index, slot) of its indirect calls


def indirect_calls(module: WasmModule, data: bytes | None, signature_of_type, signature_of_func,
                   is_panic) -> IndirectCalls | None:
    """What resolves the module's indirect calls; None when they cannot be resolved: its table's
    slots are not all known, or its bytes are not at hand."""
    table = _table_map(module)
    if table is None or data is None:
        return None
    return IndirectCalls(module, data, table, signature_of_type, signature_of_func, is_panic)


class IndirectCalls:
    """The table, the data segments and the constants of function bodies of one module."""

    def __init__(self, module: WasmModule, data: bytes, table: Mapping[int, int], signature_of_type,
                 signature_of_func, is_panic):
        self.module = module
        self.data = data
        self.signature_of_type = signature_of_type  # type index -> signature node of its indirect calls, or None
        self.signature_of_func = signature_of_func  # function -> signature node of the calls that may reach it, or None
        self.is_panic = is_panic
        self.table = table  # slot -> function
        self.padded = module.relocation_padding
        self._segments: list[tuple[int, int, int]] | None = None
        self._segment_starts: list[int] = []
        memory = module.memories[0] if module.memories else None
        self.memory_size = memory.min_pages * memory.page_size if memory is not None else 0
        self._bodies: dict[int, _BodyFacts] = {}
        # Equal facts are kept once: bodies alike (a call_indirect each, nothing named) share one.
        self._shared_facts: dict[_BodyFacts, _BodyFacts] = {}
        self._vtables: dict[int, tuple[tuple[int, int], ...] | None] = {}  # address -> (slot, function)

    @property
    def segments(self) -> list[tuple[int, int, int]]:
        """(first address, end address, file offset) of the active data segments of memory 0, in
        address order."""
        if self._segments is None:
            self._segments = sorted(
                (seg.offset, seg.offset + seg.size, seg.start) for seg in self.module.data_segments
                if seg.memory_index == 0 and seg.offset is not None and seg.offset >= 0)
            self._segment_starts = [start for start, _, _ in self._segments]
        return self._segments

    # --- one body ---------------------------------------------------------------------------

    def body(self, func: int) -> _BodyFacts:
        """What `func`'s constants name and where its indirect calls load their callees from."""
        facts = self._bodies.get(func)
        if facts is None:
            facts = self._scan(func)
            facts = self._bodies[func] = self._shared_facts.setdefault(facts, facts)
        return facts

    def _scan(self, func: int) -> _BodyFacts:
        module = self.module
        if not module.num_imported_funcs <= func < module.num_funcs:
            return _BodyFacts((), ())
        body = module.bodies[func - module.num_imported_funcs]
        table = self.table
        named: dict[tuple[int, int | None, Source], None] = {}
        sites: dict[tuple[int, int | None], None] = {}
        for kind, value, extra in self._tokens(body.expr_start, body.end):
            if kind == "site":
                sites[(value, extra)] = None
            elif kind == REFERENCE:
                named[(value, None, Source(REFERENCE, value))] = None
            elif kind == VALUE:
                target = table.get(value) if self.padded or value >= MIN_UNPADDED_INDEX else None
                if target is not None:
                    named[(target, None, Source(POINTER, value))] = None
                source = Source(VTABLE, value)
                for slot, target in self.vtable(value) or ():
                    named[(target, slot, source)] = None
                for address in self._vtables_held_at(value, STATIC_WORDS):
                    source = Source(VTABLE, address)
                    for slot, target in self.vtable(address) or ():
                        named[(target, slot, source)] = None
            else:  # LOAD: the word read from a static may be a vtable pointer (a `&dyn Trait` it holds)
                for address in self._vtables_held_at(value, 1):
                    source = Source(VTABLE, address)
                    for slot, target in self.vtable(address) or ():
                        named[(target, slot, source)] = None
        return _BodyFacts(tuple(named), tuple(sites))

    def _tokens(self, pos: int, end: int):
        """(VALUE, constant, None), (LOAD, address read, None), (REFERENCE, function, None) and
        ("site", type index, slot) for the constants, ref.funcs and indirect calls of a body."""
        data = self.data
        pattern = constant_tokens()
        padded = self.padded
        num_funcs = self.module.num_funcs
        while pos < end:
            for match in pattern.finditer(data, pos, end):
                const, loaded, after, ref, memarg, indirect, call_ref, other = match.groups()
                if const:
                    value = _sleb(const)
                    if value < 0:
                        continue
                    if padded and not (len(const) == 5 and len(const) > _sleb_size(value)):
                        continue  # wasm-ld pads what it relocates: the rest are plain numbers
                    if loaded:  # the address of a word read from a static
                        yield LOAD, value + _load_offset(loaded), None
                    elif after[0] not in _NOT_POINTERS or padded:
                        yield VALUE, value, None
                elif ref:
                    value = _uleb(ref)
                    if value < num_funcs:
                        yield REFERENCE, value, None
                elif indirect:
                    yield "site", _uleb(indirect), _load_offset(memarg) if memarg else None
                elif call_ref:
                    yield "site", _uleb(call_ref), None
                elif other:
                    try:
                        pos = decode_instruction(data, match.start(8), end, BodyFacts(), num_funcs)
                    except DecodeError:  # the main pass decoded this body; be safe all the same
                        return
                    break
                else:
                    return
            else:
                return

    # --- vtables ------------------------------------------------------------------------------

    def word(self, address: int) -> int | None:
        """The initial 32-bit word at `address` of memory 0 (bytes no data segment sets are zero:
        optimisers drop runs of zeros from the segments); None outside the initial memory."""
        segments = self.segments
        if address < 0 or address + 4 > self.memory_size:
            return None
        i = bisect_right(self._segment_starts, address) - 1
        if i >= 0:
            start, stop, file_start = segments[i]
            if address + 4 <= stop:
                at = file_start + address - start
                return int.from_bytes(self.data[at:at + 4], "little")
        return int.from_bytes(bytes(self._byte(address + k) for k in range(4)), "little")

    def _byte(self, address: int) -> int:
        i = bisect_right(self._segment_starts, address) - 1
        if i >= 0:
            start, stop, file_start = self.segments[i]
            if address < stop:
                return self.data[file_start + address - start]
        return 0

    def vtable(self, address: int) -> tuple[tuple[int, int], ...] | None:
        """(slot, function) of the vtable at `address` (drop in slot 0, if it has one), or None
        when the words there do not read as one: drop (a table index or 0), size, align (a power
        of two that divides size), then at least one method (table indices). A vtable has no
        length; the methods run to the first word that is not a table index, so a neighbour's
        entries may be read too, which the slot an indirect call loads sorts out."""
        if address in self._vtables:
            return self._vtables[address]
        found = None
        table = self.table
        if address % 4 == 0 and address > 0:
            drop, size, align = self.word(address), self.word(address + 4), self.word(address + 8)
            if (drop is not None and size is not None and align is not None and (drop == 0 or drop in table)
                    and 0 < align <= MAX_ALIGN and align & (align - 1) == 0 and size % align == 0):
                entries = [(0, table[drop])] if drop else []
                for i in range(MAX_METHODS):
                    slot = FIRST_METHOD + 4 * i
                    method = self.word(address + slot)
                    if not method or method not in table:
                        break
                    entries.append((slot, table[method]))
                if len(entries) > (1 if drop else 0):
                    found = tuple(entries)
        self._vtables[address] = found
        return found

    def drop_of(self, address: int) -> int | None:
        drop = self.word(address)
        return self.table.get(drop) if drop else None

    def _vtables_held_at(self, address: int, words: int):
        """Vtable addresses in the first `words` words of a static (a `&dyn Trait` it holds)."""
        if not self.segments or address < self._segment_starts[0] or address % 4:
            return
        for i in range(words):
            word = self.word(address + 4 * i)
            if word is None:
                return
            if word != address and self.vtable(word) is not None:
                yield word

    # --- one export ------------------------------------------------------------------------------

    def explore(self, export: int, direct: dict) -> Exploration:
        """Follow direct calls, and the indirect calls that what flows into their function
        resolves, from `export` until a function in `direct` (which reaches memory.grow by direct
        calls) is reached or nothing new is; panic functions are not entered but noted.

        A function's constants flow into what it calls, not back to its callers nor sideways:
        what flows into a function is what its own code and its callers' code on the export's
        paths name. A function is processed again, with only the new part, when more flows in.
        """
        module = self.module
        calls, indirect_types = module.calls, module.indirect_call_types
        signature_of_type, signature_of_func = self.signature_of_type, self.signature_of_func
        is_panic = self.is_panic
        walk = Exploration()
        parent, depth, flowing, sites, used = walk.parent, walk.depth, walk.flowing, walk.sites, walk.used
        targets_of: dict[int, dict[int, None]] = {}  # function -> the targets of its indirect calls so far
        pending: dict[int, list] = {}  # function -> what newly flows in
        fresh: set[int] = set()  # reached, its calls not followed yet
        queue: deque[int] = deque()

        def receive(func: int, caller: int | None, how: tuple[Source, int] | None, items) -> bool:
            """`caller` calls `func` (through a target named by `how`: source and origin, if
            indirectly) and passes on (signature, target, slot, source, origin) items; True when
            `func` is in `direct`."""
            if func not in flowing:
                link = (caller, *(how or (None, None))) if caller is not None else None
                if is_panic(func):
                    if link is not None:
                        walk.panic_exits.setdefault(func, link)
                    return False
                parent[func] = link
                depth[func] = depth[caller] + 1 if caller is not None else 0
                if func in direct:
                    walk.found = func
                    return True
                flowing[func] = {}
                facts = self.body(func)
                own_sites = {Site(sig, slot) for type_index, slot in facts.sites
                             if (sig := signature_of_type(type_index)) is not None}
                for type_index in indirect_types.get(func, ()):  # any the scan did not place
                    sig = signature_of_type(type_index)
                    if sig is not None and not any(site.signature == sig for site in own_sites):
                        own_sites.add(Site(sig, None))
                sites[func] = tuple(own_sites)
                targets_of[func] = {}
                items = [(sig, target, slot, named_by, func) for target, slot, named_by in facts.named
                         if (sig := signature_of_func(target)) is not None] + list(items)
                fresh.add(func)
            known = flowing[func]
            new = []
            for item in items:
                sig, target, slot, named_by, origin = item
                by_target = known.get(sig)
                if by_target is None:
                    by_target = known[sig] = {}
                key = (target, slot)
                if key not in by_target:
                    by_target[key] = (named_by, origin)
                    new.append(item)
                elif named_by.kind == VTABLE and by_target[key][0].kind == POINTER:
                    # the better description: a small number may look like a table index
                    by_target[key] = (named_by, origin)
            if new or func in fresh:
                if func not in pending:
                    pending[func] = []
                    queue.append(func)
                pending[func].extend(new)
            return False

        if receive(export, None, None, ()):
            return walk
        while queue:
            func = queue.popleft()
            delta = pending.pop(func)
            fresh.discard(func)
            for callee in calls.get(func, ()):
                if receive(callee, func, None, delta):
                    return walk
            own_sites = sites[func]
            if not own_sites:
                continue
            targets = targets_of[func]
            for target in list(targets):  # the targets known before get what is new
                if receive(target, func, None, delta):
                    return walk
            everything = None
            for sig, target, slot, named_by, origin in delta:  # new targets get everything
                if target in targets or not any(site.signature == sig and site.takes(slot) for site in own_sites):
                    continue
                targets[target] = None
                used.setdefault(named_by)
                if everything is None:
                    everything = [(s, t, k, n, o) for s, by_target in flowing[func].items()
                                  for (t, k), (n, o) in by_target.items()]
                if receive(target, func, (named_by, origin), everything):
                    return walk
        return walk


class Slots(Mapping[int, int]):
    """Table slots -> functions, as a list indexed by slot: a dict of a generated module's tens of
    thousands of slots keeps an int key and an entry for each, about 70 bytes a slot against 8."""

    __slots__ = ("_functions",)

    def __init__(self, functions: list[int | None]) -> None:
        self._functions = functions  # None: an empty slot

    def get(self, slot: int, default: int | None = None) -> int | None:  # type: ignore[override]
        functions = self._functions
        found = functions[slot] if 0 <= slot < len(functions) else None
        return default if found is None else found

    def __contains__(self, slot: object) -> bool:
        return isinstance(slot, int) and self.get(slot) is not None

    def __getitem__(self, slot: int) -> int:
        found = self.get(slot)
        if found is None:
            raise KeyError(slot)
        return found

    def __iter__(self) -> Iterator[int]:
        return (slot for slot, func in enumerate(self._functions) if func is not None)

    def __len__(self) -> int:
        return sum(func is not None for func in self._functions)


def _table_map(module: WasmModule) -> Mapping[int, int] | None:
    """Table 0's initial entries, slot -> function; None when its slots are not all known (an
    imported table, a segment placed at a computed offset, a second function table)."""
    if not module.tables or module.tables[0].imported:
        return None
    if any("func" in table.ref_type for table in module.tables[1:]):
        return None
    table: dict[int, int] = {}
    segments = []
    for segment in module.table_entries:
        if segment.mode != "active" or segment.table_index != 0:
            continue
        if segment.offset is None or segment.offset < 0 or not segment.exact:
            return None
        segments.append((segment.offset, segment.func_indices))
    end = max((offset + len(functions) for offset, functions in segments), default=0)
    if end <= 2 * sum(len(functions) for _, functions in segments) + 4096:  # dense enough for a list
        slots: list[int | None] = [None] * end
        for offset, functions in segments:  # a later segment overwrites an earlier one's slots
            slots[offset:offset + len(functions)] = functions
        return Slots(slots)
    for offset, functions in segments:
        for i, func in enumerate(functions):
            table[offset + i] = func
    return table


def _load_offset(memarg: bytes) -> int:
    """The offset of a load's memarg: alignment flags, a memory index when bit 6 is set, offset."""
    pos = 1
    if memarg[0] & 0x40:
        while memarg[pos] & 0x80:
            pos += 1
        pos += 1
    return _uleb(memarg[pos:])


def _sleb(token: bytes) -> int:
    value = shift = 0
    for b in token:
        value |= (b & 0x7F) << shift
        shift += 7
    if token[-1] & 0x40:
        value -= 1 << shift
    return value if -(1 << 31) <= value < (1 << 31) else -1


def _uleb(token: bytes) -> int:
    value = shift = 0
    for b in token:
        value |= (b & 0x7F) << shift
        shift += 7
    return value


def _sleb_size(value: int) -> int:
    """Bytes of the shortest signed LEB128 of a non-negative value."""
    size = 1
    while value >= 0x40:
        value >>= 7
        size += 1
    return size


# --- descriptions ---------------------------------------------------------------------------------

_TRAIT = re.compile(r" as (?:[\w:]+::)?(\w+)(?:<[^>]*>)?>::\w+")
_SELF_TYPE = re.compile(r"^<(.+) as ")
_PATH_PREFIX = re.compile(r"\b[a-z_][a-z0-9_]*::")


_CLOSURE = re.compile(r"(\w+)::(\{\{closure\}\}|\{closure#\d+\})")


def _short_type(text: str) -> str:
    """A type as the evidence names it: without references and module paths, and a closure as
    `function::{{closure}}`."""
    text = text.strip()
    while text.startswith(("&mut ", "&")):
        text = text.removeprefix("&mut ").removeprefix("&").strip()
    closure = _CLOSURE.search(text)
    if closure and closure.end() == len(text):
        return f"{closure.group(1)}::{closure.group(2)}"
    return _PATH_PREFIX.sub("", text)


def _drop_type(name: str) -> str | None:
    """`core::ptr::drop_in_place<&mut a::B>` (or `::<...>`, with a hash suffix) -> `B`."""
    at = name.find("drop_in_place")
    if at < 0:
        return None
    start = name.find("<", at)
    stop = name.rfind(">")
    if start < 0 or stop <= start:
        return None
    return _short_type(name[start + 1:stop]) or None


def describe(source: Source, calls: IndirectCalls, names) -> str:
    """How a target was named, for the evidence: "the `dyn Write` vtable of `FixedWriter`"."""
    if source.kind == POINTER:
        return f"a function pointer to `{names(calls.table[source.value])}`"
    if source.kind == REFERENCE:
        return f"a reference to `{names(source.value)}`"
    entries = calls.vtable(source.value) or ()
    traits: dict[str, int] = {}
    selves: dict[str, int] = {}
    for slot, func in entries:
        if slot == 0:
            continue
        name = names(func)
        match = _TRAIT.search(name)
        if match:
            traits[match.group(1)] = traits.get(match.group(1), 0) + 1
        match = _SELF_TYPE.match(name)
        if match and len(match.group(1)) > 1:  # not a type parameter
            selves[match.group(1)] = selves.get(match.group(1), 0) + 1
    trait = max(traits, key=lambda name: traits[name]) if traits else None
    drop = calls.drop_of(source.value)
    of = _drop_type(names(drop)) if drop is not None else None
    if of is None and selves:
        of = _short_type(max(selves, key=lambda name: selves[name]))
    if of is None:
        # A closure's vtable holds its body as `call`/`call_mut` (beside a `call_once` shim).
        # rustc 1.63 also put a `drop_in_place::<the closure>` in slot 0, which named it; newer
        # rustc leaves slot 0 empty for a type with nothing to drop, so the body names it.
        bodies = [_short_type(names(func)) for slot, func in entries if slot]
        of = next((body for body in bodies if _CLOSURE.fullmatch(body)), None)
    if trait:
        what = f"the `dyn {trait}` vtable"
    else:
        what = "the closure vtable" if of and _CLOSURE.search(of) else "the vtable"
    return f"{what} of `{of}`" if of else f"{what} at {source.value:#x}"
