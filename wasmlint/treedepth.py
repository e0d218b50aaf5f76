"""How deep a parse tree may be searched, and a cheap test of whether a tree goes deeper.

tree-sitter's query cursor slows to a crawl past 65535 levels (100k nested arrow functions: a
minute for one query; a 2 MB chain of `+` never finished): every query wasmlint runs starts its
patterns no deeper than MAX_DEPTH, and a file nested deeper gets a note saying that what lies
below was not analysed. Real code nests well under a hundred levels (TypeScript's 9 MB compiler:
66); long generated chains (`else if`, `+`) reach tens of thousands and are still analysed.
"""

from __future__ import annotations

from tree_sitter import Node, Query, QueryCursor

MAX_DEPTH = 50_000


def bounded_cursor(query: Query) -> QueryCursor:
    """A cursor for `query` that starts no pattern deeper than MAX_DEPTH below the node it runs on."""
    cursor = QueryCursor(query)
    cursor.set_max_start_depth(MAX_DEPTH)
    return cursor


def deeper_than(root: Node, limit: int = MAX_DEPTH) -> Node | None:
    """A node more than `limit` levels below `root`, or None.

    A subtree of n nodes is at most n - 1 levels deep, and a node knows how many it holds, so
    only subtrees large enough to reach that deep are entered: a large flat file costs the
    children of its few largest nodes, a small file nothing. A cursor walks them (it knows its
    own way back up; a node does not).
    """
    if root.descendant_count <= limit:
        return None
    cursor = root.walk()
    depth = 0
    while True:
        node = cursor.node
        if depth > limit:
            return node
        if node is not None and depth + node.descendant_count - 1 > limit and cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if depth == 0 or not cursor.goto_parent():
                return None
            depth -= 1
