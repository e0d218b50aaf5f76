"""Invariant conditions: a test whose value cannot change while the program runs. Two branches on
the same invariant are correlated: no run takes both sides. `if (FLAGS.f0) use(view)` in one
function and `if (!FLAGS.f0) alloc()` in another never meet in one run, so the call cannot have
detached the view used there.

An invariant is the truth of a top-level `const` binding (bound once, never re-bound: a write to it
throws), or of a member chain on such a binding (`FLAGS.f0`, `CONFIG.log.level`) whose object no
code can change: made by `JSON.parse` or an object literal with plain properties, never exported,
and named only as the head of chains that are read (no assignment, update, `delete`, method call,
or destructuring target anywhere; a chain read as a value hands out its object, so the chains
through it are not invariant). Or the comparison of such a chain with a literal
(`MODE === 'fast'`). The prototype's properties are assumed untouched (`Object.prototype.x = ...`).

A path keeps the literals in force on it (`State.facts`: (atom, truth) pairs, intersected where
paths join); each growing call records those of where it happened (`Grow.assumes`). Where a test
makes a literal hold, a call recorded under its opposite cannot have happened in this run: it is
dropped from every buffer and view the path holds (they are not stale by it, nor is it named), and
a branch that contradicts the path's literals is not taken at all."""

from __future__ import annotations

import dataclasses
import re
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from wasmlint.host import call_lists
from wasmlint.host.access import unwrap
from wasmlint.host.domain import Memo, State, rewrite_memos
from wasmlint.host.program import ROOT
from wasmlint.host.values import Grow
from wasmlint.syntax import node_bytes, node_key

if TYPE_CHECKING:
    from wasmlint.host.program import Program

_WRAPPERS = ("parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression",
             "type_assertion")
_LITERALS = ("string", "number", "true", "false", "null", "undefined")
_COMPARISONS = {b"===": (b"===", True), b"!==": (b"===", False), b"==": (b"==", True), b"!=": (b"==", False)}
# Where a chain is written, or its object handed to code that may change it (a method's `this`).
_WRITING_PARENTS = ("update_expression", "for_in_statement", "array_pattern", "object_pattern", "pair_pattern",
                    "assignment_pattern", "object_assignment_pattern", "rest_pattern")
# Where a name is declared rather than read (a second binding of the same name at the top level).
_DECLARING_PARENTS = ("variable_declarator", "formal_parameters", "required_parameter", "optional_parameter",
                      "function_declaration", "generator_function_declaration", "class_declaration",
                      "import_specifier", "namespace_import", "import_clause", "catch_clause",
                      "array_pattern", "object_pattern", "pair_pattern", "assignment_pattern", "rest_pattern",
                      "object_assignment_pattern")


@dataclass
class _Binding:
    """A top-level `const`: whether its members can be invariant, and the chains handed out."""

    declarator: Node
    scanned: bool = False
    count: int = 1  # declarations of the name that the top level's references may read
    sealed: bool = True  # no chain on it is written, and its object is not exported
    escaped: set = field(default_factory=set)  # chains (tuples of names) read as values


@dataclass
class Invariants:
    """The top-level `const` bindings of one file, by name."""

    token: int
    bindings: dict[str, _Binding]
    program: "Program"

    def atom(self, scope_of, condition: Node) -> tuple | None:
        """The invariant `condition` tests for truth, or None. `scope_of(name)`: the scope a name
        read where the test runs belongs to."""
        node = unwrap(condition)
        if node is None:
            return None
        if node.type == "binary_expression":
            operator = node.child_by_field_name("operator")
            compared = _COMPARISONS.get((operator.text or b"") if operator is not None else b"")
            if compared is None:
                return None
            left, right = unwrap(node.child_by_field_name("left")), unwrap(node.child_by_field_name("right"))
            if left is None or right is None:
                return None
            if left.type in _LITERALS:
                left, right = right, left
            if right.type not in _LITERALS:
                return None
            chain = self._chain(scope_of, left)
            if chain is None:
                return None
            return chain + (compared[0], node_bytes(right))
        return self._chain(scope_of, node)

    def polarity(self, condition: Node) -> bool:
        """False for `!==` / `!=`: the atom holds where the test fails."""
        node = unwrap(condition)
        if node is not None and node.type == "binary_expression":
            operator = node.child_by_field_name("operator")
            compared = _COMPARISONS.get((operator.text or b"") if operator is not None else b"")
            return compared[1] if compared is not None else True
        return True

    def _chain(self, scope_of, node: Node) -> tuple | None:
        names: list[str] = []
        while node.type == "member_expression":
            prop = node.child_by_field_name("property")
            inner = unwrap(node.child_by_field_name("object"))
            if prop is None or prop.type not in ("property_identifier",) or inner is None:
                return None
            names.append(node_bytes(prop).decode())
            node = inner
        if node.type != "identifier":
            return None
        name = node_bytes(node).decode()
        binding = self.bindings.get(name)
        if binding is None or scope_of(name) != ROOT:
            return None
        if not binding.scanned:  # (a file's mentions of a name are read when a test first asks)
            _scan(self.program, name, binding)
        if binding.count != 1:
            return None
        names.reverse()
        if names:
            if not binding.sealed or not _plain_along(binding.declarator.child_by_field_name("value"), tuple(names)):
                return None
            if any(tuple(names[:depth]) in binding.escaped for depth in range(len(names))):
                return None  # an object on the way was handed out: others may change it
        return (self.token, binding.declarator.start_byte, *names)


