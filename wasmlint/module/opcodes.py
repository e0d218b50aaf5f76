"""The immediate-operand layout of every WebAssembly opcode, and the byte patterns built from it."""

from __future__ import annotations

import re
from functools import cache

# Immediate kinds. The decoder's slow path dispatches on these; the fast path compiles the
# instructions the call graph does not need into one regular expression that skips them.
NONE = 0  # no immediate
LEB = 1  # one LEB128 integer (index, label, constant, heap type)
LEB2 = 2  # two LEB128 integers
MEMARG = 3  # alignment flags [memory index] offset
MEMARG_LANE = 4  # memarg and a lane byte
BLOCK = 5  # block type
BYTES4 = 6  # f32.const
BYTES8 = 7  # f64.const
BYTES16 = 8  # v128.const, i8x16.shuffle
LANE = 9  # one lane byte
BR_TABLE = 10  # vec(label) label
SELECT_T = 11  # vec(value type)
TRY_TABLE = 12  # block type, vec(catch clause)
BR_ON_CAST = 13  # cast flags byte, label, heap type, heap type
ZERO_BYTE = 14  # atomic.fence: one reserved 0x00 byte
CALL = 15  # call / return_call: function index
CALL_INDIRECT = 16  # call_indirect / return_call_indirect: type index, table index
CALL_REF = 17  # call_ref / return_call_ref: type index
REF_FUNC = 18  # ref.func: function index
MEMORY_GROW = 19  # memory.grow: memory index


def _span(first: int, last: int, kind: int) -> dict[int, int]:
    return {op: kind for op in range(first, last + 1)}


# Single-byte opcodes: MVP, sign extension, reference types, exception handling (legacy and
# try_table/throw_ref), tail calls and typed function references.
CORE: dict[int, int] = {
    0x00: NONE, 0x01: NONE,  # unreachable nop
    0x02: BLOCK, 0x03: BLOCK, 0x04: BLOCK, 0x05: NONE,  # block loop if else
    0x06: BLOCK, 0x07: LEB, 0x08: LEB, 0x09: LEB, 0x0A: NONE,  # try catch throw rethrow throw_ref
    0x0B: NONE, 0x0C: LEB, 0x0D: LEB, 0x0E: BR_TABLE, 0x0F: NONE,  # end br br_if br_table return
    0x10: CALL, 0x11: CALL_INDIRECT, 0x12: CALL, 0x13: CALL_INDIRECT,
    0x14: CALL_REF, 0x15: CALL_REF,  # call_ref return_call_ref
    0x18: LEB, 0x19: NONE,  # delegate catch_all
    0x1A: NONE, 0x1B: NONE, 0x1C: SELECT_T, 0x1F: TRY_TABLE,
    **_span(0x20, 0x26, LEB),  # local.get/set/tee, global.get/set, table.get/set
    **_span(0x28, 0x3E, MEMARG),  # loads and stores
    0x3F: LEB, 0x40: MEMORY_GROW,  # memory.size memory.grow (memory index)
    0x41: LEB, 0x42: LEB, 0x43: BYTES4, 0x44: BYTES8,
    **_span(0x45, 0xC4, NONE),  # numeric, conversions, sign extension
    0xD0: LEB, 0xD1: NONE, 0xD2: REF_FUNC, 0xD3: NONE, 0xD4: NONE,  # ref.null is_null func eq as_non_null
    0xD5: LEB, 0xD6: LEB,  # br_on_null br_on_non_null
}

# 0xFC: saturating truncation, bulk memory, table instructions, wide arithmetic.
MISC: dict[int, int] = {
    **_span(0, 7, NONE),
    8: LEB2, 9: LEB, 10: LEB2, 11: LEB,  # memory.init data.drop memory.copy memory.fill
    12: LEB2, 13: LEB, 14: LEB2, 15: LEB, 16: LEB, 17: LEB,  # table.init elem.drop copy grow size fill
    **_span(19, 22, NONE),  # i64.add128 sub128 mul_wide_s mul_wide_u
}

# 0xFD: fixed-width SIMD (final numbering) and relaxed SIMD.
_SIMD_GAPS = {0x9A, 0xA2, 0xA5, 0xA6, 0xAF, 0xB0, 0xB2, 0xB3, 0xB4, 0xBB, 0xC2, 0xC5, 0xC6,
              0xCF, 0xD0, 0xD2, 0xD3, 0xD4, 0xE2, 0xEE}
SIMD: dict[int, int] = {
    **_span(0x00, 0x0B, MEMARG), 0x0C: BYTES16, 0x0D: BYTES16,
    **_span(0x0E, 0x14, NONE), **_span(0x15, 0x22, LANE), **_span(0x23, 0x53, NONE),
    **_span(0x54, 0x5B, MEMARG_LANE), 0x5C: MEMARG, 0x5D: MEMARG,
    **{op: NONE for op in range(0x5E, 0x100) if op not in _SIMD_GAPS},
    **_span(0x100, 0x113, NONE),
}

