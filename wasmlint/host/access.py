"""Where values are kept and found again: variables by scope, object slots by allocation site,
and the places a test or an assignment names (`x`, `this.#view`, `obj.prop`, `arr[0]`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from wasmlint.host.domain import ELEMENTS, NOTHING, Func, Memo, Obj, State, index_of, merge
from wasmlint.host.program import ROOT, FunctionRef, Program
from wasmlint.host.view_ctors import global_view_ctor
from wasmlint.syntax import node_bytes

_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
                       "type_assertion"})


def unwrap(node: Node | None) -> Node | None:
    while node is not None and node.type in _WRAPPERS:
        inner = [c for c in node.named_children if c.type != "comment"]
        node = inner[0] if inner else None
    return node


def _writes_elements(left: Node, prop: str) -> bool:
    """Whether assigning to `left` writes a view's memory: `view[i] = x` does; a named property
    (`view.tag = x`, `view["tag"] = x`) is an ordinary slot on the object, even when detached."""
    return left.type == "subscript_expression" and (prop.startswith("[") or prop.isdigit())


def prop_name(node: Node) -> str:
    prop = node.child_by_field_name("property")
    return node_bytes(prop).decode() if prop is not None else ""


@dataclass
class Frame:
    """One function being run: its `this`, and what its returns give (value and state)."""

    function: FunctionRef | None
    scope: int
    this: frozenset = NOTHING
    returned: frozenset = NOTHING
    exits: State | None = None
    outer: "Frame | None" = None  # the frame of the call it runs in (its `this` is still held)
    # Read as an accessor (`places`): the indexes its parameters are, known from the call's
    # arguments (`pool.at(0)` names `this.#views[0]`, the slot `keep(0, v)` wrote).
    indices: dict[str, int] | None = None


@dataclass
class Access:
    """Reading and writing variables and object slots."""

    program: Program
    frame: Frame = field(default_factory=lambda: Frame(None, ROOT))
    checking: int = 0  # > 0 inside a test: reads are not uses
    # Inside `try` statements of the running function: the names each one's `catch` mentions (a use
    # that throws on a value one of them re-makes or uses again is a test: `throwing.recovers`).
    catches: tuple = ()
    catch_names: dict = field(default_factory=dict)  # a `catch` clause's start -> `throwing.catch_names`
    loops: int = 0
    refined: list = field(default_factory=list)  # the places the tests run so far refined (see `guards.settle`)
    stack: list[FunctionRef] = field(default_factory=list)  # the functions being run, outermost first
    inside_export: tuple[str, Node, str] | None = None  # the export call whose import callbacks run, and the import
    handler_floor: int = 0  # the frames of `stack` below this one called the running import callback
    nested_export: bool = False  # the running import callbacks are those of an export called in another's
    foreign: dict = field(default_factory=dict)  # interpreters of the files this one imports
    # Where paths left by a throw not yet caught: their states joined (`throwing.py`).
    thrown: State | None = None
    unkept: int = 0  # paths that left by a `throw` statement, whose states were not kept

    def swap_thrown(self, thrown: State | None) -> State | None:
        """Where paths left by a throw: set to `thrown`, and what it was returned (a `try` body, a
        call that never throws to its caller, and each entry point start their own)."""
        was, self.thrown = self.thrown, thrown
        return was

    # Provided by the interpreter.
    def eval(self, node: Node | None, st: State) -> frozenset:
        raise NotImplementedError

    def captured(self, function_id: int, st: State) -> tuple:
        raise NotImplementedError

    def call_function(self, function: FunctionRef, args: list[frozenset], this: frozenset, st: State,
                      node: Node) -> frozenset:
        raise NotImplementedError

    # -- variables --------------------------------------------------------------------------------

    def cell(self, name: str) -> tuple[int, str]:
        return (self.program.scope_of(name, self.frame.scope), name)

    def read_name(self, name: str, st: State) -> frozenset:
        key = self.cell(name)
        vals = st.cells.get(key)
        if vals is None:
            declared = self.program.declared_functions.get(key)
            if declared is not None:  # a function or class declaration, hoisted; it sees its scope as it is now
                env = self.captured(declared, st) if declared in self.program.functions else ()
                return frozenset((Func(declared, NOTHING, env),))
        if not vals:  # what the imports bind, or a name `X.memory.buffer` says holds the exports
            vals = self.program.globals.get(name, NOTHING) or global_view_ctor(name)
        if key in self.program.refreshed:
            vals = _refreshed(vals)
        return vals

    def assign_name(self, name: str, vals: frozenset, st: State) -> None:
        key = self.cell(name)
        st.put(False, key, vals)
        if self.in_handler(key[0]):
            self.program.refreshed.add(key)

    def in_handler(self, scope: int = -1) -> bool:
        """Whether a write made now is a growth handler's: what it stores is re-made on every
        growth. The import callbacks the module calls during an export the handler calls are not
        the handler's (`handler_floor`); nor is a variable of the handler or of a function it called
        (`scope`: a parameter or local ends with that call)."""
        frames = self.stack[self.handler_floor:]
        for index in range(len(frames) - 1, -1, -1):
            if frames[index].handler:
                return not any(f.id == scope for f in frames[index:])
        return False

    # -- object slots -----------------------------------------------------------------------------

    def store(self, obj: Obj, prop: str, vals: frozenset, st: State, strong: bool) -> None:
        key = (obj.site, prop)
        st.put(True, key, vals if strong else merge(st.heap.get(key, NOTHING), vals))
        if self.in_handler():
            self.program.refreshed.add(key)

    def load(self, obj: Obj, prop: str, st: State) -> frozenset:
        key = (obj.site, prop)
        vals = st.heap.get(key)
        if vals is None and prop.startswith("[") and prop != ELEMENTS:
            vals = st.heap.get((obj.site, ELEMENTS))
        if vals is None:
            return NOTHING
        return _refreshed(vals) if key in self.program.refreshed else vals

    # -- places -----------------------------------------------------------------------------------

    def places(self, place: Node, st: State, depth: int = 0) -> list[tuple[str, tuple]]:
        """The cells and heap slots an expression names (to refine): a variable, an object's
        slot, and through an accessor what it returns (`img.pixels` whose getter returns
        `this.#pixels`, `pool.at(0)` returning `this.#views[i]`, a closure `() => v` returning the
        variable it captured)."""
        node = unwrap(place)
        if node is None or depth > 3:
            return []
        if node.type in ("identifier", "shorthand_property_identifier"):
            return [("cell", self.cell(node_bytes(node).decode()))]
        if node.type in ("member_expression", "subscript_expression"):
            prop = self.slot_name(node, st)
            if prop is None:
                return []
            iterated = _iterated(node) if prop == "value" else None
            if iterated is not None:  # `set.values().next().value`: an element
                return [("heap", (o.site, ELEMENTS)) for o in self.quiet_value(iterated, st)
                        if isinstance(o, Obj) and o.kind in ("set", "map", "array")]
            found: list[tuple[str, tuple]] = []
            for o in self.quiet_value(node.child_by_field_name("object"), st):
                if isinstance(o, Obj):
                    getter = self.getter_of(o, prop) if o.cls else None
                    if getter is not None:
                        found += self.accessor_places(getter, frozenset((o,)), st, depth)
                    else:
                        found.append(("heap", (o.site, prop)))
                elif isinstance(o, Func):  # a class's static slot, a function's property
                    found.append(("heap", (o.node_id, prop)))
            return found
        if node.type == "call_expression":
            return self.returned_places(node, st, depth)
        return []

    def returned_places(self, node: Node, st: State, depth: int) -> list[tuple[str, tuple]]:
        """The slot a call hands out: `map.get('view')`, `arr.at(0)`, a method or closure whose
        body returns a place (`return this.#view`, `() => v`)."""
        callee = unwrap(node.child_by_field_name("function"))
        if callee is None:
            return []
        found: list[tuple[str, tuple]] = []
        if callee.type == "identifier":
            for func in self.read_name(node_bytes(callee).decode(), st):
                function = self.program.functions.get(func.node_id) if isinstance(func, Func) else None
                if function is None:
                    continue
                for kind, key in self.accessor_places(function, func.this, st, depth):
                    found.append((kind, key))
                    # A closure's captured variable lives in the closure value too: refine it there.
                    if kind == "cell" and any(cell == key for cell, _ in func.env):
                        found.append(("env", (self.cell(node_bytes(callee).decode()), func.node_id, key)))
            return found
        if callee.type != "member_expression":
            return []
        method = prop_name(callee)
        args = node.child_by_field_name("arguments")
        first = next((a for a in args.named_children if a.type != "comment"), None) if args is not None else None
        for obj in self.quiet_value(callee.child_by_field_name("object"), st):
            if not isinstance(obj, Obj):
                continue
            if obj.kind == "map" and method == "get" and first is not None and first.type == "string":
                found.append(("heap", (obj.site, node_bytes(first).decode().strip("'\"`"))))
            elif obj.kind == "array" and method == "at" and first is not None and first.type == "number":
                found.append(("heap", (obj.site, f"[{node_bytes(first).decode()}]")))
            elif obj.cls:
                function = self.method_named(obj.cls, method)
                if function is not None:
                    found += self.accessor_places(function, frozenset((obj,)), st, depth, args)
        return found

    def accessor_places(self, function: FunctionRef, this: frozenset, st: State, depth: int,
                        args: Node | None = None) -> list[tuple[str, tuple]]:
        """The places a function whose body only returns one names, read as that function
        (its `this`, its scope, and the indexes `args`, the call's arguments, give its parameters)."""
        returned = _returned_expression(function)
        if returned is None:
            return []
        indices = self._argument_indices(function, args, st) if args is not None else None
        saved = self.frame
        self.frame = Frame(function, function.id, this, indices=indices)
        try:
            return self.places(returned, st, depth + 1)
        finally:
            self.frame = saved

    def _argument_indices(self, function: FunctionRef, args: Node, st: State) -> dict[str, int] | None:
        """Each parameter of `function` named by a plain identifier whose argument is one known
        index (a number literal, or a name holding one)."""
        given = [a for a in args.named_children if a.type != "comment"]
        indices: dict[str, int] = {}
        for param, arg in zip(function.params(), given):
            if param.type != "identifier":
                continue
            value = unwrap(arg)
            if value is None:
                continue
            if value.type == "number" and node_bytes(value).isdigit() and len(node_bytes(value)) < 10:
                indices[node_bytes(param).decode()] = int(node_bytes(value))
            elif value.type == "identifier":
                known = index_of(self.read_name(node_bytes(value).decode(), st))
                if known is not None:
                    indices[node_bytes(param).decode()] = known
        return indices or None

    def getter_of(self, obj: Obj, prop: str) -> FunctionRef | None:
        raise NotImplementedError

    def method_named(self, class_id: int, prop: str) -> FunctionRef | None:
        raise NotImplementedError

    def accessed_slot(self, obj: Obj, prop: str) -> str:
        """The slot `obj.prop` reads: its own, or the one a getter hands out (`get pixels() {
        return this.#pixels }`), so that a test of `image.pixels` refines `#pixels`."""
        getter = self.getter_of(obj, prop) if obj.cls else None
        if getter is None or getter.body is None:
            return prop
        return _returned_slot(getter.body) or prop

    def slot_name(self, node: Node, st: State) -> str | None:
        if node.type == "member_expression":
            return prop_name(node)
        index = unwrap(node.child_by_field_name("index"))
        if index is None:
            return None
        if index.type == "string":
            return node_bytes(index).decode().strip("'\"`")
        if index.type == "number":
            return f"[{node_bytes(index).decode()}]"
        if index.type == "identifier":  # `this.#views[i]` where `i` is known: `keep(0, v)`
            name = node_bytes(index).decode()
            bound = self.frame.indices
            if bound is not None and name in bound:  # (an accessor read for its places: `at(0)`)
                return f"[{bound[name]}]"
            known = index_of(self.read_name(name, st))
            if known is not None:
                return f"[{known}]"
        return ELEMENTS

    def quiet_value(self, node: Node | None, st: State) -> frozenset:
        """What a short expression (a name, `this`, a member chain) holds, without running it."""
        node = unwrap(node)
        if node is None:
            return NOTHING
        if node.type == "this":
            return self.frame.this
        if node.type == "identifier":
            return self.read_name(node_bytes(node).decode(), st)
        if node.type in ("member_expression", "subscript_expression"):
            prop = self.slot_name(node, st)
            found: frozenset = NOTHING
            for o in self.quiet_value(node.child_by_field_name("object"), st):
                if isinstance(o, Obj) and prop is not None:
                    found = merge(found, self.load(o, self.accessed_slot(o, prop), st))
            return found
        return NOTHING

    # -- assignment -------------------------------------------------------------------------------

    def assign(self, left: Node, vals: frozenset, st: State) -> None:
        left = unwrap(left) or left
        if left.type in ("identifier", "shorthand_property_identifier"):
            self.assign_name(node_bytes(left).decode(), vals, st)
        elif left.type in ("member_expression", "subscript_expression"):
            obj_node = left.child_by_field_name("object")
            objs = self.eval(obj_node, st)
            if left.type == "subscript_expression":
                self.eval(left.child_by_field_name("index"), st)
            prop = self.slot_name(left, st)
            if prop is None:
                return
            targets = [o for o in objs if isinstance(o, (Obj, Func))]
            for o in targets:
                if isinstance(o, Func):  # a class's static slot, a function's property
                    key = (o.node_id, prop)
                    st.put(True, key, vals)
                    continue
                setter = self.setter_of(o, prop)
                if setter is not None:
                    self.call_function(setter, [vals], frozenset((o,)), st, left)
                    continue
                element = prop.startswith("[")
                self.store(o, prop, vals, st, strong=len(targets) == 1 and prop != ELEMENTS)
                if element and prop != ELEMENTS:
                    self.store(o, ELEMENTS, vals, st, strong=False)
                elif prop == ELEMENTS:  # an index not known: any element it names may be it
                    for key in [k for k in st.heap if k[0] == o.site and k[1].startswith("[") and k[1] != ELEMENTS]:
                        self.store(o, key[1], vals, st, strong=False)
            if _writes_elements(left, prop):
                for o in objs:
                    if isinstance(o, Memo):
                        self.view_write(o, left)
        elif left.type in ("object_pattern", "array_pattern"):
            self.bind_pattern(left, vals, st, declaring=False)

    def view_write(self, memo: Memo, node: Node) -> None:
        raise NotImplementedError

    def setter_of(self, obj: Obj, prop: str) -> FunctionRef | None:
        cls = self.program.classes.get(obj.cls)
        while cls is not None:
            if prop in cls.setters:
                return cls.setters[prop]
            cls = self.superclass(cls.id)
        return None

    def superclass(self, class_id: int):
        cls = self.program.classes.get(class_id)
        if cls is None or cls.superclass is None:
            return None
        for value in self.program.globals.get(cls.superclass, NOTHING) | self.quiet_parent(cls.superclass):
            if isinstance(value, Func) and value.node_id in self.program.classes:
                return self.program.classes[value.node_id]
        return None

    def quiet_parent(self, name: str) -> frozenset:
        return frozenset(Func(class_id) for class_id in self.program.classes_named(name))

    def bind_pattern(self, pattern: Node, vals: frozenset, st: State, declaring: bool) -> None:
        pattern = unwrap(pattern) or pattern
        kind = pattern.type
        if kind in ("identifier", "shorthand_property_identifier_pattern", "shorthand_property_identifier"):
            name = node_bytes(pattern).decode()
            if declaring:
                key = (self.frame.scope if name in self.program.declared.get(self.frame.scope, ()) else
                       self.program.scope_of(name, self.frame.scope), name)
                st.put(False, key, vals)
                if self.in_handler(key[0]):
                    self.program.refreshed.add(key)
            else:
                self.assign_name(name, vals, st)
        elif kind == "object_pattern":
            for part in pattern.named_children:
                if part.type in ("shorthand_property_identifier_pattern", "shorthand_property_identifier"):
                    name = node_bytes(part).decode()
                    self.bind_pattern(part, self.member_values(vals, name, part, st), st, declaring)
                elif part.type == "pair_pattern":
                    key_node, value_node = part.child_by_field_name("key"), part.child_by_field_name("value")
                    if key_node is not None and value_node is not None:
                        name = node_bytes(key_node).decode().strip("'\"`")
                        self.bind_pattern(value_node, self.member_values(vals, name, part, st), st, declaring)
                elif part.type == "object_assignment_pattern":
                    left = part.child_by_field_name("left")
                    right = part.child_by_field_name("right")
                    if left is not None:
                        got = self.member_values(vals, node_bytes(left).decode(), part, st)
                        self.bind_pattern(left, merge(got, self.eval(right, st)) if not got else got, st, declaring)
                elif part.type == "rest_pattern":
                    for inner in part.named_children:
                        self.bind_pattern(inner, vals, st, declaring)
        elif kind == "array_pattern":
            items = self.elements(vals, pattern, st, use=False)
            for part in pattern.named_children:
                self.bind_pattern(part, items, st, declaring)
        elif kind == "assignment_pattern":
            left = pattern.child_by_field_name("left")
            right = pattern.child_by_field_name("right")
            if left is not None:
                self.bind_pattern(left, vals if vals else self.eval(right, st), st, declaring)
        elif kind in ("required_parameter", "optional_parameter"):
            inner_pattern = pattern.child_by_field_name("pattern") or (pattern.named_children[0] if pattern.named_children else None)
            if inner_pattern is not None:
                default = pattern.child_by_field_name("value")
                self.bind_pattern(inner_pattern, vals if vals or default is None else self.eval(default, st), st, declaring)
        elif kind == "rest_pattern":
            for inner in pattern.named_children:
                self.bind_pattern(inner, vals, st, declaring)
        elif kind in ("member_expression", "subscript_expression"):
            self.assign(pattern, vals, st)

    def member_values(self, vals: frozenset, prop: str, node: Node, st: State) -> frozenset:
        raise NotImplementedError

    def elements(self, vals: frozenset, node: Node, st: State, use: bool) -> frozenset:
        raise NotImplementedError


def _iterated(node: Node) -> Node | None:
    """`x` of `x.values().next().value` (the first element of a Set, Map or array)."""
    step = unwrap(node.child_by_field_name("object"))
    for method in ("next", "values"):
        if step is None or step.type != "call_expression":
            return None
        callee = unwrap(step.child_by_field_name("function"))
        if callee is None or callee.type != "member_expression" or prop_name(callee) != method:
            return None
        step = unwrap(callee.child_by_field_name("object"))
    return step


def _returned_expression(function: FunctionRef) -> Node | None:
    """What a function returns when its body is that one expression (`return this.#x`, `() => v`)."""
    body = function.body
    if body is None:
        return None
    if body.type != "statement_block":
        return body
    statements = [c for c in body.named_children if c.type != "comment"]
    if len(statements) != 1 or statements[0].type != "return_statement":
        return None
    return unwrap(next(iter(statements[0].named_children), None))


def _refreshed(vals: frozenset) -> frozenset:
    """A place a growth handler re-makes holds a fresh view whenever it is read."""
    if not any(isinstance(v, Memo) and v.grows for v in vals):
        return vals
    return frozenset(v.fresh() if isinstance(v, Memo) else v for v in vals)


def _returned_slot(body: Node) -> str | None:
    """`this.x` / `this.#x` when a getter's body is `return this.x`."""
    statements = [c for c in body.named_children if c.type != "comment"]
    if len(statements) != 1 or statements[0].type != "return_statement":
        return None
    value = unwrap(next(iter(statements[0].named_children), None))
    if value is None or value.type != "member_expression":
        return None
    obj = value.child_by_field_name("object")
    return prop_name(value) if obj is not None and obj.type == "this" else None
