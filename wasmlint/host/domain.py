"""The abstract values the interpreter follows, and the state it runs over.

A value is a set of abstract values (`Vals`, a frozenset; empty: nothing the analysis knows). A
buffer or view carries the calls that may have grown memory since it was made or last re-validated
(`grows`): a memory epoch told by its culprits, so that a use of one with any is stale and the
finding names exactly those calls. Objects, arrays, maps, sets and class instances are abstracted by
allocation site (`Obj.site`): what is stored in one (`State.heap`) is found again wherever it is read.
Variables live in `State.cells` under their scope, so closures see the variables they capture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Union

from tree_sitter import Node

from wasmlint.host import call_lists
from wasmlint.host.call_lists import MAX_GROWS, MAX_OTHER_GROWS, adds, with_grows
from wasmlint.host.values import Grow

MAX_LOG = 64  # calls a state's log keeps (the newest)


@dataclass(frozen=True, slots=True)
class Memory:
    """A WebAssembly.Memory (shared: its buffer never detaches)."""

    shared: bool = False


@dataclass(frozen=True, slots=True)
class Exports:
    """The module's exports object."""


@dataclass(frozen=True, slots=True)
class Instance:
    """A WebAssembly.Instance, or what `WebAssembly.instantiate` resolves to."""

    result: bool = False  # `{ instance, module }` rather than the instance


@dataclass(frozen=True, slots=True)
class ExportFn:
    """An exported function as a value; calling it may grow memory (the module decides)."""

    name: str


@dataclass(frozen=True, slots=True)
class MemoryGrow:
    """`memory.grow` as a function value."""


@dataclass(frozen=True, slots=True)
class GlueFn:
    """A function or class of a wasm-bindgen package (`__init__`: its init function)."""

    name: str


@dataclass(frozen=True, slots=True)
class GlueObject:
    """An object of a wasm-bindgen class: its methods call exports."""

    cls: str


@dataclass(frozen=True, slots=True)
class Foreign:
    """A function or class another host file exports (`specifier#name`), or that file's exports
    object (`name` empty), or an object of such a class (`instance`)."""

    specifier: str
    name: str = ""
    instance: bool = False


@dataclass(frozen=True, slots=True)
class Memo:
    """A buffer or view over memory: made at `site` (a node id) as `ctor`, with the calls since it
    was made or re-validated that may have grown memory (`grows`: empty when fresh)."""

    site: int
    ctor: str  # "ArrayBuffer" for a buffer
    line: int
    text: str
    grows: tuple[Grow, ...] = ()
    from_entry: bool = False  # kept from before the entry point ran
    origin: int = 0  # the site of the buffer it views (a test that re-validates the buffer re-validates it)
    # Of `grows`, the calls made on *every* path since it was made or re-validated (`grows` holds
    # those of any path: views made at one site are joined across paths). `must.py` asks these.
    sure: tuple[Grow, ...] = ()

    @property
    def is_buffer(self) -> bool:
        return self.ctor == "ArrayBuffer"

    def aged_as(self, grows: tuple, from_entry: bool, sure: tuple) -> "Memo":
        """The same buffer or view with these calls (built directly: `dataclasses.replace` looks its
        fields up at every call, and views are aged and merged by the thousand)."""
        return Memo(self.site, self.ctor, self.line, self.text, grows, from_entry, self.origin, sure)

    def fresh(self) -> "Memo":
        return self.aged_as((), False, ()) if self.grows or self.from_entry else self

    def grown(self, grow: Grow) -> "Memo":
        to_sure = len(self.sure) < MAX_GROWS and grow not in self.sure
        if to_sure and not call_lists.ASSUMING and self.sure is self.grows and adds(self.grows, grow):
            # (Sure of every call it has: one tuple for both, as most views are. A bundle ages
            # thousands of views once per entry point.)
            grows = self.grows + (grow,)
            return self.aged_as(grows, self.from_entry or grow.earlier, grows)
        sure = self.sure + (grow,) if to_sure else self.sure
        if call_lists.ASSUMING and grow not in self.grows:
            weakened = call_lists.weakened(self.grows, grow)
            if weakened is not None:
                # (The call kept under other literals: on this path it happened under these.)
                if weakened is self.grows and sure is self.sure:
                    return self
                return self.aged_as(weakened, self.from_entry, sure)
        if not adds(self.grows, grow):
            return self if sure is self.sure else self.aged_as(self.grows, self.from_entry, sure)
        return self.aged_as(self.grows + (grow,), self.from_entry or grow.earlier, sure)

    def grown_all(self, grows: tuple) -> "Memo":
        """`grown` by each of `grows` in turn, up to where no call can change it any more (past
        MAX_GROWS sure calls and MAX_OTHER_GROWS calls, `grown` keeps it as it is)."""
        new = self
        for grow in grows:
            if not call_lists.ASSUMING and len(new.sure) >= MAX_GROWS and len(new.grows) >= MAX_OTHER_GROWS:
                break
            new = new.grown(grow)
        return new

    def only(self, grows: tuple) -> "Memo":
        """With `grows` as its calls (some of its own taken out); the sure ones among them stay sure."""
        return self.aged_as(grows, self.from_entry, tuple(g for g in self.sure if g in grows))

    def derived(self, ctor: str, site: int, line: int, text: str) -> "Memo":
        """A value over the same buffer (`view.buffer`, `new K(view.buffer)`, `.subarray`)."""
        return Memo(site, ctor, line, text, self.grows, self.from_entry, self.origin or self.site, self.sure)


