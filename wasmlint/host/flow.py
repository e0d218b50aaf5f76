"""Follow views over memory.buffer through a host file and find each use after a call that may grow.

The analysis runs statements in order with a state that maps each place holding a view (a
variable, `this.field`, `obj.prop`) to where the view was made and which calls since then may have
grown memory. Branches are run apart and joined (a view is stale if it is stale on some path),
loop bodies twice (a use on the next turn sees the calls after it), calls to the file's own
functions are followed into their bodies (a few times each, then by summary), and callbacks given
to a call run where they are given. A guard that tests a view's `byteLength` or `buffer` (or the
memory's buffer) and re-creates views makes them fresh again, as wasm-bindgen's glue does.

Functions that nothing in the file calls (exported API, methods, handlers) start with every
long-lived view stale by the file's calls into the module: they may run after any of them.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from tree_sitter import Node

from wasmlint.syntax import node_bytes, node_text
from wasmlint.columns import CharColumns
from wasmlint.host.values import (
    BUFFER, EXPORT_FN, EXPORTS, FOREIGN, FOREIGN_MODULE, FOREIGN_OBJECT, FUNCTION, GLUE_FN, GLUE_OBJECT, INSTANCE, MEMORY,
    OBJECT, RESULT, SAFE_BUFFER, SAFE_MEMORY, VIEW_TYPES, Grow, Record, StaleUse, Val, View,
)

FUNCTION_TYPES = frozenset({
    "function_declaration", "generator_function_declaration", "function_expression", "function",
    "generator_function", "arrow_function", "method_definition",
})
_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
                       "type_assertion", "await_expression"})
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
_ITERATING = frozenset({"forEach", "map", "filter", "reduce", "reduceRight", "some", "every", "find",
                        "findIndex", "flatMap", "findLast", "findLastIndex"})
_MEMORY_NAME = re.compile(r"^(?:wasm|_?wasm_?|the)?[mM]em(?:ory)?$|[a-z]Memory$")
_INLINE_BUDGET = 4  # times one function's body is followed from call sites before its summary is used
_INLINE_DEPTH = 3
_LOOP_TWICE_DEPTH = 3  # nested loops deeper than this run once: twice each would be exponential
MAX_GROWS = 16  # calls kept per stale view (the first ones): the module decides which of them grow
# Statements and expressions run one inside another at most (a few Python frames each, so that
# the analysis never meets Python's recursion limit); what lies deeper is not analysed, and said so.
MAX_NESTING = 150


def _named(node: Node) -> list[Node]:
    """The node's named children, read with a cursor. `named_children` would keep them on the node
    as Python objects for as long as it lives, and they theirs as the flow goes down: the bodies of
    a file's functions live for the whole analysis, so their trees would be copied into Python."""
    found = []
    cursor = node.walk()
    if cursor.goto_first_child():
        while True:
            child = cursor.node
            if child is not None and child.is_named:
                found.append(child)
            if not cursor.goto_next_sibling():
                break
    return found


def _unwrap(node: Node | None) -> Node | None:
    while node is not None and node.type in _WRAPPERS:
        inner = _named(node)
        node = inner[0] if inner else None
    return node


def _text(node: Node, limit: int = 60) -> str:
    text = node_text(node)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _line(node: Node) -> int:
    return node.start_point[0] + 1


_WORD = re.compile(rb"(?<![\w$])[A-Za-z_$][\w$]*")
# Words that make code matter whatever the file: memory, views, instantiation, growth.
# (`buffer` alone is not one: binary-heavy code that never touches Wasm says it everywhere; a
# view over Wasm memory is made from a memory, whose name is.)
# Nor are `exports`, `init` and `grow`, common words of any bundle: the names that do hold the
# module's exports or its init function are added once the file is known to bind them.)
# Where code reaches Wasm memory whatever the file: `WebAssembly.`, `memory.buffer`,
# `wasmMemory.grow(`, `instance.exports`. (Words such as `memory`, `instance` or `instantiate`
# alone are common in any large program: a type checker instantiates types.)
_MODULE_USE = re.compile(rb"WebAssembly\b|\.\s*(buffer|grow|exports)\b")
_WORD_BEFORE = re.compile(rb"([\w$]+)\s*$")


def module_uses(source: bytes) -> list[int]:
    """Where code reaches Wasm memory: found by their literal tails (fast), then the word before
    is checked, so that a long file costs one quick search."""
    found = []
    for match in _MODULE_USE.finditer(source):
        tail = match.group(1)
        if tail is None:
            found.append(match.start())
            continue
        before = _WORD_BEFORE.search(source, max(0, match.start() - 64), match.start())
        word = before.group(1).lower() if before else b""
        if before is not None and ((b"inst" in word) if tail == b"exports" else (b"mem" in word)):
            found.append(before.start())
    return found


class Relevance:
    """The places in a file where relevant code occurs; `within` asks whether a range holds one.
    The file's words are listed once, when a name is first added (one regular-expression pass);
    adding names merges their positions, so asking about thousands of names costs no pass over the
    file per name, and a file with nothing of the module costs one search."""

    def __init__(self, source: bytes, names: set[str]) -> None:
        self.source = source
        self._places: dict[bytes, array] | None = None
        self._in_order: tuple[array, list[bytes]] | None = None
        self.starts = module_uses(source)
        self.add(names)

    @property
    def places(self) -> dict[bytes, array]:
        # Positions in arrays: 8 bytes each, where a list of ints takes 36 (a bundle has millions).
        if self._places is None:
            self._places = {}
            for match in _WORD.finditer(self.source):
                found = self._places.get(match.group())
                if found is None:
                    found = self._places[match.group()] = array("I")
                found.append(match.start())
        return self._places

    def _sequence(self) -> tuple[array, list[bytes]]:
        """Every word of the file in order: where each starts, and the word (the `places` key)."""
        if self._in_order is None:
            known = {word: word for word in self.places}
            starts, words = array("I"), []
            for match in _WORD.finditer(self.source):
                starts.append(match.start())
                words.append(known[match.group()])
            self._in_order = (starts, words)
        return self._in_order

    def count_within(self, start: int, end: int) -> int:
        """How many words start in [start, end)."""
        starts, _ = self._sequence()
        return bisect_left(starts, end) - bisect_left(starts, start)

    def words_within(self, start: int, end: int) -> list[bytes]:
        starts, words = self._sequence()
        return words[bisect_left(starts, start):bisect_left(starts, end)]

    def add(self, names: set[str]) -> None:
        if not names:
            return
        found = [at for name in names for at in self.places.get(name.encode(), ())]
        if found:
            self.starts = sorted(self.starts + found)

    def within(self, start: int, end: int) -> bool:
        at = bisect_left(self.starts, start)
        return at < len(self.starts) and self.starts[at] < end

    def word_within(self, word: bytes, start: int, end: int) -> bool:
        """Whether `word` itself (not as part of a longer one) occurs in the range."""
        places = self.places.get(word, ())
        at = bisect_left(places, start)
        return at < len(places) and places[at] < end


