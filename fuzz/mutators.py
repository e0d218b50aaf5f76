"""Mutations of real WebAssembly modules, and the seed modules they start from, for fuzzing the decoder.

Shared by tests/test_fuzz_decoder.py (hypothesis makes the random choices, so it can shrink them)
and fuzz/fuzz_decoder.py (a seeded random loop). A mutator takes the module's bytes, a
`random.Random` and donor modules (for splicing) and returns new bytes.

The layout readers here are independent of wasmlint's decoder on purpose: they run on the very
bytes the decoder is tested with, so they read leniently and stop at the first thing they cannot
read instead of raising.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from wasmlint.module import opcodes as op

REPO = Path(__file__).resolve().parents[1]
HEADER = b"\0asm\x01\x00\x00\x00"
# Custom sections the decoder reads; the others (DWARF, target features) are skipped whole, so
# mutations inside them teach nothing and seeds leave them out.
READ_CUSTOM_SECTIONS = ("name", "producers")
INTERESTING_BYTES = (0x00, 0x01, 0x0B, 0x40, 0x7F, 0x80, 0xFF)
INTERESTING_VALUES = (0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


# --- reading just enough of the layout ---------------------------------------------------------

def read_leb(data: bytes, pos: int, end: int, signed: bool = False) -> tuple[int, int] | None:
    """(value, position after it) of a LEB128 of at most 10 bytes, or None if there is none."""
    value = shift = 0
    for i in range(10):
        if pos + i >= end:
            return None
        b = data[pos + i]
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            if signed and b & 0x40:
                value -= 1 << shift
            return value, pos + i + 1
    return None


@dataclass(frozen=True)
class Field:
    """A LEB128 integer at data[start:end], and the size fields whose sizes count it (outermost first)."""

    start: int
    end: int
    value: int
    signed: bool = False
    enclosing: tuple["Field", ...] = ()


@dataclass(frozen=True)
class SectionSpan:
    id: int
    start: int  # the id byte
    size: Field
    end: int
    name: str | None = None  # custom sections

    @property
    def payload(self) -> int:
        return self.size.end


def sections(data: bytes) -> list[SectionSpan]:
    """The sections whose headers read cleanly, in file order (stops at the first bad header)."""
    out: list[SectionSpan] = []
    if data[:8] != HEADER:
        return out
    pos, n = 8, len(data)
    while pos < n:
        size = read_leb(data, pos + 1, n)
        if size is None or size[1] + size[0] > n:
            break
        end = size[1] + size[0]
        name = None
        if data[pos] == 0:
            length = read_leb(data, size[1], end)
            if length and length[1] + length[0] <= end:
                name = data[length[1]:length[1] + length[0]].decode("utf-8", "replace")
        out.append(SectionSpan(data[pos], pos, Field(pos + 1, size[1], size[0]), end, name))
        pos = end
    return out


def is_read(section: SectionSpan) -> bool:
    return section.id != 0 or section.name in READ_CUSTOM_SECTIONS


@dataclass(frozen=True)
class Body:
    size: Field
    start: int  # the locals
    end: int


def code_bodies(data: bytes, code: SectionSpan) -> list[Body]:
    """The function bodies of a code section, as far as they read cleanly."""
    count = read_leb(data, code.payload, code.end)
    if count is None:
        return []
    bodies, pos = [], count[1]
    for _ in range(count[0]):
        size = read_leb(data, pos, code.end)
        if size is None or size[1] + size[0] > code.end:
            break
        bodies.append(Body(Field(pos, size[1], size[0], enclosing=(code.size,)), size[1], size[1] + size[0]))
        pos = size[1] + size[0]
    return bodies


def locals_fields(data: bytes, body: Body) -> tuple[list[Field], int | None]:
    """The LEB128s of a body's locals (group count, each group's count), and where its code starts."""
    enclosing = body.size.enclosing + (body.size,)
    groups = read_leb(data, body.start, body.end)
    if groups is None:
        return [], None
    fields = [Field(body.start, groups[1], groups[0], enclosing=enclosing)]
    pos = groups[1]
    for _ in range(min(groups[0], 1000)):
        count = read_leb(data, pos, body.end)
        if count is None or count[1] >= body.end:
            return fields, None
        fields.append(Field(pos, count[1], count[0], enclosing=enclosing))
        pos = count[1] + 1  # one-byte value types are all that seeds use
    return fields, pos


_ONE_BYTE_BLOCK_TYPES = {0x40, 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F}


def immediates(data: bytes, body: Body, code_start: int, limit: int = 300) -> list[Field]:
    """The LEB128 immediates of a body's first instructions, walking only plain single-byte
    opcodes (it stops at the first instruction it does not know how to step over)."""
    enclosing = body.size.enclosing + (body.size,)
    fields: list[Field] = []
    pos, end = code_start, body.end

    def leb(signed: bool = False, keep: bool = True) -> bool:
        nonlocal pos
        read = read_leb(data, pos, end, signed)
        if read is None:
            return False
        if keep:
            fields.append(Field(pos, read[1], read[0], signed, enclosing))
        pos = read[1]
        return True

    for _ in range(limit):
        if pos >= end:
            break
        code = data[pos]
        kind = op.CORE.get(code)
        pos += 1
        if kind == op.NONE:
            continue
        if kind in (op.LEB, op.CALL, op.REF_FUNC, op.MEMORY_GROW, op.CALL_REF):
            # i32.const is signed; i64.const is walked over but left alone (64-bit, signed).
            ok = leb(signed=code == 0x41, keep=code != 0x42)
        elif kind == op.CALL_INDIRECT:
            ok = leb() and leb()
        elif kind == op.MEMARG:
            ok = leb() and (fields[-1].value & 0x40 == 0 or leb()) and leb()  # bit 6: a memory index
        elif kind == op.BLOCK:
            ok = pos < end and data[pos] in _ONE_BYTE_BLOCK_TYPES
            pos += 1
        elif kind in (op.BYTES4, op.BYTES8):
            pos += 4 if kind == op.BYTES4 else 8
            ok = pos <= end
        elif kind == op.BR_TABLE:
            ok = leb()
            for _ in range(fields[-1].value + 1 if ok else 0):  # a mutated count may be huge
                ok = leb()
                if not ok:
                    break
        else:
            ok = False
        if not ok:
            break
    return fields


# --- writing LEB128 ----------------------------------------------------------------------------

def min_width(value: int, signed: bool = False) -> int:
    width = 1
    while True:
        if signed:
            if -(1 << (7 * width - 1)) <= value < 1 << (7 * width - 1):
                return width
        elif value < 1 << (7 * width):
            return width
        width += 1


def encode_leb(value: int, width: int | None = None, signed: bool = False) -> bytes:
    """`value` as a LEB128 of exactly `width` bytes (default: the fewest); padding carries only the
    sign, so any width at least the shortest encodes the same value."""
    width = width or min_width(value, signed)
    out = bytearray()
    for i in range(width):
        out.append((value & 0x7F) | (0x80 if i < width - 1 else 0))
        value >>= 7  # arithmetic: a negative value keeps shifting in sign bits
    return bytes(out)


def replace_field(data: bytes, field: Field, new: bytes, fix_sizes: bool = True) -> bytes:
    """`data` with `field` re-encoded as `new`; the enclosing size fields grow or shrink to match
    (each keeps its width when the new size still fits in it)."""
    out = data[:field.start] + new + data[field.end:]
    delta = len(new) - (field.end - field.start)
    if not fix_sizes:
        return out
    # Innermost first: a size field comes before what it counts, so rewriting it does not move
    # the size fields further out.
    for outer in reversed(field.enclosing):
        value = outer.value + delta
        if value < 0:
            break
        width = outer.end - outer.start
        encoded = encode_leb(value, max(width, min_width(value)))
        out = out[:outer.start] + encoded + out[outer.end:]
        delta += len(encoded) - width
    return out


# --- the mutators --------------------------------------------------------------------------------

def _region(data: bytes, rnd: random.Random) -> tuple[int, int]:
    """Where to mutate: mostly one section the decoder reads (picked without regard to size, so the
    small type and import sections get as much attention as the code), sometimes anywhere."""
    read = [s for s in sections(data) if is_read(s)]
    if not read or rnd.random() < 0.15:
        return 0, len(data)
    section = rnd.choice(read)
    return section.start, section.end


def flip_bits(data: bytes, rnd: random.Random, donors: Sequence[bytes] = ()) -> bytes:
    """Flip one to four bits, or set a byte to a value that often means something (end, 0x80...)."""
    if not data:
        return bytes([rnd.choice(INTERESTING_BYTES)])
    start, end = _region(data, rnd)
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        pos = rnd.randrange(start, end)
        if rnd.random() < 0.75:
            buf[pos] ^= 1 << rnd.randrange(8)
        else:
            buf[pos] = rnd.choice(INTERESTING_BYTES)
    return bytes(buf)


def nested_regions(data: bytes) -> list[Field]:
    """The contents of each section the decoder reads, of each function body and of each name
    subsection, as Fields spanning the contents whose `enclosing` are the sizes that count them."""
    regions = []
    for s in sections(data):
        if not is_read(s):
            continue
        regions.append(Field(s.payload, s.end, 0, enclosing=(s.size,)))
        if s.id == 10:
            regions += [Field(b.start, b.end, 0, enclosing=(s.size, b.size)) for b in code_bodies(data, s)]
        elif s.name == "name":
            length = read_leb(data, s.payload, s.end)
            pos = length[1] + length[0] if length else s.end
            while pos < s.end:
                size = read_leb(data, pos + 1, s.end)
                if size is None or size[1] + size[0] > s.end:
                    break
                sub_size = Field(pos + 1, size[1], size[0], enclosing=(s.size,))
                regions.append(Field(size[1], size[1] + size[0], 0, enclosing=(s.size, sub_size)))
                pos = size[1] + size[0]
    return regions


def truncate(data: bytes, rnd: random.Random, donors: Sequence[bytes] = ()) -> bytes:
    """Cut the module short (anywhere, inside a section, or near a section boundary), cut a hole
    out of the middle, or end a section, a function body or a name subsection early with its
    size (and the sizes around it) fixed to match, so that the rest of the module still reads."""
    if len(data) < 2:
        return b""
    mode = rnd.choice(("anywhere", "in-section", "boundary", "hole", "shorten", "shorten"))
    if mode == "anywhere":
        return data[:rnd.randrange(len(data))]
    if mode == "shorten":
        regions = [r for r in nested_regions(data) if r.end > r.start]
        if regions:
            region = rnd.choice(regions)
            cut = rnd.randint(1, min(region.end - region.start, rnd.choice((2, 8, 32))))
            return replace_field(data, Field(region.end - cut, region.end, 0, enclosing=region.enclosing), b"")
    start, end = _region(data, rnd)
    if mode == "in-section":
        return data[:rnd.randrange(start, end)]
    if mode == "boundary":
        cut = rnd.choice((start, end)) + rnd.randint(-3, 3)
        return data[:min(max(cut, 0), len(data) - 1)]
    first = rnd.randrange(start, end)
    return data[:first] + data[first + rnd.randint(1, min(16, end - first)):]


SPLICE_OPS = ("swap", "duplicate", "drop", "insert", "replace")


def splice_sections(data: bytes, rnd: random.Random, donors: Sequence[bytes] = ()) -> bytes:
    """Swap, duplicate or drop whole sections, or insert (or substitute) a section of a donor module."""
    spans = sections(data)
    header, tail = data[:8], data[spans[-1].end:] if spans else data[8:]
    pieces = [data[s.start:s.end] for s in spans]
    donor_pieces = []
    if donors:
        donor = rnd.choice(donors)
        donor_pieces = [(s.id, donor[s.start:s.end]) for s in sections(donor) if is_read(s)]
    operation = rnd.choice(SPLICE_OPS)
    if operation in ("insert", "replace") and not donor_pieces:
        operation = "duplicate"
    if not pieces and operation != "insert":
        return header + b"".join(p for _, p in donor_pieces[:1]) + tail
    if operation == "swap":
        i, j = rnd.randrange(len(pieces)), rnd.randrange(len(pieces))
        pieces[i], pieces[j] = pieces[j], pieces[i]
    elif operation == "duplicate":
        piece = rnd.choice(pieces)
        pieces.insert(rnd.randrange(len(pieces) + 1), piece)
    elif operation == "drop":
        del pieces[rnd.randrange(len(pieces))]
    elif operation == "insert":
        pieces.insert(rnd.randrange(len(pieces) + 1), rnd.choice(donor_pieces)[1])
    else:  # replace one section with the donor's section of the same kind (or any, if it has none)
        i = rnd.randrange(len(pieces))
        same = [p for section_id, p in donor_pieces if section_id == data[spans[i].start]]
        pieces[i] = rnd.choice(same or [p for _, p in donor_pieces])
    return header + b"".join(pieces) + tail


LEB_TARGETS = ("section size", "section count", "body size", "local count", "immediate", "function name")
LEB_MODES = ("padded", "too long", "too large", "value")


def leb_fields(data: bytes, rnd: random.Random, target: str) -> list[Field]:
    """The LEB128 fields of one kind: section sizes, the count (or index) that opens each non-custom
    section, body sizes, local counts or the immediates of one randomly chosen body, or the
    indices and lengths in the name section's function names."""
    spans = sections(data)
    if target == "section size":
        return [s.size for s in spans]
    if target == "section count":
        fields = []
        for s in spans:
            read = read_leb(data, s.payload, s.end) if s.id != 0 else None
            if read is not None:
                fields.append(Field(s.payload, read[1], read[0], enclosing=(s.size,)))
        return fields
    if target == "function name":
        return [f for s in spans if s.id == 0 and s.name == "name" for f in function_name_fields(data, s)]
    code = next((s for s in spans if s.id == 10), None)
    bodies = code_bodies(data, code) if code else []
    if not bodies:
        return []
    if target == "body size":
        return [b.size for b in bodies]
    body = rnd.choice(bodies)
    locals_, code_start = locals_fields(data, body)
    if target == "local count" or code_start is None:
        return locals_
    return immediates(data, body, code_start)


