"""Decode one instruction of any opcode space in Python, noting what the call graph needs from it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wasmlint.module import opcodes as op
from wasmlint.module.leb import DecodeError
from wasmlint.module.leb import read_signed as _s_value, read_u32 as _u32, read_u64 as _u64
from wasmlint.module.leb import skip as _skip_leb
from wasmlint.module.readers import SIMPLE_TYPES
from wasmlint.module.readers import read_byte as _byte, read_heap_type as _heap_type
from wasmlint.module.readers import read_value_type as _value_type

_ONE_BYTE_LEBS = re.compile(rb"[\x00-\x7f]*")


@dataclass(slots=True)
class BodyFacts:
    """What one function body (or constant expression) contributes to the call graph."""

    calls: set[int] = field(default_factory=set)
    indirect: set[int] = field(default_factory=set)
    refs: set[int] = field(default_factory=set)
    grows: list[tuple[int, int, int]] = field(default_factory=list)  # offset, memory, size


def decode_instruction(data: bytes, pos: int, end: int, facts: BodyFacts, num_funcs: int) -> int:
    """Decode one instruction at `pos` (any opcode space); record what the call graph needs."""
    start = pos
    code = data[pos]
    pos += 1
    kind = op.CORE.get(code)
    if kind is None:
        table = op.PREFIXED.get(code)
        if table is None:
            raise DecodeError(f"unknown opcode {code:#04x}", start)
        if pos >= end:
            raise DecodeError(f"unexpected end of function body after prefix {code:#04x}", pos)
        sub, pos = _u32(data, pos, end)
        kind = table.get(sub)
        if kind is None:
            raise DecodeError(f"unknown opcode {code:#04x} {sub}", start)
    if kind == op.NONE:
        return pos
    if kind == op.LEB:
        return _skip_leb(data, pos, end)
    if kind == op.LEB2:
        return _skip_leb(data, _skip_leb(data, pos, end), end)
    if kind == op.MEMARG or kind == op.MEMARG_LANE:
        align, pos = _u32(data, pos, end)
        if align & 0x40:  # multi-memory: a memory index follows the alignment
            _, pos = _u32(data, pos, end)
        _, pos = _u64(data, pos, end)
        if kind == op.MEMARG_LANE:
            _byte(data, pos, end)
            pos += 1
        return pos
    if kind == op.BLOCK:
        return read_block_type(data, pos, end)
    if kind in (op.BYTES4, op.BYTES8, op.BYTES16, op.LANE):
        width = {op.BYTES4: 4, op.BYTES8: 8, op.BYTES16: 16, op.LANE: 1}[kind]
        if pos + width > end:
            raise DecodeError("unexpected end of function body in an immediate", end)
        return pos + width
    if kind == op.CALL or kind == op.REF_FUNC:
        target, pos = _u32(data, pos, end)
        if target >= num_funcs:
            raise DecodeError(f"function index {target} out of range ({num_funcs} functions)", start)
        (facts.calls if kind == op.CALL else facts.refs).add(target)
        return pos
    if kind == op.CALL_INDIRECT:
        type_index, pos = _u32(data, pos, end)
        _, pos = _u32(data, pos, end)
        facts.indirect.add(type_index)
        return pos
    if kind == op.CALL_REF:
        type_index, pos = _u32(data, pos, end)
        facts.indirect.add(type_index)
        return pos
    if kind == op.MEMORY_GROW:
        memory_index, pos = _u32(data, pos, end)
        facts.grows.append((start, memory_index, pos - start))
        return pos
    if kind == op.BR_TABLE:
        n, pos = _u32(data, pos, end)
        if _ONE_BYTE_LEBS.fullmatch(data, pos, pos + n + 1) and pos + n + 1 <= end:
            return pos + n + 1  # every label fits in one byte: the usual case
        for _ in range(n + 1):
            _, pos = _u32(data, pos, end)
        return pos
    if kind == op.SELECT_T:
        n, pos = _u32(data, pos, end)
        for _ in range(n):
            _, pos = _value_type(data, pos, end)
        return pos
    if kind == op.TRY_TABLE:
        pos = read_block_type(data, pos, end)
        n, pos = _u32(data, pos, end)
        for _ in range(n):
            clause = _byte(data, pos, end)
            if clause > 3:
                raise DecodeError(f"invalid catch clause {clause:#04x}", pos)
            pos += 1
            if clause < 2:  # catch / catch_ref name a tag
                _, pos = _u32(data, pos, end)
            _, pos = _u32(data, pos, end)
        return pos
    if kind == op.BR_ON_CAST:
        flags = _byte(data, pos, end)
        if flags > 3:
            raise DecodeError(f"invalid cast flags {flags:#04x}", pos)
        _, pos = _u32(data, pos + 1, end)
        _, pos = _heap_type(data, pos, end)
        return _heap_type(data, pos, end)[1]
    if kind == op.ZERO_BYTE:
        if _byte(data, pos, end) != 0:
            raise DecodeError("atomic.fence: reserved byte must be zero", pos)
        return pos + 1
    raise AssertionError(f"unhandled immediate kind {kind}")  # pragma: no cover - table bug


def read_block_type(data: bytes, pos: int, end: int) -> int:
    b = _byte(data, pos, end)
    if b == 0x40 or b in SIMPLE_TYPES:
        return pos + 1
    if b in (0x63, 0x64):
        return _heap_type(data, pos + 1, end)[1]
    value, new_pos = _s_value(data, pos, end, 5)
    if value < 0:
        raise DecodeError(f"invalid block type {b:#04x}", pos)
    return new_pos
