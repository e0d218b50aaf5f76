"""Modules a host carries inside its own text: a base64 string (also a `data:` URL, also split
across `+` of constant strings) or an array of byte values, found without running the JavaScript.

Finding one records only where its text lies (line and byte ranges): a bundle of tens of MB keeps
no copy of it in the host's analysis. The bytes are decoded when the module layer asks for them,
from the file read again, capped at the size a module file may have."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeAlias

from wasmlint.reading import MODULE_LIMIT, SOURCE_LIMIT, read_regular, reason
from wasmlint.syntax import node_bytes

if TYPE_CHECKING:
    from tree_sitter import Node

    from wasmlint.host.parsing import HostFile

# `\0asm` and version 1 in base64 ("AGFzbQEAAAA=" with its last, padding, sixth bits free).
_BASE64_START = re.compile(rb"AGFzbQEAAAA")
# The same eight bytes as the first elements of an array literal, in decimal or hexadecimal.
_BYTES_START = re.compile(rb"\[\s*(?:0x0*)?0\s*,\s*(?:97|0x0*61)\s*,\s*(?:115|0x0*73)\s*,\s*(?:109|0x0*6d)\s*,"
                          rb"\s*(?:0x0*)?1\s*,\s*(?:0x0*)?0\s*,\s*(?:0x0*)?0\s*,\s*(?:0x0*)?0\s*[,\]]", re.IGNORECASE)
_DATA_URL = re.compile(rb"data:[\w.+/-]*(?:;[\w.+=-]*)*;base64,$")
_QUOTES = b"\"'`"
# Between two constant pieces of a concatenation: `+`, blanks and comments.
_JOIN = re.compile(rb"(?:\s|/\*(?:[^*]|\*(?!/))*\*/|//[^\n]*\n)*\+(?:\s|/\*(?:[^*]|\*(?!/))*\*/|//[^\n]*\n)*")
_BLANKS = re.compile(rb"\s+|\\\r?\n")  # atob ignores ASCII blanks; `\` at a line's end continues a string
_ELEMENT = re.compile(rb"\s*(-?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|\d+)\s*(,|\])")
MAX_EMBEDDED = 16  # candidate literals looked at per file: a module is carried once or twice


@dataclass(frozen=True, slots=True)
class EmbeddedLiteral:
    """Where one embedded module's text lies in its host file (plain data, kept in the cache)."""

    line: int  # 1-based, of the literal's start
    column: int
    encoding: Literal["base64", "bytes"]
    spans: tuple[tuple[int, int], ...]  # byte ranges of its text, in order (the pieces of a `+` chain)


@dataclass(frozen=True, slots=True)
class EmbeddedModule:
    """A module that a host carries inside its text: the host file, and where in it."""

    host: Path
    literal: EmbeddedLiteral

    def label(self) -> str:
        from wasmlint.discover import display_path

        return f"module embedded at {display_path(self.host)}:{self.literal.line}"


# What a host may load: a module file, or a module carried in the host's own text.
ModuleSource: TypeAlias = "Path | EmbeddedModule"


def source_label(source: ModuleSource) -> str:
    """How evidence names the module a host loads: its file, or where the host carries it."""
    from wasmlint.discover import display_path

    return display_path(source) if isinstance(source, Path) else source.label()


class EmbeddedModuleError(ValueError):
    """An embedded module's text could not be read or does not decode; `line` is where it fails."""

    def __init__(self, message: str, line: int, column: int = 1):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def may_embed_module(source: bytes) -> bool:
    """Whether the file may carry a module at all (a cheap test before looking with the parse)."""
    if _BASE64_START.search(source) is not None:
        return True
    return _BYTES_START.search(source) is not None


def embedded_literals(host: HostFile) -> list[EmbeddedLiteral]:
    """The module literals in the host's text, in the order they appear: a string (or template
    without substitutions) whose text starts with the module's base64, or with a `data:...;base64,`
    URL of it, joined by `+` to the constant strings after it; an array literal whose elements start
    with the module's bytes. One in a comment, or a `+` chain with a part that is not a constant
    string, is not one."""
    source = host.source
    starts = sorted([(match.start(), "base64") for match in _BASE64_START.finditer(source)]
                    + [(match.start(), "bytes") for match in _BYTES_START.finditer(source)])
    found: list[EmbeddedLiteral] = []
    for start, encoding in starts[:MAX_EMBEDDED]:
        if found and start < found[-1].spans[-1][1]:
            continue  # inside the literal found last (its text holds the magic again)
        literal = _base64_literal(host, start) if encoding == "base64" else _bytes_literal(host, start)
        if literal is not None:
            found.append(literal)
    return found