def function_name_fields(data: bytes, section: SectionSpan) -> list[Field]:
    """The index and length LEB128s of the entries of a name section's function names."""
    length = read_leb(data, section.payload, section.end)
    pos = length[1] + length[0] if length else section.end
    while pos < section.end:
        size = read_leb(data, pos + 1, section.end)
        if size is None or size[1] + size[0] > section.end:
            break
        sub_end = size[1] + size[0]
        if data[pos] == 1:  # function names: vec((index, name))
            enclosing = (section.size, Field(pos + 1, size[1], size[0], enclosing=(section.size,)))
            fields, count = [], read_leb(data, size[1], sub_end)
            p = count[1] if count else sub_end
            for _ in range(count[0] if count else 0):
                index = read_leb(data, p, sub_end)
                length = read_leb(data, index[1], sub_end) if index else None
                if length is None:
                    break
                fields += [Field(p, index[1], index[0], enclosing=enclosing),
                           Field(index[1], length[1], length[0], enclosing=enclosing)]
                p = length[1] + length[0]
            return fields
        pos = sub_end
    return []


def reencode(field: Field, mode: str, rnd: random.Random) -> bytes:
    """A new encoding of `field`: the same value padded (valid up to 5 bytes), padded past the 5
    bytes a 32-bit integer may take, with bits set beyond 32, or a different, boundary value."""
    value, signed = field.value, field.signed
    shortest = min_width(value, signed)
    if mode == "padded":
        return encode_leb(value, rnd.randint(max(shortest, 2), max(shortest, 5)), signed)
    if mode == "too long":
        return encode_leb(value, rnd.randint(max(shortest, 6), max(shortest, 10)), signed)
    if mode == "too large":
        encoded = bytearray(encode_leb(value, max(shortest, 5), signed))
        encoded[4] ^= 0x20 if signed else 0x10 << rnd.randrange(3)
        return bytes(encoded)
    new = rnd.choice(INTERESTING_VALUES + (value + 1, max(value - 1, 0)))
    return encode_leb(new, signed=signed)


