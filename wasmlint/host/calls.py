"""Calls, `new` and property reads: into the file's functions (followed with bounded context, then
by summary), into the module (a call that may grow memory), into the JavaScript and Web APIs (as
the table in `webapi.py` says), and the import callbacks the module calls during an export."""

from __future__ import annotations

import dataclasses
import re

from tree_sitter import Node

from wasmlint.host import webapi
from wasmlint.host.access import Frame, prop_name, unwrap
from wasmlint.host.members import Members
from wasmlint.host.callback_rounds import run_callbacks
from wasmlint.host.domain import (
    ELEMENTS, NOTHING, Exports, ExportFn, Foreign, Func, GlueFn, GlueObject, Instance, Memo, Memory, MemoryGrow, Obj,
    State, aged, line_of, merge, one,
)
from wasmlint.host.invariants import assumed, unassumed, unassumed_values, under
from wasmlint.host.program import ROOT, FunctionRef
from wasmlint.host.throwing import iteration_throws, method_throws, never_throws, recovers, used
from wasmlint.host.values import Grow
from wasmlint.syntax import node_bytes
from wasmlint.syntax import node_key

__all__ = ["Calls", "unwrap"]

# How far calls are followed: one inside another, and times each function is followed from call
# sites (past that, its summary stands for it). A small host is followed far (every call site
# sees its own arguments); a large one (a bundle, Emscripten glue) less, so that cost stays linear.
SMALL_FILE = 64 * 1024
MAX_DEPTH = 10
INLINE_BUDGET = 48
CALLBACK_BUDGET = 24
LARGE_MAX_DEPTH = 4
LARGE_INLINE_BUDGET = 3
_MEMORY_NAME = re.compile(r"^(?:wasm|_?wasm_?|the)?[mM]em(?:ory)?$|[a-z]Memory$")
_INSTANCE_NAME = re.compile(rb"(?i)inst")