@dataclass(frozen=True, slots=True)
class SafeBuffer:
    """A SharedArrayBuffer or a length-tracking resizable buffer: never detaches."""


@dataclass(frozen=True, slots=True)
class Obj:
    """An object by allocation site: a literal, an array, a Map or Set, a class instance, a
    wrapper an unknown function or a keeping constructor returned (`keeper`: its use is a use of
    what it keeps)."""

    site: int
    cls: int = 0  # the class node id of an instance (0: none)
    kind: str = "object"  # object | array | map | set | keeper | class
    label: str = ""


@dataclass(frozen=True, slots=True)
class Func:
    """A function of a host file, as a value: its node, `this` when bound as a method, and the
    variables of the calls around it that it captured (a closure made in a call sees that call's
    values, not those of a later call: ((cell key, value), ...))."""

    node_id: int
    this: "frozenset[AbsVal]" = frozenset()
    env: tuple = ()

    def grown(self, grow: Grow) -> "Func":
        if not self.env or not any(growable(held) for _, held in self.env):
            return self
        env = tuple((key, _grown(vals, grow)) for key, vals in self.env)
        if all(new[1] is old[1] for new, old in zip(env, self.env)):
            return self
        return Func(self.node_id, self.this, env)

    def grown_all(self, grows: tuple, done: dict) -> "Func":
        """`grown` by each of `grows` in turn, its captured variables rebuilt once (`done`: the
        values already grown by them, by identity)."""
        if not self.env or not any(growable(held) for _, held in self.env):
            return self
        env = tuple((key, _grown_all(vals, grows, done)) for key, vals in self.env)
        if all(new[1] is old[1] for new, old in zip(env, self.env)):
            return self
        return Func(self.node_id, self.this, env)


@dataclass(frozen=True, slots=True)
class Index:
    """A small whole number written in the text (`0`, `3`), as an array index: `keep(0, v)` then
    `this.#views[i] = v` writes element 0 and nothing else."""

    value: int


def index_of(vals: frozenset) -> int | None:
    """The one index `vals` is (None: none, or it may be several)."""
    if len(vals) != 1:
        return None
    (value,) = vals
    return value.value if isinstance(value, Index) else None


AbsVal = Union[Memory, Exports, Instance, ExportFn, MemoryGrow, GlueFn, GlueObject, Foreign, Memo, SafeBuffer, Obj, Func,
               Index]
Vals = frozenset  # of AbsVal
NOTHING: frozenset = frozenset()

ELEMENTS = "[]"  # the heap slot of an array's, map's or set's elements


def one(value: AbsVal) -> frozenset:
    return frozenset((value,))


# id of a value -> (the value, whether a growth changes it). By identity: a value equal to a known
# one but not the same object would be compared element by element, through every closure's
# captured variables. (The value is kept with its answer, so that its id is never another's.)
_GROWABLE: dict = {}


def growable(vals: frozenset) -> bool:
    known = _GROWABLE.get(id(vals))
    if known is not None and known[0] is vals:
        return known[1]
    if len(_GROWABLE) > 50_000:
        _GROWABLE.clear()
    answer = any(isinstance(v, Memo) or (isinstance(v, Func) and any(growable(held) for _, held in v.env))
                 for v in vals)
    _GROWABLE[id(vals)] = (vals, answer)
    return answer