def reencode_leb(data: bytes, rnd: random.Random, donors: Sequence[bytes] = ()) -> bytes:
    """Re-encode one LEB128 (a section size, a section's count, a body size, a local count, an
    instruction immediate, a function name's index or length): overlong but valid, overlong and invalid, or a boundary value. The
    enclosing sizes are fixed up to match (usually), so the rest of the module still lines up."""
    targets = list(LEB_TARGETS)
    rnd.shuffle(targets)
    for target in targets:
        fields = leb_fields(data, rnd, target)
        if fields:
            field = rnd.choice(fields)
            new = reencode(field, rnd.choice(LEB_MODES), rnd)
            return replace_field(data, field, new, fix_sizes=rnd.random() < 0.9)
    return flip_bits(data, rnd, donors)


Mutator = Callable[[bytes, random.Random, Sequence[bytes]], bytes]
MUTATORS: dict[str, Mutator] = {
    "bit-flip": flip_bits, "truncate": truncate, "splice": splice_sections, "leb": reencode_leb,
}


def mutate(data: bytes, rnd: random.Random, donors: Sequence[bytes] = (),
           names: Sequence[str] | None = None) -> tuple[bytes, list[str]]:
    """Apply one to three mutators (the named ones, or random ones); returns the bytes and the names."""
    if names is None:
        names = [rnd.choice(list(MUTATORS)) for _ in range(rnd.choice((1, 1, 1, 2, 3)))]
    for name in names:
        data = MUTATORS[name](data, rnd, donors)
    return data, list(names)


