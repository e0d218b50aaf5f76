"""Guards by meaning: a condition that tests whether a view or buffer detached refines the place it
tests on each branch. On the branch where the test says "attached", the value is fresh (its culprit
calls are cleared: it was re-validated there). Tests: `x.byteLength === 0`, `x.length === 0`,
`x.buffer.byteLength === 0`, `x.buffer !== memory.buffer`, `x !== memory.buffer` (a buffer),
`x.buffer.detached`, a length read for its truth, and their negations, combined with `!`, `&&`,
`||`; `x === null` splits the null path from the others (for `??=`). The place may be reached
through an accessor (`img.pixels`, `box.take()`, `current()`: `access.places`). A value found
attached proves that no call since it was made grew memory, so the values made after it are
attached too (`_freshen_younger`). Where one arm of a guard makes the tested holder another
object, the arms join keeping the re-validated slot (`settle`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from tree_sitter import Node

from wasmlint.host import must
from wasmlint.host.domain import MAX_GROWS, Func, Memo, Memory, Obj, State
from wasmlint.host.invariants import assume, plain
from wasmlint.host.kind_tests import refine_instanceof
from wasmlint.host.remembered import refine_remembered

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
        if op == b"instanceof":  # `x instanceof WebAssembly.Memory`: x is a memory where true
            interp.check(node, st)
            yes, no = st.copy(), st.copy()
            refine_instanceof(interp, left, right, yes)
            assume(interp, node, yes, no)
            return yes, no
        if op in _EQUAL + _UNEQUAL + (b"<", b">", b"<=", b">="):
            interp.check(node, st)
            yes, no = st.copy(), st.copy()
            _refine_comparison(interp, op, left, right, yes, no)
            assume(interp, node, yes, no)
            return yes, no
    interp.check(node, st)
    yes, no = st.copy(), st.copy()
    assume(interp, node, yes, no)
    if _always_truthy(interp, node, st):
        no.dead = True
    subject = _detached_flag(interp, node, st)
    if subject is not None:  # `x.buffer.detached`: attached where false
        freshen(interp, subject, no)
    subject = _length_read(interp, node, st)
    if subject is not None:  # `x.byteLength && x`: a detached view's length is 0, so falsy
        freshen(interp, subject, yes)
    return yes, no


def _always_truthy(interp: "Interpreter", node: Node, st: State) -> bool:
    """A name or member chain that holds only buffers and views: objects, truthy even detached
    (`(!(memory.buffer.byteLength === 0) && this.view) || make()` never makes on `this.view`'s account)."""
    if node.type not in ("identifier", "member_expression", "subscript_expression"):
        return False
    held = interp.quiet_value(node, st)
    return bool(held) and all(isinstance(v, Memo) for v in held)


def _length_read(interp: "Interpreter", node: Node, st: State) -> Node | None:
    """`x.byteLength` / `x.buffer.byteLength` / `x.length` tested for truth: the value tested."""
    if node.type != "member_expression":
        return None
    prop = node.child_by_field_name("property")
    if prop is None or prop.text not in (b"byteLength", b"length"):
        return None
    return _subject(interp, node.child_by_field_name("object"), st)


def tested(interp: "Interpreter", condition: Node | None, st: State) -> tuple[State, State, list[Node]]:
    """`branch`, and the places its tests refined (for `settle`)."""
    mark = len(interp.refined)
    yes, no = branch(interp, condition, st)
    places = interp.refined[mark:]
    del interp.refined[mark:]
    return yes, no, places


def settle(interp: "Interpreter", places: list[Node], one: State, other: State,
           results: tuple[frozenset, frozenset] | None = None) -> None:
    """Before two arms of a guard join: where a tested place no longer leads to an object slot on
    one arm (`if (img.pixels.byteLength === 0) img = new Img(...)` made `img` another object), that
    arm's value in the slot cannot be reached through the guarded place, so the other arm's
    re-validated value stands for it (else the join would bring back the stale one it replaced).
    `results`: the arms' values of a ternary assigned back to the holder the test read through
    (`box = box.take().byteLength ? box : new Box(...)`): an arm whose value is another object
    leaves the tested one behind."""
    if one.dead or other.dead:
        return
    for place in places:
        mine = {key for kind, key in interp.places(place, one) if kind == "heap"}
        theirs = {key for kind, key in interp.places(place, other) if kind == "heap"}
        if results is not None:
            mine -= _sites_left(mine | theirs, results[0])
            theirs -= _sites_left(mine | theirs, results[1])
        for source, target, keys in ((one, other, mine - theirs), (other, one, theirs - mine)):
            for key in keys:
                vals = source.heap.get(key)
                if vals and key in target.heap and not any(isinstance(v, Memo) and v.grows for v in vals):
                    target.own_heap()[key] = vals


def _sites_left(keys: set, result: frozenset) -> set:
    """The slots of objects an arm's value does not hold."""
    sites = {v.site for v in result if isinstance(v, Obj)}
    return {key for key in keys if key[0] not in sites}


def assigned_back(node: Node, places: list[Node]) -> bool:
    """Whether the value of `node` (a ternary) is assigned to the holder a tested place reads
    through (`box = box.take()... ? box : ...`)."""
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is None or parent.type != "assignment_expression":
        return False
    left = _unwrap(parent.child_by_field_name("left"))
    target = left.text if left is not None else None
    return any(_holder_text(place) == target for place in places)


def _holder_text(place: Node) -> bytes | None:
    """`box` of `box.take()`, `img` of `img.pixels`, `f` of `f()`."""
    node = _unwrap(place)
    if node is not None and node.type == "call_expression":
        node = _unwrap(node.child_by_field_name("function"))
        if node is not None and node.type != "member_expression":
            return node.text
    if node is not None and node.type in ("member_expression", "subscript_expression"):
        holder = _unwrap(node.child_by_field_name("object"))
        return holder.text if holder is not None else None
    return None


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
                attached, detached = (no, yes) if op in _EQUAL + (b"<=",) else (yes, no)
                if _is_live_buffer(interp, subject, yes) and must.live_buffer_never_empty(interp):
                    detached.dead = True  # (`memory.buffer` is never detached nor empty)
                    return
                freshen(interp, subject, attached)
                return
            if name == b"detached" and subject is not None:
                if _is_literal(other, b"true"):
                    freshen(interp, subject, no if op in _EQUAL else yes)
                elif _is_literal(other, b"false"):
                    freshen(interp, subject, yes if op in _EQUAL else no)
                return
    if refine_remembered(interp, op, left, right, yes, no,
                         lambda i, place, st: freshen(i, _subject(i, place, st) or place, st)):  # a remembered length
        return
    # x.buffer.byteLength !== memory.buffer.byteLength: only the memory's current buffer is attached
    # (a detached one has byteLength 0), so x is attached where they are equal.
    for tested, other in ((left, right), (right, left)):
        if _is_byte_length(other) and _is_live_buffer(interp, other.child_by_field_name("object"), yes) \
                and _is_byte_length(tested):
            measured = _unwrap(tested.child_by_field_name("object"))
            subject = _subject(interp, measured, yes)
            if subject is not None and measured is not None and not _is_live_buffer(interp, measured, yes):
                freshen(interp, subject, yes if op in _EQUAL else no)
                return
    # x.buffer !== memory.buffer / buf !== memory.buffer: attached where equal.
    for tested, other in ((left, right), (right, left)):
        if _is_live_buffer(interp, other, yes):
            subject = _subject(interp, tested, yes)
            if subject is not None and not _is_live_buffer(interp, tested, yes):
                freshen(interp, subject, yes if op in _EQUAL else no)
                return


def _is_byte_length(node: Node) -> bool:
    prop = node.child_by_field_name("property") if node.type == "member_expression" else None
    return prop is not None and prop.text == b"byteLength"


def _is_live_buffer(interp: "Interpreter", node: Node | None, st: State) -> bool:
    if node is None:
        return False
    node = _unwrap(node) or node
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


def freshen(interp: "Interpreter", place: Node, st: State) -> None:
    """On this branch the value at `place` is attached: re-validated, so fresh. A buffer
    re-validated re-validates the views made over it (`if (this._buf !== memory.buffer)`)."""
    interp.refined.append(place)
    if must.attached_is_dead(interp, place, st):
        return
    tested = [v for key in interp.places(place, st) for v in _held(key, st) if isinstance(v, Memo)]
    _rewrite(interp, place, st, _fresh)
    _freshen_younger(tested, st)
    buffers = {v.origin or v.site for key in interp.places(place, st) for v in _held(key, st)
               if isinstance(v, Memo) and v.is_buffer}
    if buffers:
        for table in (st.cells, st.own_heap()):
            for slot, vals in table.items():
                if any(isinstance(v, Memo) and v.grows and v.origin in buffers for v in vals):
                    table[slot] = frozenset(v.fresh() if isinstance(v, Memo) and v.origin in buffers else v
                                            for v in vals)


def _freshen_younger(tested: list[Memo], st: State) -> None:
    """A value found attached proves that none of the calls since it was made grew memory, so
    every value made since (whose calls are among those) is attached too: a test of an older view
    re-validates a younger one (`(!(pool.at(0).length === 0) && this.view) || ...`)."""
    if not tested or any(not v.grows for v in tested):
        return
    # (A tested view's list may be cut at MAX_GROWS: what it keeps did happen, so it still proves
    # those calls; a younger view's cut list may miss calls, so it is left alone.)
    # (Calls by where they are made: the literals they were recorded under tell no other call.)
    proven = set(plain(tested[0].grows)).intersection(*(plain(v.grows) for v in tested[1:]))

    def younger(v: object) -> bool:
        return isinstance(v, Memo) and 0 < len(v.grows) < MAX_GROWS and proven.issuperset(plain(v.grows))

    for where in list(st.growing):
        table = st.own_heap() if where[0] else st.cells
        vals = table.get(where[1])
        if vals and any(younger(v) for v in vals):
            table[where[1]] = frozenset(v.fresh() if isinstance(v, Memo) and younger(v) else v for v in vals)


def _drop_null(interp: "Interpreter", place: Node, st: State) -> None:
    _rewrite(interp, place, st, lambda vals: frozenset(v for v in vals if v != "null") if "null" in vals else vals)


def _fresh(vals: frozenset) -> frozenset:
    if not any(isinstance(v, Memo) for v in vals):
        return vals
    return frozenset(v.fresh() if isinstance(v, Memo) else v for v in vals)


def _held(key: tuple, st: State) -> frozenset:
    if key[0] == "env":
        return st.cells.get(key[1][2], frozenset())
    return (st.cells if key[0] == "cell" else st.heap).get(key[1], frozenset())


def _rewrite(interp: "Interpreter", place: Node, st: State, change: Callable[[frozenset], frozenset]) -> None:
    """Apply `change` to the value at each place `place` names: a variable, an object slot, or a
    variable a closure captured (in the closure value its holder keeps, so a later call sees it)."""
    for kind, key in interp.places(place, st):
        if kind == "env":
            holder, function_id, captured = key
            funcs = st.cells.get(holder)
            if funcs:
                st.cells[holder] = frozenset(_closure_changed(v, function_id, captured, change) for v in funcs)
            continue
        table = st.cells if kind == "cell" else st.heap
        vals = table.get(key)
        if vals:
            changed = change(vals)
            if changed != vals:
                (st.cells if kind == "cell" else st.own_heap())[key] = changed


def _closure_changed(value: object, function_id: int, captured: tuple,
                     change: Callable[[frozenset], frozenset]) -> object:
    if not isinstance(value, Func) or value.node_id != function_id:
        return value
    env = tuple((cell, change(vals) if cell == captured else vals) for cell, vals in value.env)
    return Func(value.node_id, value.this, env)