def invariants_of(program: "Program") -> Invariants:
    """The file's top-level `const` bindings, found once per file."""
    known = program.invariants
    if known is None:
        known = program.invariants = _collect(program)
    return known


def _collect(program: "Program") -> Invariants:
    bindings: dict[str, _Binding] = {}
    root = program.root
    if root is None:
        return Invariants(_token(program), bindings, program)
    for statement in root.named_children:
        exported = statement.type == "export_statement"
        declaration = statement.child_by_field_name("declaration") if exported else statement
        if declaration is None or declaration.type != "lexical_declaration":
            continue
        if not any(c.type == "const" for c in declaration.children):
            continue
        for declarator in declaration.named_children:
            name = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
            if name is None or name.type != "identifier":
                continue
            bindings[node_bytes(name).decode()] = _Binding(declarator, sealed=not exported)
    return Invariants(_token(program), bindings, program)


def _token(program: "Program") -> int:
    """The file's part of its atoms (a host runs other files' code on the same paths). From its
    text, not its address: an address would order the literals, and so the calls, differently
    from run to run."""
    return zlib.crc32(program.source) ^ (len(program.source) << 32)


def _plain_along(value: Node | None, names: tuple) -> bool:
    """Whether each object on the way of the chain `names` from the initializer `value` is made of
    plain data properties that no other code holds: `JSON.parse(...)` (any depth), an object
    literal of plain pairs (no getter, method, spread or computed key), `Object.freeze(x)` as `x`."""
    for depth, name in enumerate(names):
        value = unwrap(value)
        if value is None:
            return False
        if value.type == "call_expression":
            callee = node_bytes(value.child_by_field_name("function") or value).replace(b" ", b"")
            args = value.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            if callee == b"JSON.parse":
                return True
            if callee == b"Object.freeze":
                return _plain_along(first, names[depth:])
            return False
        if value.type != "object":
            return False
        found: Node | None = None
        for child in value.named_children:
            if child.type == "comment":
                continue
            if child.type == "shorthand_property_identifier":
                if node_bytes(child).decode() == name:
                    found = child  # the value of another variable: nothing deeper is known
                continue
            key = child.child_by_field_name("key") if child.type == "pair" else None
            if key is None or key.type not in ("property_identifier", "string", "number") \
                    or b"__proto__" in node_bytes(key):
                return False
            if node_bytes(key).decode().strip("'\"") == name:
                found = child.child_by_field_name("value")
        if depth == len(names) - 1:
            return True  # the last property's own value may be anything: it is read, not walked
        if found is None or found.type == "shorthand_property_identifier":
            return False
        value = found
    return True


def _scan(program: "Program", name: str, binding: _Binding) -> None:
    """Every mention of `name` that reads the top-level binding: another declaration of the name
    there, a write through a chain, or a chain handed out (found by the name's text, then its node:
    a bundle has too many nodes to walk for a few names)."""
    binding.scanned = True
    root = program.root
    declared_at = binding.declarator.child_by_field_name("name")
    if root is None or declared_at is None:
        return
    word = re.compile(rb"(?<![\w$])" + re.escape(name.encode()) + rb"(?![\w$])")
    for found in word.finditer(program.source):
        if found.start() == declared_at.start_byte:
            continue
        node = root.descendant_for_byte_range(found.start(), found.end())
        if node is None or node.type not in ("identifier", "shorthand_property_identifier",
                                             "shorthand_property_identifier_pattern"):
            continue  # a property name, a string, a comment
        if program.scope_of(name, _scope(program, node)) == ROOT:
            _mention(node, binding)


def _scope(program: "Program", node: Node) -> int:
    parent = node.parent
    while parent is not None:
        if node_key(parent) in program.functions:
            return node_key(parent)
        parent = parent.parent
    return ROOT