def _base64_literal(host: HostFile, start: int) -> EmbeddedLiteral | None:
    source = host.source
    node = host.tree.root_node.descendant_for_byte_range(start, start + 1)
    if node is None or node.type != "string_fragment" or node.parent is None or \
            node.parent.type not in ("string", "template_string"):
        return None  # in a comment, a regular expression, or an identifier
    opening = node.parent.start_byte
    quote = source[opening:opening + 1]
    prefix = source[opening + 1:start]
    if quote not in (b'"', b"'", b"`") or (prefix and not _DATA_URL.search(prefix)):
        return None  # the base64 does not start the string (nor follow a data URL's header)
    spans = []
    at = start
    while True:
        end = _closing(source, at, quote)
        if end is None:
            return None
        spans.append((at, end))
        joined = _JOIN.match(source, end + 1)
        if joined is None:
            break
        quote = source[joined.end():joined.end() + 1]
        if not quote or quote not in _QUOTES:
            return None  # `+` something other than a constant string: the module is not all here
        at = joined.end() + 1
    line, column = _position(host, start)
    return EmbeddedLiteral(line, column, "base64", tuple(spans))


def _closing(source: bytes, at: int, quote: bytes) -> int | None:
    """The offset of the quote that closes the string whose text starts at `at`; None when the
    string holds a template substitution (not constant) or does not close. Runs of plain text are
    skipped by one character class (a per-character alternation would keep a backtracking stack
    as long as the string: gigabytes for a module of tens of MB)."""
    plain = _PLAIN[quote]
    while True:
        at = plain.match(source, at).end()  # type: ignore[union-attr]  # `*` always matches
        stop = source[at:at + 1]
        if stop == quote:
            return at
        if stop == b"\\":
            at += 2  # an escaped character, a line continuation included
        elif stop == b"$" and quote == b"`":
            if source[at + 1:at + 2] == b"{":
                return None
            at += 1
        else:
            return None  # a line break ends a quoted string unclosed; or the file ended


# The text of a string up to what may end it: its quote, a backslash (which escapes the next
# character), a line break outside templates, and in a template the `$` of a substitution.
_PLAIN = {
    b'"': re.compile(rb'[^"\\\n]*'),
    b"'": re.compile(rb"[^'\\\n]*"),
    b"`": re.compile(rb"[^`\\$]*"),
}


def _bytes_literal(host: HostFile, start: int) -> EmbeddedLiteral | None:
    node = host.tree.root_node.descendant_for_byte_range(start, start + 1)
    if node is None or node.type != "[" or node.parent is None or node.parent.type != "array":
        return None
    if _extended(host, node.parent):
        return None  # the module's first bytes, completed at run time (Emscripten's `addFunction`)
    line, column = _position(host, start)
    return EmbeddedLiteral(line, column, "bytes", ((start, node.parent.end_byte),))


# What may add bytes to an array after it is made.
_EXTENDING_METHODS = frozenset({b"push", b"unshift", b"splice", b"concat", b"fill", b"set", b"copyWithin"})


def _extended(host: HostFile, array: Node) -> bool:
    """Whether code adds to the array after it is made, so that the literal holds only the
    module's first bytes: `[...].concat(rest)`, or a name bound to it that is extended
    (`bytes.push(...)`, `bytes[i] = b`) or handed to a function that may extend it
    (`uleb128Encode(n, bytes)`). Handing it to a constructor or to `WebAssembly.*` reads it.
    Names are matched by their text, not their scope: a literal is rather left out than taken
    for a module it is only the start of."""
    if _receiver_of_extension(array):
        return True
    binding = array.parent  # `var bytes = [...]`, or `b = [...]` in minified glue
    if binding is None or binding.type not in ("variable_declarator", "assignment_expression"):
        return False
    name = binding.child_by_field_name("name" if binding.type == "variable_declarator" else "left")
    if name is None or name.type != "identifier":
        return False
    text = node_bytes(name)
    for use in _identifiers(host, text):
        if use.start_byte != name.start_byte and (_receiver_of_extension(use) or _handed_to_a_function(use)):
            return True
    return False


def _receiver_of_extension(node: Node) -> bool:
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "member_expression" and parent.child_by_field_name("object") == node:
        prop = parent.child_by_field_name("property")
        return prop is not None and node_bytes(prop) in _EXTENDING_METHODS
    if parent.type == "subscript_expression" and parent.child_by_field_name("object") == node:
        target = parent.parent
        return target is not None and target.type in ("assignment_expression", "augmented_assignment_expression") \
            and target.child_by_field_name("left") == parent
    return False


def _handed_to_a_function(node: Node) -> bool:
    args = node.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    if call is None or call.type != "call_expression":
        return False  # `new Uint8Array(bytes)` and other constructors read it
    callee = call.child_by_field_name("function")
    return callee is None or not node_bytes(callee).startswith(b"WebAssembly.")


def _identifiers(host: HostFile, text: bytes) -> list[Node]:
    """The identifiers spelled `text`, found by a scan of the source (no walk of a bundle's tree)."""
    found = []
    for match in re.finditer(rb"(?<![\w$])" + re.escape(text) + rb"(?![\w$])", host.source):
        node = host.tree.root_node.descendant_for_byte_range(match.start(), match.end())
        if node is not None and node.type == "identifier":
            found.append(node)
    return found


