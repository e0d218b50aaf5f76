"""Guards by meaning: a condition that tests whether a view or buffer detached refines the place it
tests on each branch. On the branch where the test says "attached", the value is fresh (its culprit
calls are cleared: it was re-validated there). Tests: `x.byteLength === 0`, `x.length === 0`,
`x.buffer.byteLength === 0`, `x.buffer !== memory.buffer`, `x !== memory.buffer` (a buffer),
`x.buffer.detached`, and their negations, combined with `!`, `&&`, `||`; `x === null` splits
the null path from the others (for `??=`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from wasmlint.host.domain import Memo, Memory, State

if TYPE_CHECKING:
    from wasmlint.host.calls import Calls as Interpreter

_EQUAL = (b"===", b"==")
_UNEQUAL = (b"!==", b"!=")


def _unwrap(node: Node | None) -> Node | None:
    while node is not None and node.type in ("parenthesized_expression", "as_expression", "non_null_expression"):
        inner = [c for c in node.named_children if c.type != "comment"]
        node = inner[0] if inner else None
    return node


def branch(interp: "Interpreter", condition: Node | None, st: State) -> tuple[State, State]:
    """The states where `condition` is true and where it is false (each a new State; `st` is
    left as it was before the test, with the test's effects)."""
    node = _unwrap(condition)
    if node is None:
        return st.copy(), st.copy()
    if node.type == "unary_expression":
        operator = node.child_by_field_name("operator")
        if operator is not None and operator.text == b"!":
            yes, no = branch(interp, node.child_by_field_name("argument"), st)
            return no, yes
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        op = operator.text if operator is not None else b""
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op == b"&&":
            left_yes, left_no = branch(interp, left, st)
            right_yes, right_no = branch(interp, right, left_yes)
            return right_yes, left_no.join(right_no)
        if op == b"||":
            left_yes, left_no = branch(interp, left, st)
            right_yes, right_no = branch(interp, right, left_no)
            return left_yes.join(right_yes), right_no
        if op in _EQUAL + _UNEQUAL + (b"<", b">", b"<=", b">="):
            interp.check(node, st)
            yes, no = st.copy(), st.copy()
            _refine_comparison(interp, op, left, right, yes, no)
            return yes, no
    interp.check(node, st)
    yes, no = st.copy(), st.copy()
    subject = _detached_flag(interp, node, st)
    if subject is not None:  # `x.buffer.detached`: attached where false
        _freshen(interp, subject, no)
    return yes, no


def _detached_flag(interp: "Interpreter", node: Node, st: State) -> Node | None:
    """`x.buffer.detached` / `x.detached`: the value tested."""
    if node.type != "member_expression":
        return None
    prop = node.child_by_field_name("property")
    if prop is None or prop.text != b"detached":
        return None
    return _subject(interp, node.child_by_field_name("object"), st)


def _subject(interp: "Interpreter", node: Node | None, st: State) -> Node | None:
    """The value a test reads through: `x` of `x.buffer` (a view's buffer detaches with it),
    unless `x` is the memory itself. Decided by `x`'s value; its name only when nothing is known:
    old wasm-bindgen glue names its cached view `cachegetUint8Memory`."""
    node = _unwrap(node)
    if node is not None and node.type == "member_expression":
        prop = node.child_by_field_name("property")
        if prop is not None and prop.text == b"buffer":
            inner = _unwrap(node.child_by_field_name("object"))
            if inner is not None and not _is_memory(interp, inner, node, st):
                return inner
    return node


def _is_memory(interp: "Interpreter", obj: Node, member: Node, st: State) -> bool:
    """Whether `obj` of `obj.buffer` is the memory: by what it holds, read without running
    anything (a getter run here would spend its budget); by its name only when nothing is known."""
    value = interp.quiet_value(obj, st)
    return any(isinstance(v, Memory) for v in value) or (not value and _names_memory_buffer(member))


def _names_memory_buffer(node: Node) -> bool:
    """`memory.buffer`, `exports.memory.buffer`, `wasmMemory.buffer`: the live buffer, not a view's."""
    obj = _unwrap(node.child_by_field_name("object"))
    if obj is None:
        return False
    text = obj.text or b""
    return text.endswith(b"memory") or text.endswith(b"Memory") or text.endswith(b"mem")


def _is_literal(node: Node | None, *values: bytes) -> bool:
    node = _unwrap(node)
    return node is not None and node.text in values


def _refine_comparison(interp: "Interpreter", op: bytes, left: Node | None, right: Node | None,
                       yes: State, no: State) -> None:
    left, right = _unwrap(left), _unwrap(right)
    if left is None or right is None:
        return
    for tested, other in ((left, right), (right, left)):
        # x === null: the null path apart.
        if _is_literal(other, b"null", b"undefined"):
            is_null, not_null = (yes, no) if op in _EQUAL else (no, yes)
            _drop_null(interp, tested, not_null)
            return
        if tested.type == "member_expression":
            prop = tested.child_by_field_name("property")
            name = prop.text if prop is not None else b""
            subject = _subject(interp, tested.child_by_field_name("object"), yes)
            if name in (b"byteLength", b"length") and subject is not None and _is_literal(other, b"0"):
                # `=== 0`: detached where true; `!== 0`, `> 0`: attached where true.
                attached = no if op in _EQUAL + (b"<=",) else yes
                _freshen(interp, subject, attached)
                return
            if name == b"detached" and subject is not None:
                if _is_literal(other, b"true"):
                    _freshen(interp, subject, no if op in _EQUAL else yes)
                elif _is_literal(other, b"false"):
                    _freshen(interp, subject, yes if op in _EQUAL else no)
                return
    # x.buffer !== memory.buffer / buf !== memory.buffer: attached where equal.
    for tested, other in ((left, right), (right, left)):
        if _is_live_buffer(interp, other, yes):
            subject = _subject(interp, tested, yes)
            if subject is not None and not _is_live_buffer(interp, tested, yes):
                _freshen(interp, subject, yes if op in _EQUAL else no)
                return


def _is_live_buffer(interp: "Interpreter", node: Node, st: State) -> bool:
    if node.type != "member_expression":
        return False
    prop = node.child_by_field_name("property")
    if prop is None or prop.text != b"buffer":
        return False
    obj = node.child_by_field_name("object")
    if obj is None:
        return False
    value = interp.eval_quietly(obj, st)
    return any(isinstance(v, Memory) for v in value) or (not value and _names_memory_buffer(node))


def _freshen(interp: "Interpreter", place: Node, st: State) -> None:
    """On this branch the value at `place` is attached: re-validated, so fresh. A buffer
    re-validated re-validates the views made over it (`if (this._buf !== memory.buffer)`)."""
    buffers: set[int] = set()
    for key in interp.places(place, st):
        table = st.cells if key[0] == "cell" else st.heap
        slot = key[1]
        vals = table.get(slot)
        if vals and any(isinstance(v, Memo) for v in vals):
            table[slot] = frozenset(v.fresh() if isinstance(v, Memo) else v for v in vals)
            buffers |= {v.origin or v.site for v in vals if isinstance(v, Memo) and v.is_buffer}
    if buffers:
        for table in (st.cells, st.heap):
            for slot, vals in table.items():
                if any(isinstance(v, Memo) and v.grows and v.origin in buffers for v in vals):
                    table[slot] = frozenset(v.fresh() if isinstance(v, Memo) and v.origin in buffers else v
                                            for v in vals)


def _drop_null(interp: "Interpreter", place: Node, st: State) -> None:
    for key in interp.places(place, st):
        table = st.cells if key[0] == "cell" else st.heap
        vals = table.get(key[1])
        if vals and "null" in vals:
            table[key[1]] = frozenset(v for v in vals if v != "null")
