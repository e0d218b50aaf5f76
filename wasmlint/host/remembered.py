"""Guards that compare with a remembered byte length (issue 21, item 5). A buffer's or view's
length read while it was attached (`heapSize = b.byteLength`) is kept as a `Measured` value: the
buffer it measured. Memory only grows, and a detached buffer's or view's length is 0, so:

- the memory's current length equal to a length measured of buffer B (sqlite-wasm's
  `cache.heapSize === cache.memory.buffer.byteLength`) proves that memory has not grown since B
  was measured: B and every view over it are attached where they are equal;
- a view's length equal to a length measured while it was attached (`words.byteLength !==
  wordsLength`) proves the view is attached where they are equal (0 is never a remembered length
  of an attached whole-memory view).

A length measured of a value that may already have been detached proves nothing and is not kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from tree_sitter import Node

from wasmlint.host.domain import Memo, Memory, State

# (The interpreter is typed `Any` here: members.py imports this module, and the architecture test
# forbids import cycles, also through type-checking imports.)
Interpreter = Any

LENGTHS = ("byteLength", "length")
_EQUAL = (b"===", b"==")
_UNEQUAL = (b"!==", b"!=")


@dataclass(frozen=True, slots=True)
class Measured:
    """The length of an attached buffer or view over memory: `buffer` is the buffer's site."""

    buffer: int


def measured(memo: Memo) -> frozenset:
    """What reading `memo.byteLength` gives: a remembered length, if `memo` was surely attached."""
    return frozenset() if memo.grows or memo.from_entry else frozenset({Measured(memo.origin or memo.site)})


def refine_remembered(interp: "Interpreter", op: bytes, left: Node, right: Node, yes: State, no: State,
                      freshen: Callable[["Interpreter", Node, State], None]) -> bool:
    """Refine `left op right` when one side is a remembered length (see the module's text);
    whether it was one. `freshen`: the guards' re-validation of a tested value (`x` of `x.buffer`
    is the value tested)."""
    if op not in _EQUAL + _UNEQUAL:
        return False
    equal = yes if op in _EQUAL else no
    for tested, other in ((left, right), (right, left)):
        measured_obj, of_other = _length_of(tested), _length_of(other)
        if measured_obj is None or (of_other is not None and _is_live(interp, of_other, yes)):
            continue  # (a length read of the memory's current buffer: the guards' own test)
        remembered = [v for v in interp.eval_quietly(other, yes) if isinstance(v, Measured)]
        if not remembered:
            continue
        if _is_live(interp, measured_obj, yes):
            _freshen_buffers(equal, {m.buffer for m in remembered})
        else:
            freshen(interp, measured_obj, equal)
        return True
    return False


def _length_of(node: Node) -> Node | None:
    """`x` of `x.byteLength` / `x.length`."""
    if node.type != "member_expression":
        return None
    prop = node.child_by_field_name("property")
    if prop is None or (prop.text or b"").decode() not in LENGTHS:
        return None
    return node.child_by_field_name("object")


def _is_live(interp: "Interpreter", node: Node, st: State) -> bool:
    """`memory.buffer`: the memory's current buffer (read fresh, never detached)."""
    if node.type != "member_expression":
        return False
    prop = node.child_by_field_name("property")
    obj = node.child_by_field_name("object")
    return prop is not None and prop.text == b"buffer" and obj is not None and \
        any(isinstance(v, Memory) for v in interp.eval_quietly(obj, st))


def _freshen_buffers(st: State, buffers: set[int]) -> None:
    """The buffers measured, and the views over them, are attached in `st`."""
    def measured_here(v: object) -> bool:
        return isinstance(v, Memo) and (v.origin or v.site) in buffers

    for where in list(st.growing):
        table = st.own_heap() if where[0] else st.cells
        vals = table.get(where[1])
        if vals and any(measured_here(v) and (v.grows or v.from_entry) for v in vals):
            table[where[1]] = frozenset(v.fresh() if measured_here(v) else v for v in vals)
