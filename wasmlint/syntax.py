"""The source text and identity of tree-sitter nodes, for the layers that parse (source and host)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: a cached run loads no tree-sitter
    from tree_sitter import Node


def node_bytes(node: Node) -> bytes:
    """The bytes `node` spans. tree-sitter types them `bytes | None`: None is for a tree parsed
    through a read callback, without its source at hand; wasmlint always parses bytes."""
    text = node.text
    return text if text is not None else b""


def node_text(node: Node) -> str:
    """The text `node` spans (bytes that are not UTF-8 read as U+FFFD)."""
    return node_bytes(node).decode("utf-8", errors="replace")


def field_text(node: Node, field: str) -> str:
    """The text of `node`'s child `field`; empty when the tree lacks it (error recovery can drop
    even a child the grammar requires)."""
    child = node.child_by_field_name(field)
    return node_text(child) if child is not None else ""


def node_key(node: Node) -> int:
    """A node's identity within its file, the same on every run. `Node.id` is an address in the
    tree's memory, different from run to run; sets and sorts keyed by it would make an analysis
    visit values in another order each time, and so name another culprit or keep another finding
    where a work budget stops it."""
    return (((node.start_byte << 32) | node.end_byte) << 12) | node.kind_id
