"""The small readers that sections and instructions share: a byte, a name, a value or heap type, limits."""

from __future__ import annotations

import sys

from wasmlint.module.leb import DecodeError
from wasmlint.module.leb import read_signed as _s_value, read_u32 as _u32, read_u64 as _u64
from wasmlint.module.model import PAGE_SIZE, Limits

# One-byte value types and the abstract heap types of reference types (function references, GC,
# exception handling).
SIMPLE_TYPES = {
    0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128",
    0x70: "funcref", 0x6F: "externref", 0x6E: "anyref", 0x6D: "eqref", 0x6C: "i31ref",
    0x6B: "structref", 0x6A: "arrayref", 0x69: "exnref", 0x68: "contref",
    0x73: "nullfuncref", 0x72: "nullexternref", 0x71: "nullref", 0x74: "nullexnref",
    0x75: "nullcontref",
}
HEAP_TYPES = {
    0x70: "func", 0x6F: "extern", 0x6E: "any", 0x6D: "eq", 0x6C: "i31", 0x6B: "struct",
    0x6A: "array", 0x69: "exn", 0x68: "cont", 0x73: "nofunc", 0x72: "noextern", 0x71: "none",
    0x74: "noexn", 0x75: "nocont",
}


# Each returns (value, new position) and raises DecodeError at the failing byte; read_byte
# returns the byte alone.

def read_byte(data: bytes, pos: int, end: int) -> int:
    if pos >= end:
        raise DecodeError("unexpected end of data", pos)
    return data[pos]


def read_name(data: bytes, pos: int, end: int) -> tuple[str, int]:
    """A name, interned: a function's export name and its name-section entry are mostly the same
    text, one copy of it for both (16,000 exported functions: 850 KB less)."""
    length, pos = _u32(data, pos, end)
    if pos + length > end:
        raise DecodeError(f"name of {length} bytes runs past the end of its section", pos)
    try:
        return sys.intern(data[pos:pos + length].decode("utf-8")), pos + length
    except UnicodeDecodeError:
        raise DecodeError("name is not valid UTF-8", pos) from None


def read_heap_type(data: bytes, pos: int, end: int) -> tuple[str, int]:
    b = read_byte(data, pos, end)
    if 0x40 <= b < 0x80:  # one-byte negative s33: an abstract heap type
        name = HEAP_TYPES.get(b)
        if name is None:
            raise DecodeError(f"invalid heap type {b:#04x}", pos)
        return name, pos + 1
    index, new_pos = _s_value(data, pos, end, 5)
    if index < 0:
        raise DecodeError(f"invalid heap type {index}", pos)
    return str(index), new_pos


def read_value_type(data: bytes, pos: int, end: int) -> tuple[str, int]:
    b = read_byte(data, pos, end)
    name = SIMPLE_TYPES.get(b)
    if name is not None:
        return name, pos + 1
    if b in (0x63, 0x64):
        heap, pos = read_heap_type(data, pos + 1, end)
        return (f"(ref null {heap})" if b == 0x63 else f"(ref {heap})"), pos
    raise DecodeError(f"invalid value type {b:#04x}", pos)


def read_limits(data: bytes, pos: int, end: int) -> tuple[Limits, int]:
    flags = read_byte(data, pos, end)
    if flags > 0x0F:
        raise DecodeError(f"invalid limits flags {flags:#04x}", pos)
    pos += 1
    # Wasm 3.0 encodes every limit as a u64, also for 32-bit memories and tables: engines read a
    # 32-bit minimum written in six or more bytes, and so do we (whether it is in range is a
    # matter for validation, not decoding).
    minimum, pos = _u64(data, pos, end)
    maximum = None
    if flags & 0x01:
        maximum, pos = _u64(data, pos, end)
    page_size = PAGE_SIZE
    if flags & 0x08:  # custom-page-sizes proposal: log2 of the page size follows
        log2, pos = _u32(data, pos, end)
        if log2 > 16:
            raise DecodeError(f"invalid page size 2**{log2}", pos - 1)
        page_size = 1 << log2
    return Limits(minimum, maximum, bool(flags & 0x02), bool(flags & 0x04), page_size), pos