# (value, growth) -> the value grown, or _SAME: a growth ages the same closures and views held in
# many variables and in every copy of a state, and a closure's captured variables hold more.
_GROWN: dict = {}
_SAME: frozenset = frozenset({"unchanged"})  # a marker, never a value


def _grown(vals: frozenset, grow: Grow) -> frozenset:
    if not growable(vals):
        return vals
    done = _GROWN.get((vals, grow))
    if done is None:
        if len(_GROWN) > 50_000:
            _GROWN.clear()
        result = _grow_each(vals, grow)
        done = _GROWN[(vals, grow)] = _SAME if result is vals else result
    return vals if done is _SAME else done


def _grown_all(vals: frozenset, grows: tuple, done: dict) -> frozenset:
    """`vals` grown by each of `grows` in turn, as many `_grown`s would leave them, but with each
    closure's captured variables walked once rather than once per call (`done`: by identity, the
    values already grown by the same calls, with their answer)."""
    if not growable(vals):
        return vals
    known = done.get(id(vals))
    if known is not None and known[0] is vals:
        return known[1]
    changed = False
    out = []
    for v in vals:
        new = v
        if isinstance(v, Memo):
            new = v.grown_all(grows)
        elif isinstance(v, Func):
            new = v.grown_all(grows, done)
        changed = changed or new is not v
        out.append(new)
    result = frozenset(out) if changed else vals
    done[id(vals)] = (vals, result)
    return result


def _grow_each(vals: frozenset, grow: Grow) -> frozenset:
    changed = False
    out = []
    for v in vals:
        if isinstance(v, (Memo, Func)):
            new = v.grown(grow)
            changed = changed or new is not v
            out.append(new)
        else:
            out.append(v)
    return frozenset(out) if changed else vals


def rewrite_memos(vals: frozenset, change) -> frozenset:
    """`vals` with each buffer or view `change`d, also those closures hold in their captured
    variables; the same frozenset where nothing changed (`change` returns a value it leaves alone)."""
    out, changed = [], False
    for value in vals:
        new = value
        if isinstance(value, Memo):
            new = change(value)
        elif isinstance(value, Func) and value.env:
            env = tuple((key, rewrite_memos(held, change)) for key, held in value.env)
            if any(a[1] is not b[1] for a, b in zip(env, value.env)):
                new = Func(value.node_id, value.this, env)
        changed = changed or new is not value
        out.append(new)
    return frozenset(out) if changed else vals


_cell_key = itemgetter(0)  # a captured variable's cell key (taken in C: no Python call per variable)


def _merge_funcs(funcs: list) -> list:
    """The same closure on both paths: one value, its captured variables merged."""
    by_key: dict = {}
    for func in funcs:
        key = (func.node_id, func.this)
        seen = by_key.get(key)
        if seen is None:
            by_key[key] = func
            continue
        env = _merge_envs(seen.env, func.env)
        if env is not seen.env:
            by_key[key] = func if env is func.env else Func(func.node_id, func.this, env)
    return list(by_key.values())


def _merge_envs(mine: tuple, theirs: tuple) -> tuple:
    """Two closures' captured variables (each sorted by cell key), merged cell by cell."""
    if len(mine) == len(theirs) and list(map(_cell_key, mine)) == list(map(_cell_key, theirs)):
        # The same cells (the usual case: one closure made on both paths; compared in C, the
        # same key objects at once): merged in place, in the order both have. Either closure's
        # own tuple where the merge changed none of its cells.
        merged = tuple(a if a[1] is b[1] else (a[0], merge(a[1], b[1])) for a, b in zip(mine, theirs))
        if all(new[1] is old[1] for new, old in zip(merged, mine)):
            return mine
        if all(new[1] is old[1] for new, old in zip(merged, theirs)):
            return theirs
        return merged
    env = dict(mine)
    for cell, vals in theirs:
        env[cell] = merge(env[cell], vals) if cell in env else vals
    return tuple(sorted(env.items(), key=_cell_key))


# (id(a), id(b)) -> (a, b, their merge): joins merge the very same pair of values again and
# again (loops run twice, every branch joins the closures it did not touch); the pair is kept
# with the result, so that an id is never that of another value. Two single values are merged
# at once and not kept: every nested function's returned closure would keep both copies alive.
_MERGED: dict = {}