def _mention(node: Node, binding: _Binding) -> None:
    parent = node.parent
    if node.type != "identifier" or parent is None:
        if node.type == "shorthand_property_identifier":
            binding.escaped.add(())  # `{ FLAGS }`: the object handed out
        else:
            binding.count += 1  # a pattern declaring the name again
        return
    if parent.type in _DECLARING_PARENTS and parent.type != "variable_declarator" or (
            parent.type == "variable_declarator" and parent.child_by_field_name("name") == node):
        binding.count += 1
        return
    names: list[str] = []
    top = node
    while top.parent is not None and top.parent.type == "member_expression" and top.parent.child_by_field_name("object") == top:
        prop = top.parent.child_by_field_name("property")
        names.append(node_bytes(prop).decode() if prop is not None and prop.type == "property_identifier" else "[]")
        top = top.parent
    while top.parent is not None and top.parent.type in _WRAPPERS:
        top = top.parent
    context = top.parent
    if not names:
        tested = context is not None and context.type == "unary_expression" and node_bytes(context)[:1] in (b"!", b"t")
        if not tested:  # (`!FLAGS`, `typeof FLAGS` hand nothing out)
            binding.escaped.add(())
        return
    if "[]" in names:
        binding.sealed = False  # a computed member: which one is not known
        return
    if context is None:
        return
    field_of = _field_of(context, top)
    writes = (context.type in ("assignment_expression", "augmented_assignment_expression") and field_of == "left") \
        or context.type in _WRITING_PARENTS \
        or (context.type == "unary_expression" and node_bytes(context).startswith(b"delete")) \
        or (context.type == "call_expression" and field_of == "function")
    if writes:
        binding.sealed = False
        return
    binding.escaped.add(tuple(names))


def _field_of(parent: Node, child: Node) -> str | None:
    for name in ("left", "function", "right", "object", "argument"):
        found = parent.child_by_field_name(name)
        if found is not None and found.start_byte == child.start_byte and found.end_byte == child.end_byte:
            return name
    return None


# -- facts on a path --------------------------------------------------------------------------------


def assume(interp, condition: Node, yes: State, no: State) -> None:
    """`condition` was tested (`yes`, `no`: where it held and where it failed): where it tests an
    invariant, each side now knows its truth."""
    program = interp.program
    found = invariants_of(program)
    if not found.bindings:
        return
    frame_scope = interp.frame.scope
    atom = found.atom(lambda name: program.scope_of(name, frame_scope), condition)
    if atom is None:
        return
    truth = found.polarity(condition)
    hold(yes, (atom, truth))
    hold(no, (atom, not truth))


def hold(st: State, literal: tuple) -> None:
    """On this path `literal` holds: a path that knew its opposite is never taken; calls recorded
    under its opposite never happened here."""
    if st.dead or literal in st.facts:
        return
    opposite = (literal[0], not literal[1])
    if opposite in st.facts:
        st.dead = True
        return
    st.facts = st.facts | {literal}
    for where in list(st.growing):
        table = st.cells if where[0] == 0 else st.heap
        vals = table.get(where[1])
        if vals:
            kept = _without(vals, opposite)
            if kept is not vals:
                (st.cells if where[0] == 0 else st.own_heap())[where[1]] = kept  # (a shared heap is copied first)


def _without(vals: frozenset, opposite: tuple) -> frozenset:
    def without(v: Memo) -> Memo:
        if not any(opposite in g.assumes for g in v.grows):
            return v
        grows = tuple(g for g in v.grows if opposite not in g.assumes)
        return v.only(grows) if grows else v.fresh()

    return rewrite_memos(vals, without)


def assumed(grow: Grow, facts: frozenset) -> Grow:
    """`grow` recorded where `facts` hold."""
    call_lists.ASSUMING = True
    return dataclasses.replace(grow, assumes=facts)


def under(grow: Grow, facts: frozenset) -> Grow | None:
    """A call a function was seen to make, made again where `facts` hold: None if it cannot
    happen there. It stays the same call (not one recorded under `facts` too): the same call
    under several sets of literals would crowd out other calls a value keeps (`MAX_GROWS`)."""
    if grow.assumes and any((atom, not truth) in facts for atom, truth in grow.assumes):
        return None
    return grow


def unassumed(grows: tuple, facts: frozenset) -> tuple:
    """Calls a function made, without the literals its caller knew when it was called: what the
    function's summary says holds wherever it is called."""
    if not facts or not any(g.assumes for g in grows):
        return grows
    return tuple(dataclasses.replace(g, assumes=g.assumes - facts) if g.assumes & facts else g for g in grows)


def unassumed_values(vals: frozenset, facts: frozenset) -> frozenset:
    """A returned value as a summary keeps it: its calls without the caller's literals."""
    if not facts or not any(isinstance(v, Memo) and v.grows for v in vals):
        return vals
    return frozenset(dataclasses.replace(v, grows=unassumed(v.grows, facts), sure=unassumed(v.sure, facts))
                     if isinstance(v, Memo) else v
                     for v in vals)


def plain(grows: tuple) -> tuple:
    """The calls as a finding names them: without the literals they were recorded under (the
    same call seen under several is one)."""
    if not any(g.assumes for g in grows):
        return grows
    return tuple(dict.fromkeys(dataclasses.replace(g, assumes=frozenset()) if g.assumes else g for g in grows))
