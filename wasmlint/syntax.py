"""The source text of tree-sitter nodes, for the layers that parse (source and host)."""

from __future__ import annotations

from tree_sitter import Node


def node_bytes(node: Node) -> bytes:
    """The bytes `node` spans. tree-sitter types them `bytes | None`: None is for a tree parsed
    through a read callback, without its source at hand; wasmlint always parses bytes."""
    text = node.text
    return text if text is not None else b""


def node_text(node: Node) -> str:
    """The text `node` spans (bytes that are not UTF-8 read as U+FFFD)."""
    return node_bytes(node).decode("utf-8", errors="replace")
