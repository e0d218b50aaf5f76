"""Character columns of byte positions: tree-sitter counts bytes, reports count characters."""

from __future__ import annotations

import re
from bisect import bisect_right

# Up to this many bytes into a line, the line's start is simply decoded; past it, from the nearest
# mark (a long minified line would otherwise be decoded again for each position on it).
DIRECT = 512
MARK_SPACING = 512
_ASCII = re.compile(rb"[\x00-\x7f]")


def _characters(data: bytes) -> int:
    return len(data) if data.isascii() else len(data.decode("utf-8", errors="replace"))


class CharColumns:
    """The 1-based character column of a position given as a byte offset into the file and a byte
    offset into its line, counted as decoding the line's start would count it (a byte that is not
    UTF-8 is one character).

    A long line of a file that is not all ASCII gets marks: ASCII bytes about every MARK_SPACING
    bytes, with the characters before each. An ASCII byte always starts a character of its own
    (the decoder never takes it into a multi-byte sequence, valid or not), so counting from a mark
    gives what counting from the line's start would.
    """

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._ascii: bool | None = None
        self._marks: dict[int, tuple[list[int], list[int]]] = {}  # line start -> (positions, characters before)

    def column(self, byte: int, byte_column: int) -> int:
        line_start = byte - byte_column
        if byte_column <= DIRECT:
            return _characters(self.source[line_start:byte]) + 1
        if self._ascii is None:
            self._ascii = self.source.isascii()
        if self._ascii:
            return byte_column + 1
        marks = self._marks.get(line_start)
        if marks is None:
            marks = self._marks[line_start] = self._line_marks(line_start)
        positions, before = marks
        at = bisect_right(positions, byte) - 1
        return before[at] + _characters(self.source[positions[at]:byte]) + 1

    def _line_marks(self, line_start: int) -> tuple[list[int], list[int]]:
        source = self.source
        end = source.find(b"\n", line_start)
        end = len(source) if end < 0 else end
        positions, before = [line_start], [0]
        while positions[-1] + MARK_SPACING < end:
            found = _ASCII.search(source, positions[-1] + MARK_SPACING, end)
            if found is None:
                break
            mark = found.start()
            before.append(before[-1] + _characters(source[positions[-1]:mark]))
            positions.append(mark)
        return positions, before