class Held(dict):
    """A dict of places (`x`, `this.buf`, `obj.view`) that also counts the last segments of the
    keys whose values `counted` accepts, so that `Flow.touches` can ask whether a statement names
    one without going through every key (a bundle can hold thousands of views at its top level)."""

    def __init__(self, entries=(), counted: Callable[[object], bool] = lambda value: True) -> None:
        super().__init__()
        self.counted = counted
        self.segments: dict[bytes, int] = {}
        self.update(entries)

    def _add(self, key: str, value) -> None:
        if self.counted(value):
            segment = _segment(key)
            self.segments[segment] = self.segments.get(segment, 0) + 1

    def _remove(self, key: str, value) -> None:
        if self.counted(value):
            segment = _segment(key)
            left = self.segments[segment] - 1
            if left:
                self.segments[segment] = left
            else:
                del self.segments[segment]

    def __setitem__(self, key: str, value) -> None:
        if key in self:
            self._remove(key, dict.__getitem__(self, key))
        dict.__setitem__(self, key, value)
        self._add(key, value)

    def __delitem__(self, key: str) -> None:
        self._remove(key, dict.__getitem__(self, key))
        dict.__delitem__(self, key)

    _MISSING = object()

    def pop(self, key, default=_MISSING):
        if key in self:
            value = dict.pop(self, key)
            self._remove(key, value)
            return value
        if default is Held._MISSING:
            raise KeyError(key)
        return default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *entries: Any, **more: Any) -> None:
        if not self:  # filling an empty one (restoring a snapshot): the common case, done in bulk
            dict.update(self, *entries, **more)
            counted = self.counted
            for key, value in dict.items(self):
                if counted(value):
                    segment = _segment(key)
                    self.segments[segment] = self.segments.get(segment, 0) + 1
            return
        for key, value in dict(*entries, **more).items():
            self[key] = value

    def clear(self) -> None:
        dict.clear(self)
        self.segments.clear()

    def popitem(self):
        key, value = dict.popitem(self)
        self._remove(key, value)
        return key, value


@lru_cache(maxsize=4096)
def _segment(key: str) -> bytes:
    """The last segment of a place, as the word a statement would name it by: `buf` for `this.buf`."""
    return key.rsplit(".", 1)[-1].encode()


def _not_a_function(value) -> bool:
    return value.kind != FUNCTION


@dataclass(slots=True)  # a bundle has tens of thousands: no per-object dict
class Function:
    node: Node
    name: str
    body: Node | None
    class_name: str | None = None
    getter: bool = False
    inlined: int = 0
    called: bool = False

    @property
    def params(self) -> list[Node]:
        """Read from the node when the function is run (most never are: not kept for each)."""
        params = self.node.child_by_field_name("parameters")
        if params is not None:
            return [p for p in _named(params) if p.type != "comment"]
        single = self.node.child_by_field_name("parameter")
        return [single] if single is not None else []


@dataclass
class FileContext:
    """What the whole file says: its functions and classes, module-wide values, long-lived views."""

    source: bytes
    functions: dict[int, Function] = field(default_factory=dict)  # node id -> function
    by_name: dict[str, list[Function]] = field(default_factory=dict)
    methods: dict[str, dict[str, Function]] = field(default_factory=dict)  # class -> method -> function
    getters: dict[str, list[Function]] = field(default_factory=dict)  # getter name -> functions
    globals: dict[str, Val] = field(default_factory=dict)
    long_lived: dict[str, View] = field(default_factory=dict)  # holder kept beyond one call -> the view first put there
    uses: list[StaleUse] = field(default_factory=list)
    reported: dict[tuple[int, int], int] = field(default_factory=dict)  # use's bytes -> its index in `uses`
    summaries: dict[int, tuple[Grow, ...] | None] = field(default_factory=dict)
    declared: dict[int, set[str]] = field(default_factory=dict)  # function body -> names declared in it
    exports_called: dict[str, None] = field(default_factory=dict)
    all_grows: list[Grow] = field(default_factory=list)
    refreshed: set[str] = field(default_factory=set)  # long-lived views the host re-creates on growth
    # Matches the text of code that can make, hold, use or detach a view; None: everything can.
    # Code it does not match is skipped, which is most of a large bundle.
    relevant: "Relevance | None" = None
    words: "Relevance | None" = None  # built once per file, grown as names become relevant
    words_added: set[str] = field(default_factory=set)
    # Another host file this one imports, analysed for its functions (None: not readable, or
    # imports are not followed); calls into it are followed like calls inside this file.
    load: "Callable[[str], FileContext | None] | None" = None
    columns: CharColumns = field(init=False, repr=False)
    # Statements and expressions being run, one inside the other (calls followed included), and
    # the first one not run because MAX_NESTING of them were: recursion stays far from Python's limit.
    nesting: int = 0
    too_deep: Node | None = None
    entry_views_left_out: int = 0  # long-lived views past analyze.MAX_ENTRY_VIEWS, not given to entry points

    def __post_init__(self) -> None:
        self.columns = CharColumns(self.source)

    def touches(self, node: Node) -> bool:
        return self.relevant is None or self.relevant.within(node.start_byte, node.end_byte)


