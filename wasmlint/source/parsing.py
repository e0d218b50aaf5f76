"""Parse Rust files with tree-sitter, re-parse macro arguments, and turn byte positions into 1-based ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import tree_sitter_rust
from tree_sitter import Language, Node, Parser, Query, Tree

from wasmlint.columns import CharColumns
from wasmlint.treedepth import MAX_DEPTH, deeper_than


@cache
def rust_language() -> Language:
    return Language(tree_sitter_rust.language())


_parser: Parser | None = None


def parser() -> Parser:
    # One parser per process: creating one costs more than parsing a small file.
    global _parser
    if _parser is None:
        _parser = Parser(rust_language())
    return _parser


def compile_query(text: str) -> Query:
    return Query(rust_language(), text)


@dataclass
class SourceFile:
    """One parsed .rs file. `display` is the POSIX path shown to the user."""

    display: str
    source: bytes
    tree: Tree
    module_path: tuple[str, ...]  # the Rust module this file is, from its place under src/

    columns: CharColumns = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.columns = CharColumns(self.source)

    def column(self, byte: int, byte_column: int) -> int:
        """1-based character column of the position at file `byte`, `byte_column` bytes into its line."""
        return self.columns.column(byte, byte_column)


def _parseable(source: bytes) -> bytes:
    """What tree-sitter is given: same length as the file, so every position still holds.

    `try!(...)` (edition 2015; `try` is a keyword since 2018) becomes `tr_!(...)`, which the
    grammar reads as an ordinary macro call.
    """
    return source.replace(b"try!(", b"tr_!(") if b"try!(" in source else source


TOO_DEEP = f"its syntax tree is nested more than {MAX_DEPTH} levels deep: the code below that depth is not analysed"
NOT_UTF8 = "not valid UTF-8"  # a problem that outranks syntax errors: rustc reads nothing of the file


def parse_rust_file(display: str, source: bytes, module_path: tuple[str, ...] = ()) -> tuple[SourceFile, list[tuple[int, str]]]:
    """Parse a file, recovering where we can; returns it and its problems as (byte offset, detail).

    A file that ends inside an unclosed block would otherwise be one big error node with nothing
    analysed: parse it again with the missing braces appended (after the end, so positions hold).
    """
    text = _parseable(source)
    problems: list[tuple[int, str]] = []
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append((exc.start, f"{NOT_UTF8} at byte {exc.start} (rustc rejects the file)"))
    tree = parser().parse(text)
    if tree.root_node.has_error:
        missing = text.count(b"{") - text.count(b"}")
        if missing > 0:
            closed = parser().parse(text + b"\n" + b"}" * missing)
            if not closed.root_node.has_error:
                tree = closed
                problems.append((len(source), f"the file ends inside {missing} unclosed `{{`"))
    deep = deeper_than(tree.root_node)
    if deep is not None:
        problems.append((min(deep.start_byte, len(source)), TOO_DEEP))
    return SourceFile(display=display, source=text, tree=tree, module_path=module_path), problems


@dataclass(frozen=True)
class Shift:
    """Maps positions in a re-parsed snippet back to the file it came from.

    The snippet is `prefix + original bytes`, so only its first row is shifted sideways: later rows
    keep their own columns because the original newlines are kept.
    """

    byte: int  # file byte = snippet byte + byte
    row: int  # file row = snippet row + row
    first_row_column: int  # on the snippet's first row: file column = snippet column + this

    def point(self, row: int, column: int) -> tuple[int, int]:
        if row == 0:
            return self.row, column + self.first_row_column
        return row + self.row, column

    def then(self, inner: "Shift") -> "Shift":
        """Compose: `inner` maps a nested snippet into this snippet, `self` maps this snippet into the file."""
        column = inner.first_row_column + (self.first_row_column if inner.row == 0 else 0)
        return Shift(byte=inner.byte + self.byte, row=inner.row + self.row, first_row_column=column)


IDENTITY = Shift(0, 0, 0)

# How to make each kind of macro argument list parse as ordinary Rust: `f(a, b)` for `(...)`,
# an array expression for `[...]`, and a block for `{...}`.
_WRAPPERS = {
    ord("("): (b"fn _w(){_w", b";}"),
    ord("["): (b"fn _w(){", b";}"),
    ord("{"): (b"fn _w()", b""),
}


def reparse_token_tree(snippet_source: bytes, token_tree: Node) -> tuple[Tree, bytes, Shift] | None:
    """Parse the arguments of a macro call as expressions, keeping file coordinates via a Shift.

    tree-sitter keeps macro arguments as unparsed token trees, so calls and allocations inside
    `format!(...)`, `assert!(...)` or `vec![...]` would be invisible without this.
    """
    start, end = token_tree.start_byte, token_tree.end_byte
    if end - start <= 2:
        return None
    wrapper = _WRAPPERS.get(snippet_source[start])
    if wrapper is None:
        return None
    prefix, suffix = wrapper
    text = prefix + snippet_source[start:end] + suffix
    tree = parser().parse(text)
    row, column = token_tree.start_point
    shift = Shift(byte=start - len(prefix), row=row, first_row_column=column - len(prefix))
    return tree, text, shift


def reparse_items(snippet_source: bytes, token_tree: Node) -> tuple[Tree, bytes, Shift] | None:
    """Parse the inside of a `macro_rules!` transcriber `{ ... }` as items.

    Metavariables (`$name`) become same-length identifiers (`_name`) so that positions hold.
    """
    start, end = token_tree.start_byte + 1, token_tree.end_byte - 1
    if end <= start:
        return None
    text = snippet_source[start:end].replace(b"$", b"_")
    tree = parser().parse(text)
    row, column = token_tree.start_point
    return tree, text, Shift(byte=start, row=row, first_row_column=column + 1)


@dataclass(frozen=True)
class Snippet:
    """A parse tree and how its positions map into the file it came from."""

    file: SourceFile
    file_index: int
    shift: Shift = IDENTITY