# --- seeds ---------------------------------------------------------------------------------------

def without_unread_sections(data: bytes) -> bytes:
    """The module without the custom sections the decoder skips (debug info is most of a guest)."""
    spans = sections(data)
    return HEADER + b"".join(data[s.start:s.end] for s in spans if is_read(s))


def _canonical_u32(value: int, where: str) -> bytes:
    return encode_leb(value)


def _canonical_s32(value: int, where: str) -> bytes:
    return encode_leb(value, signed=True)


def assembled_module(u32: Callable[[int, str], bytes] = _canonical_u32,
                     s32: Callable[[int, str], bytes] = _canonical_s32) -> bytes:
    """A small module assembled byte by byte: a host growth import, an export that reaches
    `memory.grow` directly and through a table, a memory without maximum, globals, data and a
    name section (last in the file, its last name empty, as a name may be).

    Every LEB128 goes through `u32(value, where)` / `s32(value, where)`, so a test can pad any of
    them. `where` names the field; fields of the name section start with "name:", and immediates
    whose value the decoder does not need (its fast path steps over them) with "skipped:"."""

    def vec(items: list[bytes], where: str) -> bytes:
        return u32(len(items), f"{where} count") + b"".join(items)

    def name(text: str, where: str) -> bytes:
        raw = text.encode()
        return u32(len(raw), f"{where} length") + raw

    def section(section_id: int, payload: bytes, where: str) -> bytes:
        return bytes([section_id]) + u32(len(payload), f"{where} section size") + payload

    def i32_const(value: int, where: str) -> bytes:
        return b"\x41" + s32(value, where)

    def body(local_groups: list[tuple[int, int]], code: bytes, where: str) -> bytes:
        locals_ = vec([u32(n, f"{where} local count") + bytes([t]) for n, t in local_groups], f"{where} locals")
        return u32(len(locals_) + len(code), f"{where} body size") + locals_ + code

    i32 = 0x7F
    types = vec([
        b"\x60" + vec([], "type 0 params") + vec([], "type 0 results"),
        b"\x60" + vec([bytes([i32])], "type 1 params") + vec([bytes([i32])], "type 1 results"),
    ], "type")
    imports = vec([name("env", "import module") + name("sbrk", "import name") + b"\x00" + u32(1, "import type")],
                  "import")
    functions = vec([u32(1, "func 1 type"), u32(0, "func 2 type"), u32(0, "func 3 type")], "function")
    tables = vec([b"\x70\x01" + u32(1, "table min") + u32(1, "table max")], "table")
    memories = vec([b"\x00" + u32(1, "memory min")], "memory")
    globals_ = vec([bytes([i32, 1]) + i32_const(65536, "global init") + b"\x0b"], "global")
    exports = vec([
        name("entry", "export 0 name") + b"\x00" + u32(2, "export 0 index"),
        name("memory", "export 1 name") + b"\x02" + u32(0, "export 1 index"),
    ], "export")
    elements = vec([u32(0, "element flags") + i32_const(0, "element offset") + b"\x0b"
                    + vec([u32(3, "element func")], "element funcs")], "element")
    grow = body([], b"\x20" + u32(0, "skipped: local.get index") + b"\x40" + u32(0, "memory.grow memory")
                + b"\x0b", "func 1")
    entry = body([(2, i32)], b"".join([
        i32_const(-1, "skipped: i32.const"), b"\x10", u32(1, "call target"), b"\x1a",
        i32_const(0, "skipped: i32.const"), b"\x11", u32(0, "call_indirect type"), u32(0, "skipped: call_indirect table"),
        i32_const(4096, "skipped: i32.const"), b"\x10", u32(0, "call target"), b"\x21", u32(1, "skipped: local.set"),
        b"\x0b"]), "func 2")
    helper = body([], b"\x0b", "func 3")
    code = vec([grow, entry, helper], "code")
    data = vec([u32(0, "data flags") + i32_const(16, "data offset") + b"\x0b" + vec([b"h", b"i"], "data bytes")],
               "data")
    func_names = vec([u32(i, "name: func index") + name(text, "name: func name")
                      for i, text in ((0, "sbrk"), (1, "grow_pages"), (2, "entry"), (3, ""))],
                     "name: func names")
    names = name("name", "name: section name") + b"\x01" + u32(len(func_names), "name: subsection size") + func_names
    return HEADER + b"".join([
        section(1, types, "type"), section(2, imports, "import"), section(3, functions, "function"),
        section(4, tables, "table"), section(5, memories, "memory"), section(6, globals_, "global"),
        section(7, exports, "export"), section(9, elements, "element"), section(10, code, "code"),
        section(11, data, "data"), section(0, names, "name: custom"),
    ])