class Flow:
    """Runs one function body (or the program) over a view state."""

    def __init__(self, ctx: FileContext, state: dict[str, View], locals_: dict[str, Val] | None = None,
                 depth: int = 0, loop_depth: int = 0, dry: bool = False, this_class: str | None = None) -> None:
        self.ctx = ctx
        # Shared with the flows of the calls followed from this one: made a Held once, here.
        self.state = state if isinstance(state, Held) else Held(state)
        self.locals = Held(locals_ or {}, counted=_not_a_function)
        self.depth = depth
        self.loop_depth = loop_depth
        self.dry = dry  # only learn values (the first pass over the file): no uses, no inlining
        self.this_class = this_class
        self.condition = 0  # > 0 inside an if/ternary/logical test: reads there are not uses

    # --- statements -------------------------------------------------------------------------

    def block(self, statements) -> bool:
        """Run statements in order; True when the block always leaves (return/throw/break)."""
        for statement in statements:
            if not self.touches(statement) and statement.type not in ("return_statement", "throw_statement",
                                                                       "break_statement", "continue_statement"):
                continue
            if self.stmt(statement):
                return True
        return False

    def touches(self, node: Node) -> bool:
        """Whether a statement can matter: it names something relevant to the file or a view held now
        (a place in the state, or a local that is not a function): its last segment, as a word."""
        if self.ctx.touches(node):
            return True
        words = self.ctx.words
        assert words is not None  # built with `relevant`, which touches() found set
        held = (self.state.segments, self.locals.segments)
        start, end = node.start_byte, node.end_byte
        # Whichever is fewer: the held names, or the words of the statement.
        names = len(held[0]) + len(held[1])
        if names <= 8 or names <= words.count_within(start, end):
            return any(words.word_within(segment, start, end) for segments in held for segment in segments)
        return any(word in held[0] or word in held[1] for word in words.words_within(start, end))

    def stmt(self, node: Node) -> bool:
        ctx = self.ctx
        if ctx.nesting >= MAX_NESTING:
            ctx.too_deep = ctx.too_deep or node
            return False
        ctx.nesting += 1
        try:
            return self._stmt(node)
        finally:
            ctx.nesting -= 1

    def _stmt(self, node: Node) -> bool:
        kind = node.type
        if kind in ("statement_block", "program", "class_body", "switch_body"):
            return self.block(_named(node))
        if kind in ("expression_statement",):
            for child in _named(node):
                self.expr(child)
            return False
        if kind in ("lexical_declaration", "variable_declaration"):
            for declarator in _named(node):
                if declarator.type == "variable_declarator":
                    self.declare(declarator)
            return False
        if kind == "if_statement":
            return self.if_statement(node)
        if kind in _LOOPS:
            self.loop(node)
            return False
        if kind in ("return_statement", "throw_statement"):
            for child in _named(node):
                value = self.expr(child, use=kind == "throw_statement")
                if kind == "return_statement":
                    self.returned = value
            return True
        if kind in ("break_statement", "continue_statement"):
            return True
        if kind == "try_statement":
            return self.try_statement(node)
        if kind == "switch_statement":
            return self.switch(node)
        if kind == "labeled_statement":
            body = node.child_by_field_name("body") or (_named(node)[-1] if _named(node) else None)
            return self.stmt(body) if body is not None else False
        if kind == "export_statement":
            declaration = node.child_by_field_name("declaration")
            value = node.child_by_field_name("value")
            if declaration is not None:
                return self.stmt(declaration)
            if value is not None:
                self.expr(value)
            return False
        if kind in ("class_declaration", "class", "abstract_class_declaration"):
            return False  # methods run when called
        if kind in FUNCTION_TYPES:
            return False  # runs when called
        # Anything else (imports, types, empty statements): no effect on views.
        return False

    def declare(self, declarator: Node) -> None:
        name = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if value is None or name is None:
            if name is not None and name.type == "identifier":
                self.state.pop(node_bytes(name).decode(), None)
                self.locals.pop(node_bytes(name).decode(), None)
            return
        result = self.expr(value, use=False)
        self.bind(name, result, value)

    def bind(self, target: Node | None, result, value_node: Node | None) -> None:
        """Give `target` (an identifier, member or destructuring pattern) the value `result`."""
        target = _unwrap(target)
        if target is None:
            return
        if target.type in ("object_pattern", "array_pattern"):
            self.destructure(target, result)
            return
        if target.type == "subscript_expression":
            self.expr(target, use=True)  # `view[i] = x` writes into the view
            return
        key = self.holder_key(target)
        if key is None:
            if target.type == "member_expression":
                self.expr(target.child_by_field_name("object"), use=False)
            return
        self.assign(key, result)

    def assign(self, key: str, result) -> None:
        """`key` now holds `result`: a view (in the state), a value (in locals), or a record,
        whose parts are held as `key.prop`."""
        if isinstance(result, View):
            self.state[key] = result.copy()
            self.locals.pop(key, None)
            return
        if isinstance(result, Record):
            for prop, value in result.items():
                self.assign(f"{key}.{prop}", value)
            return
        self.state.pop(key, None)
        if isinstance(result, Val):
            self.locals[key] = result
            if self.dry and ("." in key or key not in self.locals_declared):
                self.ctx.globals.setdefault(key, result)
        else:
            self.locals.pop(key, None)

    locals_declared: set[str] = set()

    def destructure(self, pattern: Node, result) -> None:
        source = result if isinstance(result, Val) else None
        for child in _named(pattern):
            if isinstance(result, Record) and child.type in ("shorthand_property_identifier_pattern",
                                                               "shorthand_property_identifier"):
                self.assign(node_bytes(child).decode(), result.get(node_bytes(child).decode()))
            elif child.type in ("shorthand_property_identifier_pattern", "shorthand_property_identifier"):
                name = node_bytes(child).decode()
                self.set_local(name, self.member_value(source, name))
            elif child.type == "pair_pattern":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                if key is None or value is None:
                    continue
                name = node_bytes(key).decode().strip("'\"")
                inner = self.member_value(source, name)
                if value.type in ("object_pattern", "array_pattern"):
                    self.destructure(value, inner)
                elif value.type == "identifier":
                    self.set_local(node_bytes(value).decode(), inner)
                elif value.type == "assignment_pattern":
                    left = value.child_by_field_name("left")
                    if left is not None and left.type == "identifier":
                        self.set_local(node_bytes(left).decode(), inner)
            elif child.type == "object_assignment_pattern":
                left = child.child_by_field_name("left")
                if left is not None:
                    self.set_local(node_bytes(left).decode(), self.member_value(source, node_bytes(left).decode()))

    def set_local(self, name: str, value: Val | None) -> None:
        self.state.pop(name, None)
        if value is None:
            self.locals.pop(name, None)
            return
        self.locals[name] = value
        if self.dry:
            self.ctx.globals.setdefault(name, value)

    def if_statement(self, node: Node) -> bool:
        condition = node.child_by_field_name("condition")
        guarded = self.test(condition)
        consequence = node.child_by_field_name("consequence")
        alternative = node.child_by_field_name("alternative")
        before = self.snapshot()
        then_leaves = self.stmt(consequence) if consequence is not None else False
        after_then = self.snapshot()
        assigned = {key for key, view in after_then.items() if not view.grows and before.get(key) is not view}
        self.restore(before)
        else_leaves = False
        if alternative is not None:
            body = _named(alternative)[0] if _named(alternative) else None
            else_leaves = self.stmt(body) if body is not None else False
        after_else = self.snapshot()
        if then_leaves and else_leaves:
            return True
        if then_leaves:
            merged = after_else
        elif else_leaves:
            merged = after_then
        else:
            merged = self.join(after_then, after_else)
        if guarded:
            _freshen(merged, guarded | assigned)
        self.restore(merged)
        return False

    def test(self, condition: Node | None) -> set[str]:
        """Run a branch condition; returns the holders it checks for detachment (empty: no guard)."""
        if condition is None:
            return set()
        self.condition += 1
        try:
            self.expr(condition, use=False)
        finally:
            self.condition -= 1
        if not _detach_test(condition):
            return set()
        return self.guards_in(condition)

    def guards_in(self, condition: Node) -> set[str]:
        """The holders a condition already run checks for detachment (see `test`)."""
        checked: set[str] = set()
        stack = [condition]
        while stack:
            current = stack.pop()
            if current.type == "member_expression":
                prop = current.child_by_field_name("property")
                if prop is not None and prop.text in (b"byteLength", b"buffer", b"detached"):
                    inner = self.holder_key(_unwrap(current.child_by_field_name("object")))
                    if inner is not None:
                        checked.add(inner)
            if current.type not in FUNCTION_TYPES:
                stack.extend(_named(current))
        return checked | {"*"}

    def loop(self, node: Node) -> None:
        body = node.child_by_field_name("body")
        parts = [node.child_by_field_name(name) for name in ("initializer", "condition", "increment", "right", "left")]
        if node.type == "for_statement" and parts[0] is not None:
            self.stmt(parts[0]) if parts[0].type.endswith("declaration") else self.expr(parts[0])
        if node.type == "for_in_statement" and parts[3] is not None:
            self.expr(parts[3])
        turns = 2 if self.loop_depth < _LOOP_TWICE_DEPTH else 1
        before = self.snapshot()
        self.loop_depth += 1
        try:
            for _ in range(turns):
                if parts[1] is not None and node.type != "do_statement":
                    self.expr(parts[1], use=True)
                if body is not None:
                    self.stmt(body)
                if parts[2] is not None:
                    self.expr(parts[2])
                if node.type == "do_statement" and parts[1] is not None:
                    self.expr(parts[1], use=True)
        finally:
            self.loop_depth -= 1
        # The loop may run zero times: join with the state before it.
        after = self.snapshot()
        self.restore(self.join(before, after) if node.type != "do_statement" else after)

    def try_statement(self, node: Node) -> bool:
        before = self.snapshot()
        body = node.child_by_field_name("body")
        leaves = self.stmt(body) if body is not None else False
        handler = node.child_by_field_name("handler")
        if handler is not None:
            after_body = self.snapshot()
            # The handler may start anywhere in the body: from the joined state.
            self.restore(self.join(before, after_body))
            caught = handler.child_by_field_name("body")
            handler_leaves = self.stmt(caught) if caught is not None else False
            after_handler = self.snapshot()
            if leaves and handler_leaves:
                leaves = True
            elif leaves:
                self.restore(after_handler)
                leaves = False
            elif not handler_leaves:
                self.restore(self.join(after_body, after_handler))
            else:
                self.restore(after_body)
        finalizer = node.child_by_field_name("finalizer")
        if finalizer is not None:
            inner = finalizer.child_by_field_name("body") or finalizer
            self.stmt(inner)
        return leaves

    def switch(self, node: Node) -> bool:
        value = node.child_by_field_name("value")
        if value is not None:
            self.expr(value)
        body = node.child_by_field_name("body")
        before = self.snapshot()
        outcomes = []
        if body is not None:
            for case in _named(body):
                self.restore({k: v.copy() for k, v in before.items()})
                statements = [c for c in _named(case) if c != case.child_by_field_name("value")]
                self.block(statements)
                outcomes.append(self.snapshot())
        merged = before
        for outcome in outcomes:
            merged = self.join(merged, outcome)
        self.restore(merged)
        return False

    # --- state ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, View]:
        return dict(self.state)

    def restore(self, snapshot: dict[str, View]) -> None:
        self.state.clear()
        self.state.update(snapshot)

    @staticmethod
    def join(a: dict[str, View], b: dict[str, View]) -> dict[str, View]:
        """A view is stale after the join if it is stale on either path (a use then may throw)."""
        merged = dict(a)
        for key, view in b.items():
            mine = merged.get(key)
            if mine is None or mine is view:
                merged[key] = view
            elif view.grows and not mine.grows:
                merged[key] = view
            elif view.grows and mine.grows and view.grows != mine.grows:
                joined = mine.copy()
                joined.grows = tuple(dict.fromkeys(mine.grows + view.grows))[:MAX_GROWS]
                merged[key] = joined
        return merged

    def grow(self, grow: Grow) -> None:
        """A call that may grow memory: every view held now may be detached after it."""
        if len(self.ctx.all_grows) < 64 and grow not in self.ctx.all_grows:
            self.ctx.all_grows.append(grow)
        for export in grow.exports:
            self.ctx.exports_called.setdefault(export, None)
        if self.dry:
            return
        for key, view in list(self.state.items()):
            if key in self.ctx.refreshed:
                continue  # the host re-creates it whenever memory grows (Emscripten, Go)
            if len(view.grows) < MAX_GROWS and grow not in view.grows:
                stale = view.copy()
                stale.grows = view.grows + (grow,)
                self.state[key] = stale

    # --- expressions ------------------------------------------------------------------------

    def holder_key(self, node: Node | None) -> str | None:
        node = _unwrap(node)
        if node is None:
            return None
        if node.type in ("identifier", "shorthand_property_identifier"):
            return node_bytes(node).decode()
        if node.type == "member_expression":
            obj = _unwrap(node.child_by_field_name("object"))
            prop = node.child_by_field_name("property")
            if obj is None or prop is None:
                return None
            if obj.type == "this":
                return f"this.{node_bytes(prop).decode()}"
            if obj.type == "identifier":
                return f"{node_bytes(obj).decode()}.{node_bytes(prop).decode()}"
        return None

    def lookup(self, name: str) -> Val | None:
        value = self.locals.get(name)
        if value is not None:
            return value
        value = self.ctx.globals.get(name)
        if value is not None:
            return value
        functions = self.ctx.by_name.get(name)
        if functions:
            return Val(FUNCTION, name)
        if _MEMORY_NAME.search(name):
            return Val(MEMORY, name)
        return None

    def member_value(self, obj: Val | None, prop: str) -> Val | None:
        if obj is None:
            return None
        if obj.kind == EXPORTS:
            return Val(MEMORY, prop) if prop == "memory" else Val(EXPORT_FN, prop)
        if obj.kind in (MEMORY, SAFE_MEMORY) and prop == "buffer":
            return Val(BUFFER if obj.kind == MEMORY else SAFE_BUFFER)
        if obj.kind == INSTANCE and prop == "exports":
            return Val(EXPORTS)
        if obj.kind == RESULT:
            if prop == "instance":
                return Val(INSTANCE)
            if prop == "exports":  # the value of wasm-bindgen's init() is the exports
                return Val(EXPORTS)
        if obj.kind == GLUE_FN:
            return Val(GLUE_FN, f"{obj.name}.{prop}")
        if obj.kind == FOREIGN_MODULE:
            return Val(FOREIGN, f"{obj.name}#{prop}")
        if obj.kind == GLUE_OBJECT:
            return Val(GLUE_FN, f"{obj.name}#{prop}")
        return None

    def read_view(self, key: str, node: Node, use: bool) -> View | None:
        view = self.state.get(key)
        if view is None:
            return None
        if use and not self.dry and not self.checking(node) and len(view.grows) > view.reported:
            self.report(key, view, node)
        return view

    def checking(self, node: Node) -> bool:
        """Whether a read inside a test only checks the view (`if (v)`, `v === null`,
        `v.byteLength === 0`, `v.buffer !== m.buffer`) rather than reading its contents."""
        if self.condition == 0:
            return False
        if node.type in ("identifier", "shorthand_property_identifier"):
            return True
        prop = node.child_by_field_name("property") if node.type == "member_expression" else None
        return prop is not None and prop.text in (b"byteLength", b"buffer", b"detached")

    def report(self, key: str, view: View, node: Node) -> None:
        where = (node.start_byte, node.end_byte)
        reported = view.copy()
        reported.reported = len(view.grows)
        self.state[key] = reported
        earlier = self.ctx.reported.get(where)
        if earlier is not None and set(view.grows) <= set(self.ctx.uses[earlier].grows):
            return
        start, end = node.start_point, node.end_point
        source, columns = self.ctx.source, self.ctx.columns
        column = columns.column(node.start_byte, start[1])
        if end[0] == start[0]:
            end_column = column + len(source[node.start_byte:node.end_byte].decode("utf-8", errors="replace"))
        else:
            end_column = columns.column(node.end_byte, end[1])
        use = StaleUse(
            holder=key, ctor=view.ctor, created_line=view.line, created_text=view.text, grows=view.grows,
            line=start[0] + 1, column=column, end_line=end[0] + 1, end_column=max(end_column, column + 1),
            text=_text(node, 80), from_entry=view.from_entry,
        )
        if earlier is not None:
            # The same use seen again (the next turn of a loop) after more calls: keep them all.
            self.ctx.uses[earlier] = use
        else:
            self.ctx.reported[where] = len(self.ctx.uses)
            self.ctx.uses.append(use)

    def expr(self, node: Node | None, use: bool = True):
        """Run an expression's effects in evaluation order; returns its value (a Val, a View or None)."""
        if node is None:
            return None
        ctx = self.ctx
        if ctx.nesting >= MAX_NESTING:
            ctx.too_deep = ctx.too_deep or node
            return None
        ctx.nesting += 1
        try:
            return self._expr(node, use)
        finally:
            ctx.nesting -= 1

    def _expr(self, node: Node, use: bool):
        kind = node.type
        if kind in _WRAPPERS:
            inner = _named(node)
            return self.expr(inner[0], use) if inner else None
        if kind in ("identifier", "shorthand_property_identifier"):
            name = node_bytes(node).decode()
            if name in self.state:
                return self.read_view(name, node, use)
            return self.lookup(name)
        if kind == "this":
            return None
        if kind == "member_expression":
            return self.member(node, use)
        if kind == "subscript_expression":
            index = node.child_by_field_name("index")
            obj = node.child_by_field_name("object")
            self.expr(index)
            key = self.holder_key(obj)
            if key is not None and key in self.state:
                self.read_view(key, node, True)
                return None
            value = self.expr(obj, use=True)
            if isinstance(value, Val) and index is not None and index.type == "string":
                return self.member_value(value, node_bytes(index).decode().strip("'\"`"))
            return None
        if kind == "call_expression":
            return self.call(node, use)
        if kind == "new_expression":
            return self.new(node)
        if kind in ("assignment_expression", "augmented_assignment_expression"):
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if kind == "augmented_assignment_expression":
                operator = node.child_by_field_name("operator")
                if operator is not None and operator.text in (b"??=", b"||="):
                    # `cached ??= new Uint8Array(...)`: keeps a view that is there (stale or not).
                    self.expr(right, use=False)
                    return None
                self.expr(left, use=True)
                self.expr(right)
                return None
            value = self.expr(right, use=False)
            self.bind(left, value, right)
            return value
        if kind == "ternary_expression":
            condition = node.child_by_field_name("condition")
            guarded = self.test(condition)
            before = self.snapshot()
            first = self.expr(node.child_by_field_name("consequence"), use)
            after_first = self.snapshot()
            self.restore(before)
            second = self.expr(node.child_by_field_name("alternative"), use)
            self.restore(self.join(after_first, self.snapshot()))
            if guarded and (isinstance(first, View) or isinstance(second, View)):
                fresh = View((first if isinstance(first, View) else second).ctor, _line(node), _text(node))
                return fresh
            return first if first is not None else second
        if kind == "binary_expression":
            return self.binary(node)
        if kind in ("arrow_function", "function_expression", "function", "generator_function"):
            function = self.ctx.functions.get(node.id)
            return Val(FUNCTION, f"#{node.id}") if function is not None else None
        if kind in ("class", "class_declaration"):
            return None
        if kind == "sequence_expression":
            value = None
            for child in _named(node):
                value = self.expr(child, use)
            return value
        if kind == "object":
            return self.record(node)
        if kind in ("object", "array", "template_string", "arguments", "spread_element", "pair", "unary_expression",
                    "update_expression", "yield_expression", "template_substitution", "computed_property_name"):
            if kind == "unary_expression":
                operator = node.child_by_field_name("operator")
                if operator is not None and operator.text in (b"typeof", b"!", b"void", b"delete"):
                    self.condition += 1
                    try:
                        for child in _named(node):
                            self.expr(child, use=False)
                    finally:
                        self.condition -= 1
                    return None
            for child in _named(node):
                if child.type in FUNCTION_TYPES:
                    continue  # a method or callback stored in an object: runs when called
                value = self.expr(child, use=True if kind != "pair" else use)
                if kind == "pair" and child == node.child_by_field_name("value"):
                    return value
            return None
        return None

    def record(self, node: Node) -> Record | None:
        """An object literal: its properties' effects, and the ones that hold something of the module."""
        fields = Record()
        for child in _named(node):
            if child.type in FUNCTION_TYPES:
                continue  # a method: runs when called
            if child.type == "shorthand_property_identifier":
                fields[node_bytes(child).decode()] = self.expr(child, use=False)
            elif child.type == "pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                if value is None or value.type in FUNCTION_TYPES:
                    continue
                found = self.expr(value, use=False)
                if key is not None and key.type in ("property_identifier", "string", "identifier"):
                    fields[node_text(key).strip("'\"")] = found
            else:
                self.expr(child)
        kept = Record({k: v for k, v in fields.items() if isinstance(v, (Val, View, Record))})
        return kept or None

    def binary(self, node: Node):
        # `a + b + c + ...` nests to the left: walk the spine without recursing (minified bundles
        # concatenate thousands of strings).
        spine = []
        current: Node | None = node
        while current is not None and current.type == "binary_expression":
            spine.append(current)
            current = current.child_by_field_name("left")
        first_op = spine[-1].child_by_field_name("operator") if spine else None
        if first_op is not None and first_op.text in (b"&&", b"||", b"??") and _detach_test(current):
            pass  # run as the test of the first logical operator below
        else:
            self.expr(current)
        for part in reversed(spine):
            operator = part.child_by_field_name("operator")
            op = operator.text if operator is not None else b""
            if op in (b"&&", b"||", b"??"):
                # The right side runs only on some paths. `(v === null || v.byteLength === 0) &&
                # (v = new Uint8Array(m.buffer))` is the minified form of the getter's guard.
                left = part.child_by_field_name("left")
                guarded = set()
                if left is not None and _detach_test(left):
                    guarded = self.test(left) if left == current else self.guards_in(left)
                before = self.snapshot()
                self.expr(part.child_by_field_name("right"))
                after = self.snapshot()
                assigned = {k for k, v in after.items() if not v.grows and before.get(k) is not v}
                merged = self.join(before, after)
                if guarded:
                    _freshen(merged, guarded | assigned)
                self.restore(merged)
            else:
                self.expr(part.child_by_field_name("right"))
        return None

    def member(self, node: Node, use: bool):
        obj_node = _unwrap(node.child_by_field_name("object"))
        prop_node = node.child_by_field_name("property")
        prop = node_bytes(prop_node).decode() if prop_node is not None else ""
        key = self.holder_key(node)
        if key is not None and key in self.state:
            return self.read_view(key, node, use)
        if key is not None and key in self.locals:
            return self.locals[key]
        if obj_node is not None and obj_node.type == "this" and self.this_class is not None:
            getter = self.ctx.methods.get(self.this_class, {}).get(f"get {prop}")
            if getter is not None:
                return self.run_function(getter, node, [], this_class=self.this_class)
        inner_key = self.holder_key(obj_node)
        if inner_key is not None and inner_key in self.state:
            # A property of a view: `.buffer` gives its (old) buffer, anything else reads it.
            view = self.read_view(inner_key, node, use or prop not in ("buffer",))
            if prop == "buffer" and view is not None:
                return Val(BUFFER) if not view.grows else None
            return None
        if obj_node is not None and obj_node.type == "this":
            value = self.lookup(f"this.{prop}")
            if value is None and _MEMORY_NAME.search(prop):
                return Val(MEMORY, prop)
            if value is None and prop in ("exports", "wasm", "wasmExports"):
                return Val(EXPORTS)
            return value
        obj = self.expr(obj_node, use=True)
        if isinstance(obj, View):
            return Val(BUFFER) if prop == "buffer" else None
        value = self.member_value(obj, prop)
        if value is not None:
            return value
        if key is not None and key in self.ctx.globals:
            return self.ctx.globals[key]
        if prop == "exports" and obj_node is not None and obj_node.text != b"module":
            # `<anything>.instance.exports`, `inst.exports`: the exports of an instance.
            if obj_node.type == "member_expression" or re.search(rb"(?i)inst", obj_node.text or b""):
                return Val(EXPORTS)
        if prop == "memory" and obj is None:
            return Val(MEMORY, prop)
        if prop == "buffer" and obj is None and obj_node is not None and _MEMORY_NAME.search(node_text(obj_node).split(".")[-1]):
            return Val(BUFFER)
        return None

    def new(self, node: Node):
        ctor = _unwrap(node.child_by_field_name("constructor"))
        args_node = node.child_by_field_name("arguments")
        args = _named(args_node) if args_node is not None else []
        ctor_text = node_text(ctor) if ctor is not None else ""
        if ctor_text in VIEW_TYPES:
            first = self.expr(args[0], use=True) if args else None
            for arg in args[1:]:
                self.expr(arg)
            if isinstance(first, Val) and first.kind == BUFFER:
                return View(ctor_text, _line(node), _text(node))
            return None
        values = [self.expr(arg) for arg in args]
        if ctor_text in ("WebAssembly.Memory", "Memory"):
            shared = bool(args) and b"shared" in node_bytes(args[0]) and re.search(rb"shared\s*:\s*true", node_bytes(args[0]))
            return Val(SAFE_MEMORY if shared else MEMORY)
        if ctor_text in ("WebAssembly.Instance", "Instance"):
            return Val(INSTANCE)
        value = self.lookup(ctor_text) if ctor is not None and ctor.type == "identifier" else None
        if value is not None and value.kind == GLUE_FN:
            self.grow(Grow((_glue_export(value.name, "new"),), _line(node), _text(node)))
            return Val(GLUE_OBJECT, value.name)
        if value is not None and value.kind == FOREIGN:
            # A class another host file exports: its constructor runs there.
            self.run_foreign(f"{value.name}.constructor", node, args, values)
            return Val(FOREIGN_OBJECT, value.name)
        if ctor_text in self.ctx.methods:
            constructor = self.ctx.methods[ctor_text].get("constructor")
            if constructor is not None:
                self.run_function(constructor, node, args, this_class=ctor_text, values=values)
            return Val(OBJECT, ctor_text)
        return None

    def call(self, node: Node, use: bool):
        callee = _unwrap(node.child_by_field_name("function"))
        args_node = node.child_by_field_name("arguments")
        args = _named(args_node) if args_node is not None and args_node.type == "arguments" else []
        if callee is None:
            return None
        if callee.type == "import":
            return None
        if callee.type == "identifier" and callee.text == b"require" and len(args) == 1 and args[0].type == "string":
            specifier = node_text(args[0]).strip("'\"`")
            return Val(FOREIGN_MODULE, specifier) if specifier.startswith(".") else None
        prop = ""
        obj_value = None
        view_key = None
        if callee.type == "member_expression":
            prop_node = callee.child_by_field_name("property")
            prop = node_bytes(prop_node).decode() if prop_node is not None else ""
            obj_node = _unwrap(callee.child_by_field_name("object"))
            view_key = self.holder_key(obj_node)
            if view_key is not None and view_key not in self.state:
                view_key = None
            if view_key is None:
                obj_value = self.expr(obj_node, use=True)
                if isinstance(obj_value, View):
                    view_key, obj_value = "", obj_value
            callee_value = None if view_key is not None else self.member_value(obj_value if isinstance(obj_value, Val) else None, prop)
            if callee_value is None and obj_node is not None and obj_node.type == "this" and self.this_class:
                method = self.ctx.methods.get(self.this_class, {}).get(prop)
                if method is not None:
                    callee_value = Val(FUNCTION, f"method:{self.this_class}.{prop}")
            if callee_value is None and isinstance(obj_value, Val) and obj_value.kind == OBJECT:
                if prop in self.ctx.methods.get(obj_value.name, {}):
                    callee_value = Val(FUNCTION, f"method:{obj_value.name}.{prop}")
            if callee_value is None and isinstance(obj_value, Val) and obj_value.kind == FOREIGN_OBJECT:
                callee_value = Val(FOREIGN, f"{obj_value.name}.{prop}")
        else:
            callee_value = self.expr(callee, use=False)
            if isinstance(callee_value, View):
                callee_value = None
        # Arguments run before the call; callbacks given to it run during it. A view passed to
        # one of the file's functions that is followed is used where that function uses it.
        followed = self.followed(callee_value)
        arg_values: list = []
        callbacks = []
        for arg in args:
            inner = _unwrap(arg)
            if inner is not None and inner.type in FUNCTION_TYPES and inner.id in self.ctx.functions:
                callbacks.append(self.ctx.functions[inner.id])
                arg_values.append(None)
            else:
                arg_values.append(self.expr(arg, use=not followed))
        if view_key is not None:
            # A method of a view: `.slice()`, `.set()`, `.subarray()`, DataView getters...
            view = self.read_view(view_key, node, True) if view_key else obj_value
            if isinstance(view, View) and prop == "subarray":
                return View(view.ctor, view.line, view.text, view.grows, len(view.grows), view.from_entry)
            return None
        result = None
        if isinstance(callee_value, Val):
            result = self.call_value(callee_value, node, args, arg_values, prop)
        elif callee.type == "member_expression" and prop == "grow" and isinstance(obj_value, Val) and obj_value.kind == MEMORY:
            self.grow(Grow((), _line(node), _text(node), host_grow=True))
        elif callee.type == "member_expression" and prop in ("then", "catch", "finally") and callbacks:
            # `.then(({ instance }) => ...)`: the callback's parameter is what the promise gives.
            given = obj_value if isinstance(obj_value, Val) else None
            for callback in callbacks:
                self.run_function(callback, node, [], values=[given], inline_only=True)
            return None
        elif callee.type == "member_expression" and prop in ("instantiate", "instantiateStreaming") and node_bytes(callee).startswith(b"WebAssembly"):
            return Val(RESULT)
        elif callee.type == "member_expression" and prop == "toResizableBuffer":
            return Val(SAFE_BUFFER)
        for callback in callbacks:
            twice = prop in _ITERATING
            for _ in range(2 if twice else 1):
                self.run_function(callback, node, [], inline_only=True)
        if isinstance(callee_value, Val) and callee_value.kind == MEMORY and prop == "grow":
            self.grow(Grow((), _line(node), _text(node), host_grow=True))
        return result

    def followed(self, value) -> bool:
        """Whether a call of `value` will be followed into the function's body (see run_function)."""
        if self.dry or not isinstance(value, Val) or value.kind != FUNCTION:
            return False
        function = self.resolve_function(value.name)
        return (function is not None and function.body is not None and self.depth < _INLINE_DEPTH
                and function.inlined < _INLINE_BUDGET)

    def call_value(self, value: Val, node: Node, args, arg_values, prop: str):
        if value.kind == EXPORT_FN:
            self.grow(Grow((value.name,), _line(node), _text(node)))
            return None
        if value.kind == GLUE_FN and value.name == "__init__":
            return Val(EXPORTS)  # wasm-bindgen's `await init()` / `initSync()` give the exports
        if value.kind == GLUE_FN:
            export = _glue_export(value.name, prop)
            self.grow(Grow((export,), _line(node), _text(node)))
            if "#" not in value.name and "." in value.name:
                return Val(GLUE_OBJECT, value.name.split(".")[0])  # `Universe.new()`
            return None
        if value.kind == FOREIGN:
            return self.run_foreign(value.name, node, args, arg_values)
        if value.kind == FUNCTION:
            function = self.resolve_function(value.name)
            if function is not None:
                cls = function.class_name
                return self.run_function(function, node, args, values=arg_values, this_class=cls)
            return None
        if value.kind == MEMORY and prop == "grow":
            self.grow(Grow((), _line(node), _text(node), host_grow=True))
        if value.kind == RESULT:
            return None
        return None

    def resolve_function(self, name: str) -> Function | None:
        if name.startswith("#"):
            return self.ctx.functions.get(int(name[1:]))
        if name.startswith("method:"):
            cls, _, method = name[len("method:"):].partition(".")
            return self.ctx.methods.get(cls, {}).get(method)
        candidates = self.ctx.by_name.get(name) or []
        return candidates[0] if len(candidates) == 1 else (candidates[-1] if candidates else None)

    def run_function(self, function: Function, node: Node, args, values=None, this_class: str | None = None,
                     inline_only: bool = False):
        """A call of one of the file's functions: follow its body with the caller's views, or,
        past the budget, apply its summary. Returns what it returns (a fresh view, a holder...)."""
        function.called = True
        if function.body is not None and not self.touches(function.body):
            return None  # names nothing of the module and no view held now: no effect here
        if self.dry:
            if inline_only and function.body is not None:
                self.bind_params(function, values or [], flow=self)
                flow = Flow(self.ctx, self.state, dict(self.locals), self.depth + 1, dry=True,
                            this_class=this_class or function.class_name)
                flow.locals_declared = self.locals_declared
                self.bind_params(function, values or [], flow=flow)
                body = function.body
                if self.depth < _INLINE_DEPTH:
                    flow.stmt(body) if body.type == "statement_block" else flow.expr(body)
            return self.returns_of(function)
        if self.depth < _INLINE_DEPTH and (inline_only or function.inlined < _INLINE_BUDGET) and function.body is not None:
            function.inlined += 1
            flow = Flow(self.ctx, self.state, dict(self.locals), self.depth + 1, self.loop_depth,
                        this_class=this_class or function.class_name)
            self.bind_params(function, values or [], flow, args)
            returned = flow.run_body(function.body)
            if isinstance(returned, (View, Record)):
                return returned
            return returned if isinstance(returned, Val) else self.returns_of(function)
        grows = summary(self.ctx, function)
        if grows:
            first = grows[0]
            self.grow(Grow(tuple(dict.fromkeys(e for g in grows for e in g.exports)), _line(node), _text(node),
                           (function.name,) + first.via, any(g.host_grow for g in grows)))
        return self.returns_of(function)

    def run_body(self, body: Node):
        """Run a function's body (a block, or an arrow function's expression); what it returns."""
        self.returned = None
        if body.type == "statement_block":
            self.stmt(body)
            return self.returned
        return self.expr(body, use=False)

    def run_foreign(self, name: str, node: Node, args, values):
        """A call of a function another host file exports: followed into that file's body, with
        this file's views, when the file can be read (its own uses are reported when it is checked)."""
        specifier, _, function_name = name.rpartition("#")
        other = self.ctx.load(specifier) if self.ctx.load is not None and self.depth < _INLINE_DEPTH else None
        if other is None:
            return None
        cls, _, method = function_name.partition(".")  # `Class.method` of an object of its class
        function = other.methods.get(cls, {}).get(method) if method else next(iter(other.by_name.get(cls, ())), None)
        if function is None or function.body is None:
            return None
        flow = Flow(other, self.state, {}, self.depth + 1, self.loop_depth, this_class=cls if method else None)
        self.bind_params(function, values, flow, args)
        returned = flow.run_body(function.body)
        for grow in other.all_grows:
            if grow not in self.ctx.all_grows and len(self.ctx.all_grows) < 64:
                self.ctx.all_grows.append(grow)
        return returned if isinstance(returned, (Val, View, Record)) else None

    def returns_of(self, function: Function):
        """What a call gives when its body is not followed (past the budget): nothing known."""
        return None

    def bind_params(self, function: Function, values, flow: "Flow", args=()) -> None:
        """Give the parameters the arguments' values. An argument that names an object whose
        parts are held (`wasm` with `wasm.heap` a view) lends them to the parameter (`p.heap`)."""
        for index, param in enumerate(function.params):
            value = values[index] if index < len(values) else None
            arg = _unwrap(args[index]) if index < len(args) else None
            if arg is not None and arg.type == "identifier" and value is None:
                prefix = node_bytes(arg).decode() + "."
                parts = Record({key[len(prefix):]: view for key, view in self.state.items() if key.startswith(prefix)})
                parts.update({key[len(prefix):]: val for key, val in self.locals.items() if key.startswith(prefix)})
                value = parts or None
            target = param
            if param.type in ("required_parameter", "optional_parameter"):
                target = param.child_by_field_name("pattern") or param
            if target.type == "assignment_pattern":
                target = target.child_by_field_name("left") or target
            if target.type in ("object_pattern", "array_pattern"):
                flow.destructure(target, value if isinstance(value, (Val, Record)) else None)
            elif target.type == "identifier":
                name = node_bytes(target).decode()
                flow.state.pop(name, None)
                flow.locals.pop(name, None)
                if value is not None:
                    flow.assign(name, value)