def _position(host: HostFile, offset: int) -> tuple[int, int]:
    line_start = host.source.rfind(b"\n", 0, offset) + 1
    return host.source.count(b"\n", 0, offset) + 1, host.column(offset, offset - line_start)


def carried_module(host: Path, literals: list[EmbeddedLiteral], called: list[str]) -> EmbeddedModule:
    """Which of the modules a host carries it calls: the first that exports the most of what it
    calls (a bundle of hash functions carries one module per function); with one, that one."""
    if len(literals) == 1 or not called:
        return EmbeddedModule(host, literals[0])
    from wasmlint.module.decoder import export_names
    from wasmlint.module.leb import DecodeError

    wanted = set(called)

    def covered(literal: EmbeddedLiteral) -> int:
        try:
            return len(wanted.intersection(export_names(embedded_module_bytes(EmbeddedModule(host, literal)))))
        except (EmbeddedModuleError, DecodeError):
            return -1  # a corrupt one is reported when it is the module chosen, not here
    return EmbeddedModule(host, max(literals, key=covered))  # max keeps the first of equals


def embedded_module_bytes(embedded: EmbeddedModule, limit: int = MODULE_LIMIT) -> bytes:
    """The module's bytes, decoded from its host file read again; raises EmbeddedModuleError."""
    literal = embedded.literal
    try:
        source = read_regular(embedded.host, SOURCE_LIMIT)
    except OSError as exc:
        raise EmbeddedModuleError(reason(exc), literal.line, literal.column) from None
    if literal.spans[-1][1] > len(source):
        raise EmbeddedModuleError("the file changed while it was checked", literal.line, literal.column)
    return decode_literal(source, literal, limit)


def decode_literal(source: bytes, literal: EmbeddedLiteral, limit: int = MODULE_LIMIT) -> bytes:
    """The bytes a literal found in `source` stands for; raises EmbeddedModuleError."""
    if literal.encoding == "bytes":
        return _decode_bytes(source, literal, limit)
    return _decode_base64(source, literal, limit)


def _decode_base64(source: bytes, literal: EmbeddedLiteral, limit: int) -> bytes:
    length = sum(end - start for start, end in literal.spans)
    if length // 4 * 3 > limit:
        raise EmbeddedModuleError(f"embedded module larger than {limit // (1 << 20)} MiB", literal.line, literal.column)
    text = _BLANKS.sub(b"", b"".join(source[start:end] for start, end in literal.spans))
    if b"-" in text or b"_" in text:  # the URL-safe alphabet (base64url)
        text = text.replace(b"-", b"+").replace(b"_", b"/")
    bad = re.search(rb"[^A-Za-z0-9+/=]", text)
    if bad is not None:
        where = _offset_of(source, literal, bad.group())
        raise EmbeddedModuleError(f"embedded module: {_shown(bad.group())} is not a base64 character",
                                  *_line_of(source, where, literal))
    text = text.rstrip(b"=")
    if b"=" in text:
        raise EmbeddedModuleError("embedded module: `=` inside its base64 text", literal.line, literal.column)
    try:
        return base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except binascii.Error as exc:
        raise EmbeddedModuleError(f"embedded module: not valid base64 ({exc})", literal.line, literal.column) from None


def _decode_bytes(source: bytes, literal: EmbeddedLiteral, limit: int) -> bytes:
    start, end = literal.spans[0]
    data = bytearray()
    at = start + 1  # after `[`
    while at < end:
        element = _ELEMENT.match(source, at, end)
        if element is None:
            if source[at:end].strip() == b"]":
                break  # `[...]` closed after a trailing comma
            line, column = _line_of(source, at, literal)
            raise EmbeddedModuleError("embedded module: an element of its byte array is not a number",
                                      line, column)
        sign, digits, _ = element.groups()
        value = int(digits, 0) if digits[:2].lower() in (b"0x", b"0o", b"0b") else int(digits)
        data.append((-value if sign else value) & 0xFF)  # as a Uint8Array stores it
        if len(data) > limit:
            raise EmbeddedModuleError(f"embedded module larger than {limit // (1 << 20)} MiB", literal.line,
                                      literal.column)
        at = element.end()
        if element.group(3) == b"]":
            break
    return bytes(data)


def _offset_of(source: bytes, literal: EmbeddedLiteral, character: bytes) -> int:
    """Where `character` first occurs in the literal's text (outside blanks), for an error's line."""
    for start, end in literal.spans:
        found = source.find(character, start, end)
        if found >= 0:
            return found
    return literal.spans[0][0]


def _line_of(source: bytes, offset: int, literal: EmbeddedLiteral) -> tuple[int, int]:
    if source.find(b"\n", literal.spans[0][0], offset) < 0:  # on the line the literal starts on
        return literal.line, literal.column + (offset - literal.spans[0][0])
    line_start = source.rfind(b"\n", 0, offset) + 1
    return source.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _shown(character: bytes) -> str:
    return repr(character.decode("latin-1"))
