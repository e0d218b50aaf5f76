"""A stale use, recorded: one finding per use site, whichever views and paths reach it, named by
the view made first in the text and by the innermost use on its line, with the growing calls of
every path that reached it in the order of the text."""

from __future__ import annotations

import dataclasses

from tree_sitter import Node

from wasmlint.host.callbacks import seen_in
from wasmlint.host.domain import Memo, with_grows
from wasmlint.host.invariants import plain
from wasmlint.host.program import Program
from wasmlint.host.values import StaleUse
from wasmlint.syntax import node_bytes


def record_stale_use(program: Program, inside_export: tuple[str, Node, str] | None, memo: Memo, node: Node,
                     holder: Node | None) -> None:
    """Record a stale use of `memo` at `node` (`holder`: what holds it there) in `program.uses`."""
    # One finding per use (a use nested in another on its line is kept, the outer one dropped:
    # `entries.nested_uses_dropped`), whichever views reach it.
    known = program.uses.get(key := (node.start_byte, node.end_byte))
    grows = memo_grows = plain(memo.grows)
    if known is not None:
        grows = known.grows + tuple(g for g in grows if g not in known.grows)
    # In the order of the program's text (sets of values have no order of their own).
    grows = with_grows((), sorted(set(grows), key=lambda g: (g.earlier, g.line, g.text, g.exports, g.via, g.inside)))
    (row, byte_col), (end_row, end_byte_col) = node.start_point, node.end_point
    text = " ".join(node_bytes(node).decode("utf-8", errors="replace").split())
    holder_text = " ".join(node_bytes(holder).decode("utf-8", errors="replace").split()) if holder is not None else text
    inside = seen_in(known, inside_export, memo_grows)
    if known is not None:
        merged = dataclasses.replace(known, grows=grows, from_entry=known.from_entry or memo.from_entry, only_inside=inside)
        # The view made first in the text names the finding, whichever path reached it first.
        if (memo.line, memo.text, memo.ctor) < (known.created_line, known.created_text, known.ctor):
            merged = dataclasses.replace(merged, ctor=memo.ctor, created_line=memo.line, created_text=memo.text)
        column = program.columns.column(node.start_byte, node.start_point[1])
        if column > merged.column:  # the innermost use names it (`mem8.slice()` in `decode(mem8.slice())`)
            (row, _), (end_row, end_byte_col) = node.start_point, node.end_point
            text = " ".join(node_bytes(node).decode("utf-8", errors="replace").split())
            holder_text = (" ".join(node_bytes(holder).decode("utf-8", errors="replace").split())
                           if holder is not None else text)
            merged = dataclasses.replace(
                merged, holder=holder_text[:60], column=column, end_line=end_row + 1,
                end_column=program.columns.column(node.end_byte, end_byte_col),
                text=text if len(text) <= 80 else text[:77] + "...")
        program.uses[key] = merged
        return
    program.uses[key] = StaleUse(
        holder=holder_text[:60], ctor=memo.ctor, created_line=memo.line, created_text=memo.text,
        grows=grows, line=row + 1, column=program.columns.column(node.start_byte, byte_col),
        end_line=end_row + 1, end_column=program.columns.column(node.end_byte, end_byte_col),
        text=text if len(text) <= 80 else text[:77] + "...",
        from_entry=memo.from_entry, only_inside=inside)
