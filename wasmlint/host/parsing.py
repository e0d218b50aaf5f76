"""Parse JavaScript and TypeScript hosts with tree-sitter, choosing the grammar by file suffix."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from tree_sitter import Language, Parser, Tree

from wasmlint.columns import CharColumns

HOST_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
_TYPESCRIPT = (".ts", ".mts", ".cts")


@cache
def language(grammar: str) -> Language:
    if grammar == "javascript":
        import tree_sitter_javascript

        return Language(tree_sitter_javascript.language())
    import tree_sitter_typescript

    return Language(tree_sitter_typescript.language_tsx() if grammar == "tsx"
                    else tree_sitter_typescript.language_typescript())


@cache
def _parser(grammar: str) -> Parser:
    # One parser per grammar and process: creating one costs more than parsing a small file.
    return Parser(language(grammar))


def grammar_for(display: str) -> str:
    """`javascript` (which reads JSX too), `typescript` or `tsx`."""
    lowered = display.lower()
    if lowered.endswith(".tsx"):
        return "tsx"
    return "typescript" if lowered.endswith(_TYPESCRIPT) else "javascript"


@dataclass
class HostFile:
    """One parsed host file; the same shape as the source layer's files, so suppressions work alike."""

    display: str
    source: bytes
    tree: Tree

    columns: CharColumns = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.columns = CharColumns(self.source)

    def column(self, byte: int, byte_column: int) -> int:
        """1-based character column of the position at `byte`, `byte_column` bytes into its line."""
        return self.columns.column(byte, byte_column)


def parse_host(display: str, source: bytes) -> HostFile:
    return HostFile(display, source, _parser(grammar_for(display)).parse(source))


def first_syntax_error(tree: Tree):
    """The first ERROR or MISSING node in source order, or None. Walks only into subtrees that
    hold an error, so a clean 5 MB bundle costs nothing here."""
    node = tree.root_node
    if not node.has_error:
        return None
    while True:
        if node.type == "ERROR" or node.is_missing:
            return node
        for child in node.children:
            if child.has_error or child.is_missing:
                node = child
                break
        else:
            return node