def _text(node: Node, limit: int = 60) -> str:
    text = " ".join(node_bytes(node).decode("utf-8", errors="replace").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _args(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    if args is None or args.type not in ("arguments", "template_string"):
        return []
    return [a for a in args.named_children if a.type != "comment"]


def _glue_export(name: str) -> str:
    """The module export a wasm-bindgen JS name calls: `greet` -> greet, `Universe.new` ->
    universe_new, `Universe#tick` -> universe_tick."""
    for mark in ("#", "."):
        if mark in name:
            cls, _, method = name.partition(mark)
            return f"{cls.lower()}_{method}"
    return name


def _names_in(pattern: Node) -> list[str]:
    """The names a parameter binds (through defaults, destructuring, rest)."""
    if pattern.type in ("identifier", "shorthand_property_identifier_pattern"):
        return [node_bytes(pattern).decode()]
    found: list[str] = []
    for child in pattern.named_children:
        if pattern.type == "pair_pattern" and child == pattern.child_by_field_name("key"):
            continue
        if pattern.type in ("assignment_pattern", "object_assignment_pattern") and child == pattern.child_by_field_name("right"):
            continue
        if child.type in ("type_annotation", "comment"):
            continue
        found += _names_in(child)
    return found


class Calls(Members):
    # Provided by the interpreter.
    def exec(self, node: Node, st: State) -> None:
        raise NotImplementedError

    def check(self, node: Node, st: State) -> frozenset:
        raise NotImplementedError

    def eval_quietly(self, node: Node | None, st: State) -> frozenset:
        raise NotImplementedError

    def use(self, vals: frozenset, node: Node, holder: Node | None, throws: bool = True) -> None:
        raise NotImplementedError

    def use_deep(self, vals: frozenset, node: Node, holder: Node | None, st: State, throws: bool = True) -> None:
        raise NotImplementedError

    def freshen(self, place: Node, st: State) -> None:
        raise NotImplementedError

    # Provided by the construction layer (`construction.py`).
    def call_super(self, node: Node, args: list[Node], st: State) -> frozenset:
        raise NotImplementedError

    def construct_view(self, ctor: str, values: list[frozenset], node: Node, args: list[Node], st: State) -> frozenset:
        raise NotImplementedError

    def instantiate(self, class_id: int, values: list[frozenset], st: State, node: Node) -> frozenset:
        raise NotImplementedError

    # -- memory growth ------------------------------------------------------------------------------

    def grow(self, exports: tuple[str, ...], node: Node, st: State, host: bool = False) -> None:
        via = tuple(f.name or "<anonymous>" for f in self.stack)
        if self.inside_export is not None:
            name, call, through = self.inside_export
            if host or not exports:
                # The host grows memory in an import callback: the export that called it grows.
                grow = Grow((name,), line_of(call), _text(call), via, host_grow=True, inside=name, through=through)
            else:
                grow = Grow(exports, line_of(node), _text(node), via, inside=name, through=through)
        else:
            grow = Grow(exports, line_of(node), _text(node), via, host_grow=host)
        if st.facts:  # (the invariant conditions in force here: see invariants.py)
            grow = assumed(grow, st.facts)
        for name in exports:
            self.program.exports_called.setdefault(name, None)
        if self.stack and len(self.program.entry_grows) < 64:
            self.program.entry_grows.append(grow)
        st.grow(grow)

    def call_export(self, name: str, node: Node, st: State) -> None:
        outer = self.inside_export
        # An export called in an import callback runs its own callbacks too (one level deep): the
        # host's `memory.grow` in them is how `em_malloc` grows, and only they tell whether it
        # grew for sure (`must.py`), so that a use past it that throws ends its path. Only with the
        # module's facts (which imports it calls): without them every callback would run again in
        # every callback, and the file is analysed again with them anyway (run.py).
        runs = outer is None or (not self.nested_export and self._facts_known())
        at_call = st.copy() if runs and self.program.callbacks else None
        self.grow((name,), node, st)
        if at_call is None:
            return
        if outer is None:
            self.run_import_callbacks(name, node, at_call, st)
            return
        self.nested_export = True
        try:
            self.run_import_callbacks(name, node, at_call, st)
        finally:
            self.nested_export, self.inside_export = False, outer

    def _facts_known(self) -> bool:
        if self.program.module is None:
            self.program.must_undecided = True
            return False
        return True

    def run_import_callbacks(self, export: str, node: Node, at_call: State, st: State) -> None:
        """The module may call any import during an export, before or after the growth that
        export makes (`at_call`: the state before it, `st`: after it)."""
        run_callbacks(self, export, node, at_call, st)

    def apply_summary(self, function: FunctionRef, st: State) -> None:
        st.grow_all(self.summary_grows(function, st))

    def summary_grows(self, function: FunctionRef, st: State) -> list[Grow]:
        """The calls `function`'s summary says a run of it may make, made again here."""
        made_here = []
        for grow in function.grows:
            made = under(self.here(grow), st.facts)
            if made is not None:  # (None: recorded where an invariant condition this path contradicts held)
                # What some run of the function did, not what every run does: never a sure growth.
                self.program.unsure.add(made.key)
                made_here.append(made)
        return made_here

    def here(self, grow: Grow) -> Grow:
        """A call a function was seen to make, made again where it runs now: inside the export call
        whose import callbacks run (it happens only if that export calls the import), or not."""
        if self.inside_export is None:
            if not grow.inside:
                return grow
            exports = () if grow.host_grow else grow.exports
            return dataclasses.replace(grow, exports=exports, inside="", through="")
        name, call, through = self.inside_export
        if grow.inside == name and grow.through == through:
            return grow
        if grow.host_grow:
            return dataclasses.replace(grow, exports=(name,), line=line_of(call), text=_text(call), inside=name,
                                       through=through)
        return dataclasses.replace(grow, inside=name, through=through)

    # -- calls --------------------------------------------------------------------------------------

    def e_call(self, node: Node, st: State) -> frozenset:
        callee = unwrap(node.child_by_field_name("function"))
        if callee is None or callee.type == "import":
            return NOTHING
        args = _args(node)
        if callee.type == "identifier" and callee.text == b"require" and len(args) == 1 and args[0].type == "string":
            specifier = node_bytes(args[0]).decode().strip("'\"`")
            return one(Foreign(specifier)) if specifier.startswith(".") else NOTHING
        if callee.type == "super":
            return self.call_super(node, args, st)
        if callee.type == "member_expression":
            obj_node = callee.child_by_field_name("object")
            receiver = self.eval(obj_node, st)
            prop = prop_name(callee)
            callees = self.member_values(receiver, prop, callee, st) if receiver else NOTHING
            if not receiver:
                callees = self.guessed_member(obj_node, prop, callee, st)
            mark = st.logged
            values = self.arguments(args, st)
            # The receiver was evaluated first: a call in an argument may detach it (`view.set(x, ex.alloc(n))`).
            receiver = aged(receiver, st.since(mark))
            return self.call_method(node, callee, receiver, prop, callees, args, values, st)
        callees = self.eval(callee, st)
        mark = st.logged
        values = self.arguments(args, st)
        callees = aged(callees, st.since(mark))  # a closure's variables age while its arguments run
        name = node_bytes(callee).decode() if callee.type == "identifier" else ""
        return self.call_values(node, callees, args, values, NOTHING, name, st)

    def arguments(self, args: list[Node], st: State) -> list[frozenset]:
        """Arguments in order; a value an argument gave ages by the calls a later one made."""
        values, marks = [], []
        for arg in args:
            marks.append(st.logged)
            if arg.type == "spread_element":
                inner = arg.named_children[0] if arg.named_children else None
                values.append(self.elements(self.eval(inner, st), arg, st, use=True, holder=inner))
            else:
                values.append(self.eval(arg, st))
        end = st.logged
        return [aged(v, st.since(mark)) if mark < end else v for v, mark in zip(values, marks)]

    def call_method(self, node: Node, callee: Node, receiver: frozenset, prop: str, callees: frozenset,
                    args: list[Node], values: list[frozenset], st: State) -> frozenset:
        result: frozenset = NOTHING
        qualified = node_bytes(callee).decode("utf-8", "replace")
        collections = 0
        for value in receiver:
            if isinstance(value, Memo):
                result = merge(result, self.view_method(value, prop, node, callee, values, st))
            elif isinstance(value, Memory) and prop == "grow":
                self.grow((), node, st, host=True)
            elif isinstance(value, Obj) and value.kind in ("map", "set", "array") and not self.method_of(value.cls, prop):
                collections += 1
                result = merge(result, self.collection_method(value, prop, node, args, values, st))
        if any(isinstance(value, Memo) for value in receiver):
            # A method that throws on a detached view (`view.slice()`, `dv.getInt32()`): where it
            # returned, the view was attached; `target.set(source)` reads its source so too.
            used(self, receiver, callee.child_by_field_name("object"), st, lambda memo: method_throws(memo, prop))
            if prop == "set" and values and not st.dead and args:
                used(self, values[0], args[0], st, iteration_throws)
            if st.dead:
                return NOTHING
        if receiver and collections == len(receiver) and prop in webapi.STORING_METHODS:
            # `map.set(k, v)`, `set.add(v)`, `array.push(v)` keep the value without reading it:
            # storing a detached buffer or view does not throw; reading it back later is the use.
            return result
        if qualified in ("WebAssembly.instantiate", "WebAssembly.instantiateStreaming"):
            if len(values) > 1:
                self.register_imports(values[1], st)
            return one(Instance(result=True))
        if qualified == "Buffer.from" and values:
            # Before the consuming methods (`from`): over an ArrayBuffer it views the memory.
            return self.construct_view("Buffer", values, node, args, st)
        if qualified in webapi.CONSUMING_FUNCTIONS or (prop in webapi.CONSUMING_METHODS and not callees):
            for value, arg in zip(values, args):
                self.use_deep(value, node, arg, st, throws=qualified != "" and prop != "decode")
            if qualified == "Array.from" and values and args:  # (it iterates the view)
                used(self, values[0], args[0], st, iteration_throws)
            # What a consuming call returns is a copy or a plain value (a string, a count, a
            # promise of a digest), never the view it read: nothing of the view is kept.
            return result
        # A method the host defines is called, whatever its name (`registry.register(...)`).
        if (prop in webapi.DEFERRING_METHODS and not callees) or qualified in webapi.DEFERRING_FUNCTIONS:
            self.defer(values, st)
            return result
        if prop in webapi.ITERATING_METHODS and not callees:
            items = NOTHING
            for value in receiver:
                if isinstance(value, Obj):
                    items = merge(items, self.all_slots(value, st))
            for arg_value in values:
                self.run_now(arg_value, [items], st, node, twice=True)
            return result
        return merge(result, self.call_values(node, callees, args, values, receiver, prop, st))

    def view_method(self, memo: Memo, prop: str, node: Node, callee: Node, values: list[frozenset],
                    st: State) -> frozenset:
        if prop in webapi.VIEW_PASSIVE_PROPERTIES:
            return NOTHING
        holder = callee.child_by_field_name("object")
        if memo.is_buffer:
            self.use(one(memo), node, holder, throws=True)
            return NOTHING
        self.use(one(memo), node, holder, throws=True)
        for value in values:  # `target.set(source)`: the source is read too
            self.use(value, node, None, throws=True)
        if memo.grows and recovers(self.catches, holder):
            return NOTHING  # it throws there, and the `catch` takes over
        if prop in (webapi.BUFFER_VIEWING_METHODS if memo.ctor == "Buffer" else webapi.VIEW_DERIVING_METHODS):
            return one(memo.derived(memo.ctor, memo.site, memo.line, memo.text))
        if prop in webapi.VIEW_COPYING_METHODS and memo.grows:
            return one(memo)  # a copy of a detached view: as dead as it (the copy would have thrown)
        return NOTHING

    def collection_method(self, obj: Obj, prop: str, node: Node, args: list[Node], values: list[frozenset],
                          st: State) -> frozenset:
        if prop in webapi.STORING_METHODS and values:
            stored = values[-1] if obj.kind == "map" else merge(NOTHING, values[0]) if values else NOTHING
            if obj.kind == "map" and args and args[0].type == "string":
                self.store(obj, node_bytes(args[0]).decode().strip("'\"`"), stored, st, strong=True)
            if obj.kind == "array" and prop == "push":
                for value in values[1:]:
                    stored = merge(stored, value)
            self.store(obj, ELEMENTS, stored, st, strong=False)
            return one(obj) if obj.kind != "array" else NOTHING
        if prop in webapi.CLEARING_METHODS:
            for key in [k for k in st.heap if k[0] == obj.site]:
                del st.own_heap()[key]
            return NOTHING
        if prop == "get" and args and args[0].type == "string":
            return self.load(obj, node_bytes(args[0]).decode().strip("'\"`"), st) or self.all_slots(obj, st)
        if prop in ("at",) and args and args[0].type == "number":
            return self.load(obj, f"[{node_bytes(args[0]).decode()}]", st)
        if prop in webapi.ELEMENT_METHODS:
            if prop in ("values", "entries", "keys", "slice", "concat", "filter", "reverse", "sort", "flat",
                        "toSorted", "toReversed"):
                return one(Obj(obj.site, kind="array"))  # an iterator or array over the same elements
            return self.all_slots(obj, st)
        if prop == "next":
            return one(Obj(obj.site, kind="array"))  # `iterator.next()`: `.value` is an element
        if prop in webapi.ITERATING_METHODS:
            for value in values:
                self.run_now(value, [self.all_slots(obj, st)], st, node, twice=True)
        return NOTHING

    def call_values(self, node: Node, callees: frozenset, args: list[Node], values: list[frozenset],
                    receiver: frozenset, name: str, st: State) -> frozenset:
        result: frozenset = NOTHING
        known = False
        for value in callees:
            if isinstance(value, Func):
                known = True
                function = self.program.functions.get(value.node_id)
                if function is not None:
                    this = value.this or receiver
                    st.put_cells(value.env)  # the closure's captured variables
                    result = merge(result, self.call_function(function, values, this, st, node))
            elif isinstance(value, ExportFn):
                known = True
                self.call_export(value.name, node, st)
            elif isinstance(value, MemoryGrow):
                known = True
                self.grow((), node, st, host=True)
            elif isinstance(value, GlueFn):
                known = True
                if value.name == "__init__":
                    result = merge(result, one(Exports()))
                else:
                    self.grow((_glue_export(value.name),), node, st)
                    if "#" not in value.name and "." in value.name:
                        result = merge(result, one(GlueObject(value.name.split(".")[0])))
            elif isinstance(value, Foreign):
                known = True
                result = merge(result, self.run_foreign(value, values, node, st))
        if known:
            return result
        if name in webapi.DEFERRING_FUNCTIONS:
            self.defer(values, st)
            return NOTHING
        if name in webapi.CONSUMING_FUNCTIONS:
            for value, arg in zip(values, args):
                self.use_deep(value, node, arg, st)
            return NOTHING
        # An unknown function: a callback it is given may run now or later; a view it is given,
        # it may keep (what it returns then holds it).
        kept: frozenset = NOTHING
        for value in values:
            if any(isinstance(v, Func) for v in value):
                self.defer([value], st)
            if any(isinstance(v, (Memo, Obj)) for v in value):
                kept = merge(kept, frozenset(v for v in value if isinstance(v, Memo)))
        return self.keeper(kept, node, name, st)

    def keeper(self, kept: frozenset, node: Node, label: str, st: State) -> frozenset:
        """What an unknown function or a keeping constructor returned for the views `kept` it was
        given: a wrapper whose use is a use of them (nothing, where it was given none)."""
        if not kept:
            return NOTHING
        keeper = Obj(node_key(node), kind="keeper", label=label)
        self.store(keeper, ELEMENTS, kept, st, strong=True)
        return one(keeper)

    def defer(self, values: list[frozenset], st: State) -> None:
        """Functions given to a call that runs them later: entry points of their own."""
        for value in values:
            for v in value:
                if isinstance(v, Func) and v.node_id in self.program.functions:
                    self.program.remember(self.program.deferred, v)

    def run_now(self, value: frozenset, args: list[frozenset], st: State, node: Node, twice: bool = False) -> None:
        """Run the callbacks `value` may be, now (`twice`: as an iterating method does, over
        elements there may be none of: the path where it ran none joins)."""
        unrun = st.copy() if twice else None
        for v in value:
            if isinstance(v, Func) and v.node_id in self.program.functions:
                function = self.program.functions[v.node_id]
                st.put_cells(v.env)
                for _ in range(2 if twice else 1):
                    self.call_function(function, args, v.this, st, node)
        if unrun is not None:
            st.become(unrun.join(st))

    def register_imports(self, imports: frozenset, st: State) -> None:
        """The import object given to the module: its functions run during export calls. Each
        is named by the import it implements (`env.host_write`) where the object says."""
        seen: set[int] = set()
        todo: list[tuple[Obj, tuple[str, ...]]] = [(v, ()) for v in imports if isinstance(v, Obj)]
        while todo:
            obj, path = todo.pop()
            if obj.site in seen or len(path) > 2:
                continue
            seen.add(obj.site)
            for (site, prop), vals in list(st.heap.items()):
                if site != obj.site:
                    continue
                for v in vals:
                    if isinstance(v, Func) and v.node_id in self.program.functions:
                        self.program.remember(self.program.callbacks, v)
                        if len(path) == 1:
                            self.program.callback_imports[(v.node_id, v.this)] = f"{path[0]}.{prop}"
                    elif isinstance(v, Obj):
                        todo.append((v, path + (prop,)))

    def run_foreign(self, value: Foreign, values: list[frozenset], node: Node, st: State) -> frozenset:
        """A function or class another host file exports, run there (its own uses unreported:
        that file is a host of its own)."""
        load = self.program.load
        other = load(value.specifier) if load is not None else None
        if other is None or not value.name:
            return NOTHING
        interp = self.foreign.get(id(other))
        if interp is None:
            interp = self.foreign[id(other)] = type(self)(other)
            other.reporting = False
            interp.exec(other.root, st) if other.root is not None else None
            st.dead = False
        name, _, member = value.name.partition(".")
        for cls in other.classes.values():
            if cls.name == name:
                if member == "constructor" or not member:
                    return interp.instantiate(cls.id, values, st, node)
                method = cls.statics.get(member) or cls.methods.get(member)
                return interp.call_function(method, values, NOTHING, st, node) if method is not None else NOTHING
        found = [f for f in other.functions.values() if f.name == name and not f.class_id]
        found.sort(key=lambda f: f.scope != ROOT)
        if found and not member:
            return interp.call_function(found[0], values, NOTHING, st, node)
        return NOTHING

    # -- functions ----------------------------------------------------------------------------------

    def call_function(self, function: FunctionRef, args: list[frozenset], this: frozenset, st: State,
                      node: Node) -> frozenset:
        if function.id in self.program.classes:
            return self.instantiate(function.id, args, st, node)
        if function.body is None or st.dead:  # (a path that left calls nothing)
            return NOTHING
        depth, budget, _ = self.program.limits
        # Past the depth or the budget its summary stands for it, once it has one (a function
        # never run yet is followed: the nesting cap bounds that, with a note).
        if function in self.stack or (function.runs and (len(self.stack) >= depth or function.runs >= budget)):
            self.apply_summary(function, st)
            return function.returned
        function.runs += 1
        self.program.ran.add(function.id)
        if self.program.awaited and not self.stack:
            self.program.ran_after_await.add(function.id)
        mark, facts = st.logged, st.facts
        frame = Frame(function, function.id, this if function.node.type != "arrow_function" or this else NOTHING)
        if function.node.type == "arrow_function" and not this:
            frame.this = self.frame.this
        frame.outer = self.frame
        saved, self.frame = self.frame, frame
        # A `try` around a call guards only its own statements: the callee's uses are its own (a
        # promise wrapper's `try { fn() } catch (e) { fail(e) }` re-validates nothing).
        saved_catches, self.catches = self.catches, ()
        self.stack.append(function)
        # Calling an async or generator function never throws (its throw rejects the promise it
        # returned, or comes at `next()`): where it threw, its caller goes on.
        contained = never_throws(function.node, self.program.source)
        outer_thrown = self.swap_thrown(None) if contained else None
        unkept = self.unkept
        try:
            params = function.params()
            self.program.declare_parameters(function.id, [name for param in params for name in _names_in(param)])
            for index, param in enumerate(params):
                if param.type == "rest_pattern":
                    rest = NOTHING
                    for value in args[index:]:
                        rest = merge(rest, value)
                    self.bind_pattern(param, rest, st, declaring=True)
                    break
                self.bind_pattern(param, args[index] if index < len(args) else NOTHING, st, declaring=True)
            if function.kind == "constructor":
                self.parameter_properties(params, args, this, st)
            body = function.body
            if body.type == "statement_block":
                self.exec(body, st)
            else:
                frame.returned = merge(frame.returned, self.eval(body, st))
            if frame.exits is not None:
                st.become(st.join(frame.exits) if not st.dead else frame.exits)
            if contained:
                thrown = self.swap_thrown(outer_thrown)
                if thrown is not None:
                    st.become(st.join(thrown))
                st.dead = False
            elif self.unkept != unkept:
                st.dead = False  # (a `throw` statement's state was not kept: the caller goes on from it)
            # Else, a path still dead here threw on every path (or could not happen): so does the
            # caller's, from the call on (`throwing.py`).
        finally:
            self.stack.pop()
            self.frame = saved
            self.catches = saved_catches
        if function not in self.stack:
            # Its variables end with the call (closures made in it keep their own copies).
            cells = st.cells
            for name in self.program.declared.get(function.id, ()):
                cells.pop((function.id, name), None)
        # Its summary holds for any call: without what the caller's tests knew (`invariants.py`).
        grows = unassumed(st.since(mark), facts)
        if grows:
            function.grows = function.grows + tuple(g for g in grows if g not in function.grows)[:16]
        function.add_returned(unassumed_values(frame.returned, facts))
        return frame.returned

    def parameter_properties(self, params: list[Node], args: list[frozenset], this: frozenset, st: State) -> None:
        """TypeScript's `constructor(private readonly wasm: Exports)` stores `this.wasm`."""
        for index, param in enumerate(params):
            if param.type in ("required_parameter", "optional_parameter") and any(
                    c.type in ("accessibility_modifier", "readonly", "override_modifier") for c in param.children):
                pattern = param.child_by_field_name("pattern")
                if pattern is not None and pattern.type == "identifier":
                    for obj in this:
                        if isinstance(obj, Obj):
                            self.store(obj, node_bytes(pattern).decode(), args[index] if index < len(args) else NOTHING,
                                       st, strong=True)

    def root_frame(self) -> Frame:
        return Frame(None, ROOT)