def forget_values() -> None:
    """Empty the caches by identity (`growable`, grown values, merges): they keep the values they
    answered for alive, so one host's analysis must neither hold the last one's values nor find
    its caches already full of them."""
    _GROWABLE.clear()
    _GROWN.clear()
    _MERGED.clear()


def merge(a: frozenset, b: frozenset) -> frozenset:
    """The union of two values; a buffer or view made at one site is kept once, with the grows
    of both (stale if stale on either path)."""
    if a is b or not b:
        return a
    if not a:
        return b
    if len(a) == 1 and len(b) == 1:
        return _merge(a, b)
    known = _MERGED.get((id(a), id(b)))
    if known is not None and known[0] is a and known[1] is b:
        return known[2]
    if len(_MERGED) > 50_000:
        _MERGED.clear()
    merged = _merge(a, b)
    _MERGED[(id(a), id(b))] = (a, b, merged)
    return merged


def _merge(a: frozenset, b: frozenset) -> frozenset:
    if a == b:
        return a
    joined = a | b
    funcs = [v for v in joined if isinstance(v, Func) and v.env]
    if len(funcs) > 1:
        joined = frozenset([v for v in joined if not (isinstance(v, Func) and v.env)] + _merge_funcs(funcs))
    memos = [v for v in joined if isinstance(v, Memo)]
    if len(memos) < 2:
        return _same_if_equal(joined, a, b)
    by_site: dict[int, Memo] = {}
    for memo in memos:
        seen = by_site.get(memo.site)
        if seen is None:
            by_site[memo.site] = memo
        else:
            grows = seen.grows if memo.grows == seen.grows else with_grows(seen.grows, memo.grows)
            # Sure on both paths: the calls both made.
            sure = seen.sure if memo.sure == seen.sure else tuple(g for g in seen.sure if g in memo.sure)
            if len(sure) == len(seen.sure):
                sure = seen.sure  # (all of them: the same tuple, so that nothing changed is told at once)
            from_entry = seen.from_entry or memo.from_entry
            if grows is not seen.grows or sure is not seen.sure or from_entry is not seen.from_entry:
                by_site[memo.site] = seen.aged_as(grows, from_entry, sure)
    return _same_if_equal(frozenset([v for v in joined if not isinstance(v, Memo)] + list(by_site.values())), a, b)


def _same_if_equal(merged: frozenset, a: frozenset, b: frozenset) -> frozenset:
    """`a` or `b` where the merge equals it: the caches by identity (`growable`, `merge`,
    `held.sites_held`) and the joins' comparisons by identity then know the value at once."""
    if len(merged) == len(a) and merged == a:
        return a
    if len(merged) == len(b) and merged == b:
        return b
    return merged


def holds_memory(vals: frozenset) -> bool:
    return any(isinstance(v, (Memo, Obj)) for v in vals)


CellKey = tuple  # (scope node id, name) for a variable; (object site, property) for the heap