def _freshen(state: dict[str, View], keys: set[str]) -> None:
    """Past a guard that looked at the buffer, the views it names or re-created are fresh (the
    wasm-bindgen getter shape)."""
    for key in keys:
        view = state.get(key)
        if view is not None and view.grows:
            fresh = view.copy()
            fresh.grows = ()
            fresh.reported = 0
            fresh.from_entry = False
            state[key] = fresh


def _detach_test(node: Node | None) -> bool:
    text = node_bytes(node) if node is not None else b""
    return b"byteLength" in text or b"buffer" in text or b"detached" in text


def _glue_export(name: str, prop: str) -> str:
    """The module export a wasm-bindgen JS name calls: `greet` -> greet, `Universe.new` ->
    universe_new, `Universe#tick` -> universe_tick."""
    if "#" in name:
        cls, _, method = name.partition("#")
        return f"{cls.lower()}_{method}"
    if "." in name:
        cls, _, method = name.partition(".")
        return f"{cls.lower()}_{method}"
    return name


def summary(ctx: FileContext, function: Function) -> tuple[Grow, ...]:
    """The calls into the module a function may make, directly or through the file's functions
    (a fixpoint by memo: a function being summarised counts as making none)."""
    key = function.node.id
    if key in ctx.summaries:
        return ctx.summaries[key] or ()
    ctx.summaries[key] = None
    if function.body is None or not ctx.touches(function.body):
        ctx.summaries[key] = ()
        return ()
    state: dict[str, View] = {}
    flow = Flow(ctx, state, {}, depth=_INLINE_DEPTH, this_class=function.class_name)
    collected: list[Grow] = []
    original = flow.grow

    def collect(grow: Grow) -> None:
        if len(collected) < 8:
            collected.append(grow)
        original(grow)

    flow.grow = collect  # type: ignore[method-assign]
    flow.report = lambda *a, **k: None  # type: ignore[method-assign]
    body = function.body
    if body is not None:
        flow.stmt(body) if body.type == "statement_block" else flow.expr(body)
    result = tuple(collected)
    ctx.summaries[key] = result
    return result
