"""`new` and classes: views built over a buffer (`new Uint8Array(buffer, offset, length)`), copies
(`new Uint8Array(view)`), constructors that keep what they are given (`new ImageData(view, w, h)`),
`Map`/`Set`/`Array`, and the file's own classes: their instances by allocation site, their fields
and constructors (through `super(...)` too)."""

from __future__ import annotations

import re

from tree_sitter import Node

from wasmlint.host import webapi
from wasmlint.host.access import Frame, unwrap
from wasmlint.host.calls import Calls, _args, _glue_export, _text
from wasmlint.host.domain import (
    NOTHING, Foreign, Func, GlueFn, GlueObject, Instance, Memo, Memory, Obj, State, line_of, merge, one,
)
from wasmlint.host.throwing import build_throws, recovers, used
from wasmlint.host.view_ctors import ViewCtor
from wasmlint.syntax import node_bytes, node_key


class Construction(Calls):
    def call_super(self, node: Node, args: list[Node], st: State) -> frozenset:
        values = self.arguments(args, st)
        function = self.frame.function
        if function is None or not function.class_id:
            return NOTHING
        parent = self.superclass(function.class_id)
        constructor = parent.methods.get("constructor") if parent is not None else None
        if parent is not None:
            self.init_fields(parent.id, self.frame.this, st)
        if constructor is not None:
            self.call_function(constructor, values, self.frame.this, st, node)
        return NOTHING

    # -- new ----------------------------------------------------------------------------------------

    def e_new(self, node: Node, st: State) -> frozenset:
        ctor = unwrap(node.child_by_field_name("constructor"))
        args = _args(node)
        name = node_bytes(ctor).decode("utf-8", "replace") if ctor is not None else ""
        bare = name.rsplit(".", 1)[-1]
        if name in webapi.VIEWING_CONSTRUCTORS:
            values = self.arguments(args, st)
            return self.construct_view(name, values, node, args, st)
        callees = self.eval(ctor, st) if ctor is not None and ctor.type in ("identifier", "member_expression") else NOTHING
        values = self.arguments(args, st)
        if name in ("WebAssembly.Memory", "Memory") and not callees:
            shared = bool(args) and re.search(rb"shared\s*:\s*true", node_bytes(args[0])) is not None
            return one(Memory(shared=shared))
        if name in ("WebAssembly.Instance", "Instance") and not callees:
            if len(values) > 1:
                self.register_imports(values[1], st)
            return one(Instance())
        result: frozenset = NOTHING
        for value in callees:
            if isinstance(value, ViewCtor):  # `new Kind(buffer, ...)`, Kind holding `Float32Array`
                result = merge(result, self.construct_view(value.name, values, node, args, st))
            elif isinstance(value, Func) and value.node_id in self.program.classes:
                result = merge(result, self.instantiate(value.node_id, values, st, node))
            elif isinstance(value, Func) and value.node_id in self.program.functions:
                obj = Obj(node_key(node), kind="object")
                self.call_function(self.program.functions[value.node_id], values, one(obj), st, node)
                result = merge(result, one(obj))
            elif isinstance(value, GlueFn):
                self.grow((_glue_export(f"{value.name}.new"),), node, st)
                result = merge(result, one(GlueObject(value.name)))
            elif isinstance(value, Foreign):
                self.run_foreign(Foreign(value.specifier, f"{value.name}.constructor"), values, node, st)
                result = merge(result, one(Foreign(value.specifier, value.name, instance=True)))
        if result:
            return result
        if bare in ("Map", "WeakMap"):
            return one(Obj(node_key(node), kind="map"))
        if bare in ("Set", "WeakSet"):
            return one(Obj(node_key(node), kind="set"))
        if bare == "Array":
            return one(Obj(node_key(node), kind="array"))
        if bare in webapi.COPYING_CONSTRUCTORS:
            for value, arg in zip(values, args):
                self.use_deep(value, node, arg, st)
            return NOTHING
        if bare == "Promise":
            # What the executor throws rejects the promise being built: the build returns from there too.
            outer = self.swap_thrown(None)
            for value in values:
                self.run_now(value, [NOTHING, NOTHING], st, node)
            thrown = self.swap_thrown(outer)
            if thrown is not None:
                st.become(st.join(thrown))
            return NOTHING
        # A constructor that keeps what it is given (ImageData), or one nothing says about.
        kept = NOTHING
        for value in values:
            kept = merge(kept, frozenset(v for v in value if isinstance(v, Memo)))
        return self.keeper(kept, node, bare, st)

    def construct_view(self, ctor: str, values: list[frozenset], node: Node, args: list[Node], st: State) -> frozenset:
        """`new K(buffer, offset, length)` views the buffer; `new K(view)` copies the view."""
        first = values[0] if values else NOTHING
        made: frozenset = NOTHING
        for value in first:
            if isinstance(value, Memo) and value.is_buffer:
                # Built over a buffer that may have detached: the build itself is the stale use.
                self.use(one(value), node, args[0] if args else None, throws=True)
                if value.grows and recovers(self.catches, args[0] if args else None):
                    continue  # it throws there, and the `catch` takes over
                # A build over a detached buffer throws: a view that was built is fresh (its build,
                # not its uses, is the stale site).
                made = merge(made, one(value.derived(ctor, node_key(node), line_of(node), _text(node)).fresh()))
            elif isinstance(value, Memo):
                self.use(one(value), node, args[0] if args else None, throws=True)
                if value.grows:  # a copy of a detached view: as dead as it
                    made = merge(made, one(value))
            elif isinstance(value, Obj) and value.kind in ("array", "keeper"):
                self.use_deep(one(value), node, args[0] if args else None, st)
        # (a build over, or a copy of, a detached one throws: past it, attached)
        used(self, first, args[0] if args else None, st, lambda memo: build_throws(ctor, memo))
        return made if not st.dead else NOTHING

    def instantiate(self, class_id: int, values: list[frozenset], st: State, node: Node) -> frozenset:
        obj = Obj(node_key(node), cls=class_id, kind="class")
        self.program.instances.setdefault(class_id, set()).add(obj)
        this = one(obj)
        cls = self.program.classes[class_id]
        constructor = cls.methods.get("constructor")
        parent = self.superclass(class_id)
        if constructor is None and parent is not None:
            self.init_fields(parent.id, this, st)
            parent_ctor = parent.methods.get("constructor")
            if parent_ctor is not None:
                self.call_function(parent_ctor, values, this, st, node)
        if parent is None or constructor is None:
            self.init_fields(class_id, this, st)
        if constructor is not None:
            if parent is not None:
                self.init_fields(class_id, this, st)
            self.call_function(constructor, values, this, st, node)
        return this

    def init_fields(self, class_id: int, this: frozenset, st: State) -> None:
        cls = self.program.classes.get(class_id)
        if cls is None:
            return
        saved, self.frame = self.frame, Frame(None, cls.scope, this, outer=self.frame)
        try:
            for definition in cls.fields:
                name = definition.child_by_field_name("property") or definition.child_by_field_name("name")
                value = definition.child_by_field_name("value")
                if name is None:
                    continue
                vals = self.eval(value, st) if value is not None else NOTHING
                for obj in this:
                    if isinstance(obj, Obj):
                        self.store(obj, node_bytes(name).decode(), vals, st, strong=True)
        finally:
            self.frame = saved

    def static_fields(self, class_id: int, st: State) -> None:
        """Static fields are set when the class is defined."""
        return None