def _section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + encode_leb(len(payload)) + payload


def _vec(items: list[bytes]) -> bytes:
    return encode_leb(len(items)) + b"".join(items)


def _name(text: str) -> bytes:
    return encode_leb(len(text.encode())) + text.encode()


def _functions(bodies: list[bytes], names: list[str] | None = None, exports: list[int] = (),
               imports: list[bytes] = ()) -> bytes:
    """A module of functions of type () -> () with these bodies (code after an empty locals vector),
    one memory, the given exports (function indices) and, optionally, a name per function."""
    code = [encode_leb(len(body) + 2) + b"\x00" + body + b"\x0b" for body in bodies]
    out = HEADER + _section(1, _vec([b"\x60\x00\x00"]))
    if imports:
        out += _section(2, _vec(imports))
    out += (_section(3, _vec([b"\x00"] * len(bodies))) + _section(5, _vec([b"\x00\x01"]))
            + _section(7, _vec([_name(f"e{i}") + b"\x00" + encode_leb(i) for i in exports]))
            + _section(10, _vec(code)))
    if names:
        entries = _vec([encode_leb(i) + _name(text) for i, text in enumerate(names)])
        out += _section(0, _name("name") + b"\x01" + encode_leb(len(entries)) + entries)
    return out


GROW = b"\x41\x00\x40\x00\x1a"  # i32.const 0; memory.grow 0; drop