# 0xFE: threads (atomics).
ATOMIC: dict[int, int] = {0x00: MEMARG, 0x01: MEMARG, 0x02: MEMARG, 0x03: ZERO_BYTE,
                          **_span(0x10, 0x4E, MEMARG)}

# 0xFB: garbage collection.
GC: dict[int, int] = {
    0: LEB, 1: LEB, 2: LEB2, 3: LEB2, 4: LEB2, 5: LEB2,  # struct.new .. struct.set
    6: LEB, 7: LEB, 8: LEB2, 9: LEB2, 10: LEB2, 11: LEB, 12: LEB, 13: LEB, 14: LEB,
    15: NONE, 16: LEB, 17: LEB2, 18: LEB2, 19: LEB2,  # array.len fill copy init_data init_elem
    20: LEB, 21: LEB, 22: LEB, 23: LEB,  # ref.test ref.cast (heap type)
    24: BR_ON_CAST, 25: BR_ON_CAST,
    26: NONE, 27: NONE, 28: NONE, 29: NONE, 30: NONE,
}

PREFIXED: dict[int, dict[int, int]] = {0xFB: GC, 0xFC: MISC, 0xFD: SIMD, 0xFE: ATOMIC}

# --- byte patterns -------------------------------------------------------------------------
# LEB128 of up to 10 bytes (i64.const and memory64 offsets are the longest); the strict length
# checks for u32 happen in the slow path, which also reports malformed integers.
_LEB = rb"[\x80-\xff]{0,9}+[\x00-\x7f]"
_MEMARG = rb"(?:[\x00-\x3f]|[\x40-\x7f]" + _LEB + rb")" + _LEB  # bit 6: a memory index follows
_HEAP = _LEB
_VALTYPE = rb"(?:[\x63\x64]" + _HEAP + rb"|[\x40-\x7f])"  # (ref null? ht) or a one-byte type
_BLOCKTYPE = rb"(?:[\x63\x64]" + _HEAP + rb"|" + _LEB + rb")"
_BR_TABLE_MAX = 127  # br_tables whose label count fits one byte are skipped by the pattern

_IMMEDIATE_PATTERN = {
    NONE: b"", LEB: _LEB, LEB2: _LEB + _LEB, MEMARG: _MEMARG, MEMARG_LANE: _MEMARG + b".",
    BLOCK: _BLOCKTYPE, BYTES4: b".{4}", BYTES8: b".{8}", BYTES16: b".{16}", LANE: b".",
    SELECT_T: b"\x01" + _VALTYPE,  # the only count the spec allows today
    BR_ON_CAST: b"." + _LEB + _HEAP + _HEAP, ZERO_BYTE: b"\x00",
}


def _byte_class(values: list[int]) -> bytes:
    return b"[" + b"".join(re.escape(bytes([v])) for v in sorted(values)) + b"]"


def _leb_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _opcode_alternatives(table: dict[int, int], kinds: list[int], *, leb: bool) -> list[bytes]:
    """One alternative per immediate kind: a byte class of the opcodes, then the immediates.

    Prefixed opcodes are LEB128 (`leb`); this matches their canonical encoding only, and the slow
    path handles padded ones.
    """
    alternatives = []
    for kind in kinds:
        ops = [op for op, k in table.items() if k == kind]
        if not ops:
            continue
        encodings: dict[bytes, list[int]] = {}  # trailing bytes -> possible first bytes
        for op in ops:
            enc = _leb_bytes(op) if leb else bytes([op])
            encodings.setdefault(enc[1:], []).append(enc[0])
        heads = [_byte_class(firsts) + re.escape(tail) for tail, firsts in encodings.items()]
        head = heads[0] if len(heads) == 1 else b"(?:" + b"|".join(heads) + b")"
        alternatives.append(head + _IMMEDIATE_PATTERN[kind])
    return alternatives


def _br_tables(limit: int) -> bytes:
    """br_table with a one-byte label count: a regular expression cannot count, so spell out each count."""
    return b"\x0e(?:" + b"|".join(
        re.escape(bytes([n])) + b"(?:" + _LEB + b"){" + str(n + 1).encode() + b"}"
        for n in range(limit + 1)) + b")"


# Most frequent first: the regular expression engine tries alternatives in order.
SKIPPED_KINDS = [LEB, NONE, MEMARG, BLOCK, LEB2, BYTES4, BYTES8, SELECT_T, BYTES16, LANE,
                MEMARG_LANE, BR_ON_CAST, ZERO_BYTE]


def _skipped_instruction() -> bytes:
    core = _opcode_alternatives(CORE, SKIPPED_KINDS, leb=False)
    prefixed = [b"".join([re.escape(bytes([p])), b"(?:",
                          b"|".join(_opcode_alternatives(t, SKIPPED_KINDS, leb=True)), b")"])
                for p, t in PREFIXED.items()]
    return b"(?:" + b"|".join(core + prefixed + [_br_tables(_BR_TABLE_MAX)]) + b")"


