"""LEB128 integers as the WebAssembly binary format stores them: readers for the decoder and an
encoder for code that writes modules."""

from __future__ import annotations


class DecodeError(ValueError):
    """The bytes are not a well-formed WebAssembly module; `offset` is where decoding failed."""

    def __init__(self, message: str, offset: int):
        super().__init__(message, offset)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.message} at byte offset {self.offset:#x}"


# Each reader returns (value, position after it) and raises DecodeError at the failing byte.

def read_u32(data: bytes, pos: int, end: int) -> tuple[int, int]:
    if pos < end:
        b = data[pos]
        if b < 0x80:
            return b, pos + 1
    result = shift = 0
    start = pos
    for i in range(5):
        if pos >= end:
            raise DecodeError("unexpected end of data in LEB128 integer", pos)
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            if i == 4 and b > 0x0F:
                raise DecodeError("LEB128 integer too large for 32 bits", pos - 1)
            return result, pos
        shift += 7
    raise DecodeError("LEB128 integer too long for 32 bits", start)


def read_u64(data: bytes, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    start = pos
    for i in range(10):
        if pos >= end:
            raise DecodeError("unexpected end of data in LEB128 integer", pos)
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            if i == 9 and b > 0x01:
                raise DecodeError("LEB128 integer too large for 64 bits", pos - 1)
            return result, pos
        shift += 7
    raise DecodeError("LEB128 integer too long for 64 bits", start)


def skip(data: bytes, pos: int, end: int, max_bytes: int = 10) -> int:
    """Skip a (signed or unsigned) LEB128 integer without decoding it."""
    start = pos
    for _ in range(max_bytes):
        if pos >= end:
            raise DecodeError("unexpected end of data in LEB128 integer", pos)
        b = data[pos]
        pos += 1
        if b < 0x80:
            return pos
    raise DecodeError("LEB128 integer too long", start)


def read_signed(data: bytes, pos: int, end: int, max_bytes: int) -> tuple[int, int]:
    result = shift = 0
    start = pos
    for _ in range(max_bytes):
        if pos >= end:
            raise DecodeError("unexpected end of data in LEB128 integer", pos)
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            if b & 0x40:
                result -= 1 << shift
            return result, pos
    raise DecodeError("LEB128 integer too long", start)


def read_s32(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """A signed 32-bit integer: at most 5 bytes, and the last one's spare bits only repeat the sign."""
    value, new_pos = read_signed(data, pos, end, 5)
    if not -0x80000000 <= value <= 0x7FFFFFFF:
        raise DecodeError("LEB128 integer too large for 32 bits", new_pos - 1)
    return value, new_pos


def encode_unsigned(value: int) -> bytes:
    """The shortest LEB128 encoding of a non-negative integer."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if not value:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)