def wide_module(dimension: str, n: int) -> bytes:
    """A valid module that is large in one dimension only (n of something), to find steps whose
    time grows faster than the module: every one must stay linear."""
    if dimension == "memories":  # n memories, each exported
        return (HEADER + _section(5, _vec([b"\x00\x00"] * n))
                + _section(7, _vec([_name(f"m{i}") + b"\x02" + encode_leb(i) for i in range(n)])))
    if dimension == "tables":  # n tables, each exported
        return (HEADER + _section(4, _vec([b"\x70\x00\x00"] * n))
                + _section(7, _vec([_name(f"t{i}") + b"\x01" + encode_leb(i) for i in range(n)])))
    if dimension == "grow sites":  # n named functions that each grow memory, all called by one export
        calls = b"".join(b"\x10" + encode_leb(i + 1) for i in range(n))
        return _functions([calls] + [GROW] * n, ["entry"] + [f"grow{i}" for i in range(n)], exports=[0])
    if dimension == "call chain":  # n exported functions, each calling the next; the last grows
        bodies = [b"\x10" + encode_leb(i + 1) for i in range(n - 1)] + [GROW]
        return _functions(bodies, exports=list(range(n)))
    if dimension == "host imports":  # n `env.sbrk` imports, each called from its own export
        imports = [_name("env") + _name("sbrk") + b"\x00\x00"] * n
        return _functions([b"\x10" + encode_leb(i) for i in range(n)], imports=imports,
                          exports=[n + i for i in range(n)])
    if dimension == "indirect calls":  # a table of n functions and n call_indirect sites
        module = _functions([b"\x41\x00\x11\x00\x00" * n] + [GROW] * n, exports=[0])
        elements = _section(9, _vec([b"\x00\x41\x00\x0b" + _vec([encode_leb(i + 1) for i in range(n)])]))
        spans = sections(module)
        code = next(s for s in spans if s.id == 10)
        memory = next(s for s in spans if s.id == 5)
        table = _section(4, _vec([b"\x70\x00" + encode_leb(n)]))
        return (module[:memory.start] + table + module[memory.start:code.start] + elements
                + module[code.start:])
    if dimension == "long name":  # n exports that all call one function with a name of 50n characters
        return _functions([GROW] + [b"\x10\x00"] * n, ["g" * 50 * n] + [f"e{i}" for i in range(1, n + 1)],
                          exports=list(range(1, n + 1)))
    if dimension == "br_table labels":  # one br_table of n labels
        return _functions([b"\x02\x40\x41\x00\x0e" + encode_leb(n) + b"\x00" * (n + 1) + b"\x0b" + GROW],
                          exports=[0])
    raise ValueError(dimension)


