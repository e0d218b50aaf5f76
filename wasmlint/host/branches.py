"""Joining the two branches of a test. A branch that re-made an object (`if (stale(k.view)) k = new
K(fresh)`) let the old one go: its slots there are garbage, not what a later `k.view` reads, so they
add nothing to the join (`held.let_go`). An assignment of a choice (`x = test ? a : b`,
`x = (ok && x) || fresh`) assigns on each branch before the join, so that the branch that re-made
`x` holds only the new object."""

from __future__ import annotations

from tree_sitter import Node

from wasmlint.host.access import Frame, unwrap
from wasmlint.host.construction import Construction
from wasmlint.host.domain import NOTHING, State, merge
from wasmlint.host.guards import branch
from wasmlint.host.held import let_go


class Branches(Construction):
    def join_paths(self, yes: State, no: State, held_yes: frozenset = NOTHING,
                   held_no: frozenset = NOTHING) -> State:
        """The two branches of a test, joined; an object one branch let go of adds nothing of
        its slots from there (`held_*`: the branch's value being evaluated, held although in no
        variable)."""
        if yes.dead or no.dead:
            return yes.join(no)
        roots = NOTHING
        frame: Frame | None = self.frame
        while frame is not None:
            roots = roots | frame.this | frame.returned
            frame = frame.outer
        return let_go(yes, no, roots | held_yes).join(let_go(no, yes, roots | held_no))

    def assign_per_branch(self, left: Node, right: Node, st: State) -> frozenset:
        """`x = test ? a : b`, `x = (ok && x) || fresh`: each branch assigns its own value before
        the branches join, so the branch that re-made `x` holds only the new object (the old one,
        let go there, adds nothing of its slots to what `x` reads afterwards)."""
        if right.type == "ternary_expression":
            yes, no = branch(self, right.child_by_field_name("condition"), st)
            first = self.eval(right.child_by_field_name("consequence"), yes)
            second = self.eval(right.child_by_field_name("alternative"), no)
        else:
            operator = right.child_by_field_name("operator")
            test = right.child_by_field_name("left")
            other = right.child_by_field_name("right")
            yes, no = branch(self, test, st)
            if operator is not None and operator.text == b"||":
                first = self.eval_quietly(test, yes)
                second = self.eval(other, no)
            else:
                no, yes = yes, no  # `a && b`: `a` where it is falsy, `b` where it runs
                first = NOTHING
                second = self.eval(other, no)
        for path, value in ((yes, first), (no, second)):
            if not path.dead:
                self.assign(left, value, path)
        st.become(self.join_paths(yes, no, first, second))
        return merge(first if not yes.dead else NOTHING, second if not no.dead else NOTHING)


def assigns_per_branch(left: Node | None, right: Node | None) -> Node | None:
    """The choice `right` is when `left = right` assigns on each branch (None: it does not)."""
    chosen = unwrap(right)
    if left is None or chosen is None or not _plain_place(left):
        return None
    return chosen if chosen.type == "ternary_expression" or is_logical(chosen) else None


def is_logical(node: Node) -> bool:
    if node.type != "binary_expression":
        return False
    operator = node.child_by_field_name("operator")
    return operator is not None and operator.text in (b"&&", b"||")


def _plain_place(place: Node) -> bool:
    """A place assigning to twice has no effects: `x`, `this.x`, `obj.x`, `this.#x`."""
    node = unwrap(place)
    if node is None:
        return False
    if node.type == "identifier":
        return True
    if node.type == "member_expression":
        obj = unwrap(node.child_by_field_name("object"))
        return obj is not None and obj.type in ("identifier", "this")
    return False
