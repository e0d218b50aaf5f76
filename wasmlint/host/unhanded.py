"""Functions kept in an object only the file's own code reaches: `const api = { alloc: (...a) =>
ex.alloc(...a) }` in an ES module, where every mention of `api` calls one of its functions
(`api.alloc(8)`). Such a function runs only where the file calls it, never on its own; one the
file hands out (exports, stores elsewhere, passes on, or declares in a classic script, where
other scripts see its top-level names) may run at any time."""

from __future__ import annotations

import re

from tree_sitter import Node

from wasmlint.host.program import FunctionRef, Program
from wasmlint.syntax import node_bytes

_MODULE_SYNTAX = re.compile(rb"^\s*(import|export)\b", re.MULTILINE)


def kept_local(program: Program, function: FunctionRef, cache: dict[str, bool]) -> bool:
    """Whether the function is a property of such an object (`cache`: per object name)."""
    pair = function.node.parent
    obj = pair.parent if pair is not None and pair.type == "pair" else None
    declarator = obj.parent if obj is not None and obj.type == "object" else None
    if declarator is None or declarator.type != "variable_declarator":
        return False
    declaration = declarator.parent
    if (declaration is None or declaration.parent is None or declaration.parent.type != "program"
            or not _MODULE_SYNTAX.search(program.source)):
        return False
    name_node = declarator.child_by_field_name("name")
    if name_node is None or name_node.type != "identifier":
        return False
    name = node_bytes(name_node).decode()
    if name not in cache:
        cache[name] = _only_called(program.source, declaration.parent, name, name_node.start_byte)
    return cache[name]


_CALL = re.compile(rb"\s*\??\.\s*[A-Za-z_$][\w$]*\s*\(")


def _only_called(source: bytes, root: Node, name: str, declared_at: int) -> bool:
    """Whether every mention of `name` but its declaration calls one of its properties (the word
    in a comment or a string is no mention)."""
    for match in re.finditer(rb"(?<![\w$.])" + re.escape(name.encode()) + rb"(?![\w$])", source):
        if match.start() == declared_at:
            continue
        at = root.descendant_for_byte_range(match.start(), match.end())
        if at is None or at.type not in ("identifier", "shorthand_property_identifier"):
            continue
        if at.type != "identifier" or not _CALL.match(source, match.end()):
            return False
    return True
