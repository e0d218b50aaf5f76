"""Parse JavaScript and TypeScript hosts with tree-sitter, choosing the grammar by file suffix."""

from __future__ import annotations

import re
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
    parser = _parser(grammar_for(display))
    text = _as_parsed(source)
    return HostFile(display, source, _using_calls_as_calls(parser, text, parser.parse(text)))


# A statement that calls a function named `using` (`using(resource, r => ...)`, blake3-wasm's
# helper) is read by the JavaScript grammar as the start of a `using` declaration: an ERROR, and
# the call's arguments as a parenthesized expression, so the call is lost. Given `!using(...)`
# instead of ` using(...)` (the blank before it, one byte: positions unchanged) the grammar reads
# the call; the statement's value is dropped either way, so the program means the same. Where no
# blank precedes (a statement at the start of its line), or in TypeScript, whose grammar reads no
# `using(` as a call, the file stays partial and its parse error says why (`syntax_error_detail`).
_USING_CALL = re.compile(rb"(?<![\w$.])using(?=\s*\()")


def _using_calls_as_calls(parser: Parser, text: bytes, tree: Tree) -> Tree:
    if not tree.root_node.has_error or b"using" not in text:
        return tree
    changed = bytearray(text)
    for match in _USING_CALL.finditer(text):
        if _read_as_declaration(tree, match.start()) and match.start() > 0 and text[match.start() - 1] in b" \t":
            changed[match.start() - 1] = ord("!")
    if changed == text:
        return tree
    again = parser.parse(bytes(changed))
    return again if _error_count(again) < _error_count(tree) else tree


def _read_as_declaration(tree: Tree, at: int) -> bool:
    """Whether the parser took the `using` at `at` as a keyword it could not complete."""
    node = tree.root_node.descendant_for_byte_range(at, at + 5)
    return node is not None and (node.type == "ERROR" or (node.parent is not None and node.parent.type == "ERROR"))


def _error_count(tree: Tree) -> int:
    count = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        count += node.type == "ERROR" or node.is_missing
        stack.extend(child for child in node.children if child.has_error or child.is_missing)
    return count


def syntax_error_detail(error, source: bytes) -> str:
    """What a parse error is, in a few words: a `using(` call the grammar read as a declaration
    (see `_using_calls_as_calls`), a missing token, or unexpected syntax."""
    if error.is_missing:
        return "missing `" + error.type + "`"
    if _USING_CALL.match(source, error.start_byte):
        return ("the grammar reads this call of a function named `using` as a `using` declaration; "
                "the call is not analysed")
    return "unexpected syntax"


# An array literal of many plain numbers is data (a module carried as bytes, a lookup table): it
# holds no view and calls nothing. Past its first elements it is given to the parser as blanks of
# the same length (line breaks kept), so that positions stay those of the file and the parse and
# every walk of the tree cost as much as the code around it, not one node per element (a 1.4 MB
# module in an array made the host layer's tree queries grow faster than the file).
_KEPT_ELEMENTS = 64
_ELEMENT = rb"-?(?:0[xX][0-9a-fA-F]+|\d+)\s*,\s*"
_LONG_NUMBER_ARRAY = re.compile(rb"\[\s*(?:" + _ELEMENT + rb"){%d}" % _KEPT_ELEMENTS)
_MORE_ELEMENTS = re.compile(rb"(?:" + _ELEMENT + rb")+")
_NOT_A_LINE_BREAK = re.compile(rb"[^\r\n]")


def _as_parsed(source: bytes) -> bytes:
    """`source` with the elements of each long array of numbers past its first ones blanked (the
    last element stays, so the array is still well formed)."""
    pieces: list[bytes] = []
    done = 0
    for match in _LONG_NUMBER_ARRAY.finditer(source):
        if match.start() < done:
            continue
        more = _MORE_ELEMENTS.match(source, match.end())
        if more is None:
            continue
        pieces += [source[done:more.start()], _NOT_A_LINE_BREAK.sub(b" ", more.group())]
        done = more.end()
    if not pieces:
        return source
    pieces.append(source[done:])
    return b"".join(pieces)


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