SKIPPED_INSTRUCTION = _skipped_instruction()

# `findall` over a whole body yields one token per instruction the call graph needs (calls,
# indirect calls, ref.func), b"" at the end, and a single byte where anything else stops the
# pattern (memory.grow, a long br_table, a rare encoding, malformed code): then the decoder's slow
# path rescans the body with `finditer` and decodes those instructions in Python. Every match
# starts where the previous one ended because the last alternative matches any byte.
FAST_TOKENS = re.compile(
    b"(?:" + SKIPPED_INSTRUCTION + b")*+("
    + b"[\x10\x12\x14\x15\xd2]" + _LEB  # call return_call call_ref return_call_ref ref.func
    + b"|[\x11\x13]" + _LEB + _LEB  # call_indirect return_call_indirect
    + b"|\\Z|.)",
    re.DOTALL,
)


@cache
def constant_tokens() -> re.Pattern:
    """The pattern of the targeted second scan (compiled on first use, as only modules with
    indirect calls to resolve need it).

    `finditer` over a body (up to and with its final `end`) gives one match per token, with the
    groups: (1) an i32.const's LEB128, and after it either (2) an i32.load's memarg (the constant
    is the address it reads) or (3) the next opcode byte (how the value is used); (4) a ref.func's
    function index; an indirect call's (5) memarg of the `i32.load offset=K` right before it, when
    the callee was just loaded from memory (a vtable slot, a struct field), and (6) type index;
    (7) a call_ref's type index; (8) b"" at the end, or one byte where the slow path must decode an
    instruction to find the next one. Calls and `memory.grow` are skipped like anything else.
    """
    core = {op: LEB if kind in (CALL, MEMORY_GROW) else kind for op, kind in CORE.items()
            if op not in (0x28, 0x41, 0xD2) and kind not in (CALL_INDIRECT, CALL_REF)}
    prefixed = [b"".join([re.escape(bytes([p])), b"(?:",
                          b"|".join(_opcode_alternatives(t, SKIPPED_KINDS, leb=True)), b")"])
                for p, t in PREFIXED.items()]
    load = rb"\x28" + _MEMARG  # escaped: 0x28 is "("
    skipped = b"(?:" + b"|".join(
        _opcode_alternatives(core, SKIPPED_KINDS, leb=False)
        + [load + b"(?![\x11\x13])"]  # i32.load, unless an indirect call follows
        + prefixed + [_br_tables(_BR_TABLE_MAX)]) + b")"
    return re.compile(
        b"(?:" + skipped + b")*+(?:"
        + b"\x41(" + _LEB + rb")(?=\x28(" + _MEMARG + b")|(.))"
        + b"|\xd2(" + _LEB + b")"
        + rb"|(?:\x28(" + _MEMARG + b"))?[\x11\x13](" + _LEB + b")" + _LEB
        + b"|[\x14\x15](" + _LEB + b")"
        + b"|(\\Z|.))", re.DOTALL)


@cache
def order_tokens() -> re.Pattern:
    """The pattern of the ordered scan (`call_order`): one match per instruction that scan needs,
    in the order of the body. The groups: (1) a call's or return_call's target, the type index
    of (2) a call_indirect or (3) a call_ref (or their return_ forms), (4) memory.grow, (5) the
    opcode of a block, loop, if or try, (6) an `end` or a `delegate` (which ends a try), (7) b""
    at the end, or one byte where the slow path must decode an instruction (try_table, a long
    br_table, a rare encoding)."""
    opened = (0x02, 0x03, 0x04, 0x06, 0x0B, 0x18)  # block loop if try, end delegate
    core = {op: LEB if kind == REF_FUNC else kind for op, kind in CORE.items() if op not in opened}
    prefixed = [b"".join([re.escape(bytes([p])), b"(?:",
                          b"|".join(_opcode_alternatives(t, SKIPPED_KINDS, leb=True)), b")"])
                for p, t in PREFIXED.items()]
    skipped = b"(?:" + b"|".join(_opcode_alternatives(core, SKIPPED_KINDS, leb=False) + prefixed
                                 + [_br_tables(_BR_TABLE_MAX)]) + b")"
    return re.compile(
        b"(?:" + skipped + b")*+(?:"
        + b"[\x10\x12](" + _LEB + b")"
        + b"|[\x11\x13](" + _LEB + b")" + _LEB
        + b"|[\x14\x15](" + _LEB + b")"
        + b"|(\x40)" + _LEB
        + b"|([\x02\x03\x04\x06])" + _BLOCKTYPE
        + b"|(\x0b|\x18" + _LEB + b")"
        + rb"|(\Z|.))", re.DOTALL)
