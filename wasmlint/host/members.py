"""Property reads and element reads: what a member of a value is (a view's buffer, an export,
an instance's getter, method or slot, a class's static), what iterating a value gives, and the
uses of a view these reads make (`view[i]`)."""

from __future__ import annotations

import re

from tree_sitter import Node

from wasmlint.host.access import Access, prop_name
from wasmlint.host.domain import (
    ELEMENTS, NOTHING, Exports, ExportFn, Foreign, Func, GlueFn, GlueObject, Instance, Memo, Memory, MemoryGrow, Obj,
    SafeBuffer, State, line_of, merge, one,
)
from wasmlint.host.program import FunctionRef
from wasmlint.host.remembered import LENGTHS, measured
from wasmlint.host.throwing import iteration_throws, used
from wasmlint.syntax import node_bytes
from wasmlint.syntax import node_key

_MEMORY_NAME = re.compile(r"^(?:wasm|_?wasm_?|the)?[mM]em(?:ory)?$|[a-z]Memory$")
_INSTANCE_NAME = re.compile(rb"(?i)inst")


def _text(node: Node, limit: int = 60) -> str:
    text = " ".join(node_bytes(node).decode("utf-8", errors="replace").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Members(Access):
    # Provided by the interpreter.
    def use(self, vals: frozenset, node: Node, holder: Node | None, throws: bool = True) -> None:
        raise NotImplementedError

    # -- property reads -------------------------------------------------------------------------------

    def e_member(self, node: Node, st: State) -> frozenset:
        obj_node = node.child_by_field_name("object")
        obj = self.eval(obj_node, st)
        prop = prop_name(node)
        found = self.member_values(obj, prop, node, st)
        if not found and not obj:
            found = self.guessed_member(obj_node, prop, node, st)
        return found

    def guessed_member(self, obj_node: Node | None, prop: str, node: Node, st: State) -> frozenset:
        """What a member of something the analysis does not know is, by its name: the exports and
        memory of a module passed in from outside (`exp.memory.buffer`, `this.wasm.memory`)."""
        if obj_node is None:
            return NOTHING
        text = node_bytes(obj_node)
        if prop == "memory":
            return one(Memory())
        if prop == "buffer" and _MEMORY_NAME.search(text.decode("utf-8", "replace").split(".")[-1]):
            return one(Memo(node_key(node), "ArrayBuffer", line_of(node), _text(node)))
        if prop == "exports" and text != b"module" and (obj_node.type == "member_expression" or _INSTANCE_NAME.search(text)):
            return one(Exports())
        if prop in self.program.learned_exports and obj_node.type == "this":
            return one(Exports())
        return NOTHING

    def member_values(self, vals: frozenset, prop: str, node: Node, st: State) -> frozenset:
        found: frozenset = NOTHING
        for value in vals:
            found = merge(found, self.member_of(value, prop, node, st))
        return found

    def member_of(self, value, prop: str, node: Node, st: State) -> frozenset:
        if isinstance(value, Memo):
            if prop == "buffer" and not value.is_buffer:
                return one(value.derived("ArrayBuffer", node_key(node), value.line, value.text))
            return measured(value) if prop in LENGTHS else NOTHING
        if isinstance(value, Memory):
            if prop == "buffer":
                if value.shared:
                    return one(SafeBuffer())
                return one(Memo(node_key(node), "ArrayBuffer", line_of(node), _text(node)))
            return one(MemoryGrow()) if prop == "grow" else NOTHING
        if isinstance(value, Exports):
            return one(Memory()) if prop == "memory" else one(ExportFn(prop))
        if isinstance(value, ExportFn) and (prop == "buffer" or (prop == "grow" and self.program.reads_buffer_of(value.name))):
            # Only a memory has a buffer: the memory, under a minified name (`asm.b`). A table has a
            # `grow` too, so `.grow` counts only on an export whose buffer the file reads.
            return self.member_of(Memory(), prop, node, st)
        if isinstance(value, Instance):
            if value.result:
                return one(Instance()) if prop == "instance" else NOTHING
            return one(Exports()) if prop == "exports" else NOTHING
        if isinstance(value, Obj):
            getter = self.getter_of(value, prop)
            if getter is not None:
                return self.call_function(getter, [], one(value), st, node)
            found = self.load(value, prop, st)
            if not found and prop == "value" and value.kind in ("array", "set", "map"):
                return self.all_slots(value, st)  # `set.values().next().value`: an element
            if not found and value.cls:
                method = self.method_of(value.cls, prop)
                if method is not None:
                    return one(Func(method.id, one(value)))
            return found
        if isinstance(value, Func):
            cls = self.program.classes.get(value.node_id)
            if cls is not None and prop in cls.statics:
                return one(Func(cls.statics[prop].id, one(value)))
            return st.heap.get((value.node_id, prop), NOTHING)
        if isinstance(value, GlueFn):
            return one(GlueFn(f"{value.name}.{prop}"))
        if isinstance(value, GlueObject):
            return one(GlueFn(f"{value.cls}#{prop}"))
        if isinstance(value, Foreign):
            if not value.name:
                return one(Foreign(value.specifier, prop))
            return one(Foreign(value.specifier, f"{value.name}.{prop}"))
        return NOTHING

    def getter_of(self, obj: Obj, prop: str) -> FunctionRef | None:
        cls = self.program.classes.get(obj.cls)
        while cls is not None:
            if prop in cls.getters:
                return cls.getters[prop]
            cls = self.superclass(cls.id)
        return None

    def method_named(self, class_id: int, prop: str) -> FunctionRef | None:
        return self.method_of(class_id, prop)

    def method_of(self, class_id: int, prop: str) -> FunctionRef | None:
        cls = self.program.classes.get(class_id)
        while cls is not None:
            if prop in cls.methods:
                return cls.methods[prop]
            cls = self.superclass(cls.id)
        return None

    def e_subscript(self, node: Node, st: State) -> frozenset:
        obj_node = node.child_by_field_name("object")
        obj = self.eval(obj_node, st)
        index = node.child_by_field_name("index")
        self.eval(index, st)
        self.use(obj, node, obj_node, throws=False)  # `view[i]`: reads memory now (undefined if detached)
        prop = self.slot_name(node, st)
        found: frozenset = NOTHING
        for value in obj:
            if isinstance(value, Obj) and prop is not None:
                found = merge(found, self.load(value, prop, st) if prop != ELEMENTS else self.all_slots(value, st))
            elif prop is not None and not prop.startswith("["):
                found = merge(found, self.member_of(value, prop, node, st))
        return found

    def all_slots(self, obj: Obj, st: State) -> frozenset:
        found = st.heap.get((obj.site, ELEMENTS), NOTHING)
        if obj.kind == "object":
            for (site, _), vals in st.heap.items():
                if site == obj.site:
                    found = merge(found, vals)
        return found

    def view_write(self, memo: Memo, node: Node) -> None:
        if memo.grows:
            self.use(one(memo), node, node.child_by_field_name("object"), throws=False)

    def elements(self, vals: frozenset, node: Node, st: State, use: bool, holder: Node | None = None) -> frozenset:
        """What iterating `vals` (read at `holder`) gives (`for...of`, spread, destructuring)."""
        if use:
            self.use(vals, node, None, throws=True)
            used(self, vals, holder, st, iteration_throws)  # (iterating a detached typed array throws)
        found: frozenset = NOTHING
        for value in vals:
            if isinstance(value, Obj):
                found = merge(found, self.all_slots(value, st))
        return found

