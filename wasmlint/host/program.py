"""What the interpreter knows of a file before running it: its functions and classes (each a
typed `FunctionRef` / `ClassRef` by node id), the scopes names are declared in, and what the
whole-program run collects (stale uses, import callbacks, entry points, summaries)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from tree_sitter import Node

from wasmlint.columns import CharColumns
from wasmlint.host.domain import merge
from wasmlint.host.relevance import Relevance
from wasmlint.host.values import Grow, StaleUse
from wasmlint.syntax import node_key

_BUFFER_OWNER = re.compile(rb"\.([A-Za-z_$][\w$]*)\s*\.\s*buffer\b")
ROOT = 0  # the scope id of the file's top level
_FEW_NAMES = 4  # a scope declaring at most this many names has its cell keys made when asked, not kept


@dataclass(slots=True, eq=False)  # a bundle has tens of thousands: no per-object dict; identity compares
class FunctionRef:
    """One function of a file: a declaration, expression, arrow or method."""

    node: Node
    name: str
    body: Node | None
    scope: int  # the id of the function enclosing it (ROOT: the top level)
    class_id: int = 0  # the class whose method it is
    kind: str = "function"  # function | method | getter | setter | static | constructor
    handler: bool = False  # a growth handler: what it stores is re-made on every growth
    runs: int = 0  # times followed from a call site (inlined)
    grows: tuple[Grow, ...] = ()  # what a run of it was seen to call that may grow memory (its summary)
    # What a run of it was seen to return (`returned`): one value is kept bare, since a set of
    # one takes 216 bytes and every nested function keeps the closure it returns.
    _returned: Any = frozenset()
    # Its node's key, made once: the interpreter asks for it at every call, and tens of thousands
    # of times in a bundle; every table of functions (the functions table's keys, scopes, ran,
    # queued, closures) then holds this one int rather than a copy of its own (32 bytes each).
    id: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.id = node_key(self.node)

    @property
    def returned(self) -> frozenset:
        kept = self._returned
        return kept if isinstance(kept, frozenset) else frozenset((kept,))

    def add_returned(self, vals: frozenset) -> None:
        merged = merge(self.returned, vals) if vals else self.returned
        self._returned = next(iter(merged)) if len(merged) == 1 else merged

    def params(self) -> list[Node]:
        params = self.node.child_by_field_name("parameters")
        if params is not None:
            return [p for p in params.named_children if p.type != "comment"]
        single = self.node.child_by_field_name("parameter")
        return [single] if single is not None else []


@dataclass
class ClassRef:
    node: Node
    name: str
    scope: int
    superclass: str | None = None
    methods: dict[str, FunctionRef] = field(default_factory=dict)
    getters: dict[str, FunctionRef] = field(default_factory=dict)
    setters: dict[str, FunctionRef] = field(default_factory=dict)
    statics: dict[str, FunctionRef] = field(default_factory=dict)
    fields: list[Node] = field(default_factory=list)  # field definitions with a value, in order

    @property
    def id(self) -> int:
        return node_key(self.node)


@dataclass
class Program:
    """One file, and what its run found."""

    source: bytes
    root: Node | None = None
    code_size: int = -1  # bytes of code, without the modules the file carries as data (-1: all of `source`)
    carried: frozenset[int] = frozenset()  # where the array literals that are modules it carries start
    functions: dict[int, FunctionRef] = field(default_factory=dict)
    classes: dict[int, ClassRef] = field(default_factory=dict)
    # Scope id -> names declared there: a set while the file's declarations are collected; the
    # parameters of a function that declares nothing else are one frozenset shared by every
    # function with the same parameters (`declare_parameters`).
    declared: dict[int, set[str] | frozenset[str]] = field(default_factory=dict)
    parent_of: dict[int, int] = field(default_factory=dict)  # scope id -> enclosing scope id
    declared_functions: dict[tuple[int, str], int] = field(default_factory=dict)  # (scope, name) -> function id
    exported: set[int] = field(default_factory=set)  # functions the file exports (API: entry points)
    globals: dict[str, frozenset] = field(default_factory=dict)  # what imports bind, at the top level
    learned_exports: set[str] = field(default_factory=set)  # names `X` of `X.memory.buffer`
    buffer_owners: frozenset[str] | None = None  # names `b` of `.b.buffer` in the text (see `reads_buffer_of`)
    # What the run collects.
    uses: dict[tuple[int, int], StaleUse] = field(default_factory=dict)  # a use's bytes -> the use
    reporting: bool = True
    exports_called: dict[str, None] = field(default_factory=dict)
    callbacks: dict[tuple[int, frozenset], Any] = field(default_factory=dict)  # import callbacks: (id, this) -> Func
    callback_imports: dict[tuple[int, frozenset], str] = field(default_factory=dict)  # callback -> "env.host_write"
    deferred: dict[tuple[int, frozenset], Any] = field(default_factory=dict)  # entry points met as values: the same
    ran: set[int] = field(default_factory=set)  # functions run at least once
    awaited: bool = False  # the top level has waited (`await`): entry points may have run meanwhile
    ran_after_await: set[int] = field(default_factory=set)  # functions the top level called after waiting
    instances: dict[int, set] = field(default_factory=dict)  # class id -> its instances (Obj)
    refreshed: set = field(default_factory=set)  # cells and heap slots a growth handler re-makes
    entry_grows: list[Grow] = field(default_factory=list)  # what entry points call that may grow
    yields: list | None = None  # states entry points hold where they wait, in their first run (see leftover.py)
    relevance: Relevance | None = None
    load: Callable[[str], "Program | None"] | None = None  # another host file this one imports
    nesting: int = 0
    too_deep: Node | None = None
    small: bool = True  # small enough to follow far (see `calls.SMALL_FILE`): nested functions nothing runs are entry points too
    module: Any = None  # the facts of the module it loads, where known: which calls grow for sure (`must.py`)
    must_undecided: bool = False  # the module's facts could decide a detachment test (`must.py`) or which import callbacks an export call runs (`callback_rounds.py`)
    unsure: set = field(default_factory=set)  # keys of the growing calls summaries stood for (`must.py`)
    limits: tuple[int, int, int] = (10, 48, 24)  # call depth, times a function is followed, an import callback
    invariants: Any = None  # its top-level `const` bindings (`invariants.invariants_of`), found when first asked
    columns: CharColumns = field(init=False, repr=False)
    _class_ids_by_name: dict[str, list[int]] | None = field(default=None, init=False, repr=False)
    _declared_keys: dict[int, tuple[int, tuple]] = field(default_factory=dict, init=False, repr=False)
    _parameter_names: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.columns = CharColumns(self.source)
        if self.code_size < 0:
            self.code_size = len(self.source)

    def declare(self, scope: int, name: str) -> None:
        """`name` is declared in `scope` (as the file's declarations are collected)."""
        names = self.declared.get(scope)
        if names is None:
            self.declared[scope] = {name}
        elif isinstance(names, set):
            names.add(name)
        elif name not in names:
            self.declared[scope] = {*names, name}

    def declare_parameters(self, scope: int, names: list[str]) -> None:
        """A function's parameters are declared in its scope when it runs. A scope that declares
        nothing else shares one frozenset with every scope of the same parameters: each nested
        arrow `a => ...` would keep a set of 216 bytes for its `a`. (Built in the order given, as
        a set updated with them was, so that its names are visited in the same order.)"""
        declared = self.declared.get(scope)
        if declared is None:
            if names:
                key = tuple(names)
                shared = self._parameter_names.get(key)
                if shared is None:
                    shared = self._parameter_names[key] = frozenset(key)
                self.declared[scope] = shared
        elif isinstance(declared, set):
            declared.update(names)
        elif not declared.issuperset(names):
            grown = set(declared)
            grown.update(names)
            self.declared[scope] = grown

    def declared_keys(self, scope: int) -> tuple:
        """The cell keys `(scope, name)` of the names `scope` declares, in the order of its set
        (made again only when the set has grown: sets only grow, and an unchanged set keeps its
        order). Every closure made in a scope looks its names up: Emscripten's module function
        declares thousands."""
        names = self.declared.get(scope, ())
        if len(names) <= _FEW_NAMES:  # made again at once: a cache of every small scope outweighs them
            return tuple((scope, name) for name in names)
        known = self._declared_keys.get(scope)
        if known is None or known[0] != len(names):
            known = self._declared_keys[scope] = (len(names), tuple((scope, name) for name in names))
        return known[1]

    def classes_named(self, name: str) -> list[int]:
        """The ids of the file's classes called `name` (indexed when first asked: the classes are
        all collected before the run, and a bundle has thousands to look through per `extends`)."""
        if self._class_ids_by_name is None:
            self._class_ids_by_name = {}
            for cls in self.classes.values():
                self._class_ids_by_name.setdefault(cls.name, []).append(cls.id)
        return self._class_ids_by_name.get(name, [])

    def reads_buffer_of(self, name: str) -> bool:
        """Whether the text reads `.name.buffer`: a minified export (`asm.b`) is the memory then,
        and its `.grow` grows memory; a table has a `grow` too, and no buffer."""
        if self.buffer_owners is None:
            self.buffer_owners = frozenset(m.decode("utf-8", "replace") for m in _BUFFER_OWNER.findall(self.source))
        return name in self.buffer_owners

    def touches(self, node: Node) -> bool:
        return self.relevance is None or self.relevance.within(node.start_byte, node.end_byte)

    @staticmethod
    def remember(table: dict, func: Any) -> None:
        """Keep a function value met (a callback, a handler): one per function and `this`, its
        captured variables merged."""
        from wasmlint.host.domain import merge, one

        key = (func.node_id, func.this)
        seen = table.get(key)
        table[key] = func if seen is None else next(iter(merge(one(seen), one(func))))

    def scope_of(self, name: str, scope: int) -> int:
        """The scope whose declaration of `name` a reference in `scope` reads."""
        while True:
            if name in self.declared.get(scope, ()):
                return scope
            if scope == ROOT:
                return ROOT
            scope = self.parent_of.get(scope, ROOT)