@dataclass
class State:
    """What holds what on one path: variables (`cells`), object slots (`heap`), and the calls on
    this path that may have grown memory (`log`: the last MAX_LOG of them, `logged` in all; to age
    values held only in an expression being evaluated, `since` a mark). `dead`: the path has left
    (return, throw, break).

    `heap` is shared between copies until one of them writes it (`own_heap`): most branches, calls
    and entry points write no object slot, and a bundle's heap holds hundreds of them. Whoever
    writes an object slot writes through `own_heap()`, never through `heap`."""

    cells: dict = field(default_factory=dict)
    heap: dict = field(default_factory=dict)
    log: tuple = ()
    dead: bool = False
    # Where a buffer, a view or a closure holding one may be: (0, cell key) or (1, heap key). A
    # growth visits only these (a state can hold thousands of other values).
    growing: set = field(default_factory=set)
    logged: int = 0
    heap_shared: bool = False  # another state holds the same `heap` dict: copy it before writing
    facts: frozenset = frozenset()  # the invariant conditions known on this path (`invariants.py`)

    def copy(self) -> "State":
        self.heap_shared = True
        return State(dict(self.cells), self.heap, self.log, self.dead, set(self.growing), self.logged, True,
                     self.facts)

    def own_heap(self) -> dict:
        """`heap`, to write: copied first if another state shares it."""
        if self.heap_shared:
            self.heap = dict(self.heap)
            self.heap_shared = False
        return self.heap

    def become(self, other: "State") -> None:
        self.cells, self.heap, self.log, self.dead = other.cells, other.heap, other.log, other.dead
        self.growing, self.logged, self.heap_shared = other.growing, other.logged, other.heap_shared
        self.facts = other.facts

    def since(self, mark: int) -> tuple:
        """The calls logged after `mark` (a value of `logged`): the last MAX_LOG of them at most. A
        full log keeps the newest calls, so that a long run never stops ageing what it evaluates."""
        count = self.logged - mark
        return self.log[-count:] if count > 0 else ()

    def put(self, heap: bool, key: tuple, vals: frozenset) -> None:
        """Keep a value in a variable (`heap` False) or an object slot; nothing known is not kept."""
        if vals:
            table = self.own_heap() if heap else self.cells
            table[key] = vals
            if growable(vals):
                self.growing.add((1 if heap else 0, key))
        elif not heap:
            self.cells.pop(key, None)
        elif key in self.heap:
            del self.own_heap()[key]

    def put_cells(self, items) -> None:
        for key, vals in items:
            self.put(False, key, vals)

    def grow(self, grow: Grow) -> None:
        """A call that may grow memory: every buffer and view held anywhere gains it."""
        self.log = self.log + (grow,) if len(self.log) < MAX_LOG else self.log[1:] + (grow,)
        self.logged += 1
        self._age_held(lambda vals: _grown(vals, grow))

    def grow_all(self, grows: Sequence[Grow]) -> None:
        """Calls that may grow memory, one after another: as `grow` for each, walking what the
        state holds once (a summary applied for each of a glue's hundreds of import callbacks
        walked every closure once per call it names)."""
        if len(grows) <= 1:
            for grow in grows:
                self.grow(grow)
            return
        calls = tuple(grows)
        self.log = (self.log + calls)[-MAX_LOG:]
        self.logged += len(calls)
        done: dict = {}
        self._age_held(lambda vals: _grown_all(vals, calls, done))

    def _age_held(self, aged: Callable[[frozenset], frozenset]) -> None:
        """Each value held where a view may be (`growing`) replaced by what `aged` makes of it."""
        tables = (self.cells, self.heap)
        for where in list(self.growing):
            table = tables[where[0]]
            vals = table.get(where[1])
            if vals is None:
                self.growing.discard(where)
                continue
            grown = aged(vals)
            if grown is not vals:
                if where[0] and self.heap_shared:
                    tables = (self.cells, self.own_heap())
                    table = self.heap
                table[where[1]] = grown

    def join(self, other: "State") -> "State":
        """Both paths: a value is what either holds; a path that left adds nothing."""
        if self.dead:
            return other.copy()
        if other.dead:
            return self.copy()
        if other.log is self.log:
            extra: tuple = ()
        else:
            in_mine = set(self.log)
            extra = tuple(g for g in other.log if g not in in_mine)
        # What the other path logged that this one did not is appended, and counted: a mark taken
        # before the paths parted then reaches the calls of both, never one made before it.
        log = (self.log + extra)[-MAX_LOG:] if extra else self.log
        if self.heap is other.heap:  # (shared: neither path wrote an object slot)
            heap, shared = self.heap, True
            self.heap_shared = other.heap_shared = True
        else:
            heap, shared = dict(self.heap), False
        joined = State(dict(self.cells), heap, log, False, self.growing | other.growing,
                       self.logged + len(extra), shared, self.facts & other.facts if self.facts else self.facts)
        for mine, theirs in ((joined.cells, other.cells), (joined.heap, other.heap)):
            if mine is theirs or mine == theirs:  # nothing written apart (compared in C, values by identity first)
                continue
            get = mine.get
            # Only where they differ: both paths mostly hold the very same values (by identity);
            # a value equal but not the same merges to what this path holds.
            for key, vals in [item for item in theirs.items() if get(item[0]) is not item[1]]:
                have = get(key)
                mine[key] = vals if have is None else merge(have, vals)
        return joined


def aged(vals: frozenset, grows: tuple) -> frozenset:
    """A value held only in an expression being evaluated while `grows` happened (an argument
    evaluated before a later argument's call grew memory)."""
    if not grows or not growable(vals):
        return vals
    for grow in grows:
        vals = _grown(vals, grow)
    return vals


def line_of(node: Node) -> int:
    return node.start_point[0] + 1
