"""Loops whose first test is decided by the text: `for (let i = 0; i < 2; i++)` runs its body at
least once, so what holds after it never includes the state as if the body never ran."""

from __future__ import annotations

import operator

from tree_sitter import Node

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "!=": operator.ne, "!==": operator.ne}


def _number(node: Node | None) -> float | None:
    if node is None:
        return None
    if node.type == "unary_expression" and node.child_count == 2 and node.children[0].type == "-":
        inner = _number(node.children[1])
        return None if inner is None else -inner
    if node.type != "number" or node.text is None:
        return None
    try:
        return float(int(node.text, 0)) if node.text[:2].lower() in (b"0x", b"0o", b"0b") else float(node.text)
    except ValueError:
        return None


def first_test_holds(for_node: Node) -> bool:
    """Whether a `for` loop's condition holds on entry: its initializer binds one name to a number
    and the condition compares that name with a number (`i < 2`, `n >= 0`), true for those values."""
    initializer = for_node.child_by_field_name("initializer")
    condition = for_node.child_by_field_name("condition")
    if initializer is None or condition is None:
        return False
    if condition.type == "expression_statement" and condition.named_child_count == 1:
        condition = condition.named_children[0]
    declarators = [c for c in initializer.named_children if c.type == "variable_declarator"]
    if initializer.type not in ("lexical_declaration", "variable_declaration") or len(declarators) != 1:
        return False
    name, start = declarators[0].child_by_field_name("name"), _number(declarators[0].child_by_field_name("value"))
    if name is None or name.type != "identifier" or start is None or condition.type != "binary_expression":
        return False
    left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
    op = condition.child_by_field_name("operator")
    compare = _COMPARE.get(op.type) if op is not None else None
    bound = _number(right)
    if compare is None or left is None or left.type != "identifier" or left.text != name.text or bound is None:
        return False
    return bool(compare(start, bound))