WIDE_DIMENSIONS = ("memories", "tables", "grow sites", "call chain", "host imports", "indirect calls",
                   "long name", "br_table labels")


def wat_seeds() -> dict[str, bytes]:
    """Small modules from WebAssembly text: the decoder fixtures, the WAT guest and the module
    rules' test cases."""
    from wasmlint.module.analysis import wat_to_wasm
    from wasmlint.rules import builtin_rules

    texts = {path.name: path.read_text(encoding="utf-8")
             for path in sorted((REPO / "tests" / "wat" / "module").glob("*.wat"))}
    texts["greeting.wat"] = (REPO / "guests" / "greeting-wat" / "greeting.wat").read_text(encoding="utf-8")
    for rule in builtin_rules().values():
        if rule.layer.value == "module":
            for case in rule.tests:
                texts[f"{rule.id}:{case.name}"] = case.code
    return {name: wat_to_wasm(text, name) for name, text in texts.items()}


def seed_modules(guests: dict[str, Path]) -> dict[str, bytes]:
    """Every seed: the compiled guests (without debug info), the WAT modules, the assembled one and
    small wide ones."""
    seeds = {name: without_unread_sections(path.read_bytes()) for name, path in sorted(guests.items())}
    seeds.update(wat_seeds())
    seeds["assembled"] = assembled_module()
    seeds.update({f"wide: {dimension}": wide_module(dimension, 200) for dimension in WIDE_DIMENSIONS})
    return seeds
