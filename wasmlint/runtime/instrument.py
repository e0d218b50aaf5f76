"""Rewrite a module so that every `memory.grow` goes through an added function that can be made to trap."""

from __future__ import annotations

from dataclasses import dataclass

from wasmlint.runtime.sections import CODE, CUSTOM, MAGIC, Section, encode_leb, read_leb, read_sections

GUARD_EXPORT = "__wasmlint_grow_armed"  # the added exported global; 1 makes every memory.grow trap
TYPE, IMPORT, FUNCTION, MEMORY, GLOBAL, EXPORT = 1, 2, 3, 5, 6, 7
# Where each known section may sit (the tag section, 13, goes between memory and global).
ORDER = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}
I32, I64 = 0x7F, 0x7E
OP_CALL, OP_GROW = 0x10, 0x40


class InstrumentError(ValueError):
    """The module cannot be rewritten (malformed, or a shape this rewriter does not know)."""


@dataclass(frozen=True)
class Instrumented:
    data: bytes
    guards: dict[int, int]  # memory index -> function index of the added guard
    sites: int  # how many `memory.grow` instructions now call a guard


@dataclass(frozen=True)
class _Header:
    imported_funcs: int
    imported_globals: int
    memory64: tuple[bool, ...]  # per memory index, imported first


def _skip_limits(data: bytes, offset: int) -> tuple[int, bool]:
    flags = data[offset]
    _, offset = read_leb(data, offset + 1)
    if flags & 0x01:
        _, offset = read_leb(data, offset)
    if flags & 0x08:  # custom page size
        _, offset = read_leb(data, offset)
    return offset, bool(flags & 0x04)


def _skip_reftype(data: bytes, offset: int) -> int:
    if data[offset] in (0x63, 0x64):  # (ref null? heaptype): heap type is an s33
        offset += 1
        while data[offset] & 0x80:
            offset += 1
    return offset + 1


def _read_header(data: bytes, sections: tuple[Section, ...]) -> _Header:
    funcs = globals_ = 0
    memory64: list[bool] = []
    for section in sections:
        if section.id == IMPORT:
            count, offset = read_leb(data, section.payload_start)
            for _ in range(count):
                for _name in range(2):
                    length, offset = read_leb(data, offset)
                    offset += length
                kind = data[offset]
                offset += 1
                if kind == 0x00:
                    funcs += 1
                    _, offset = read_leb(data, offset)
                elif kind == 0x01:
                    offset, _ = _skip_limits(data, _skip_reftype(data, offset))
                elif kind == 0x02:
                    offset, is64 = _skip_limits(data, offset)
                    memory64.append(is64)
                elif kind == 0x03:
                    globals_ += 1
                    offset = _skip_reftype(data, offset) + 1
                elif kind == 0x04:
                    _, offset = read_leb(data, offset + 1)
                else:
                    raise InstrumentError(f"unknown import kind {kind:#x} at {offset - 1:#x}")
        elif section.id == MEMORY:
            count, offset = read_leb(data, section.payload_start)
            for _ in range(count):
                offset, is64 = _skip_limits(data, offset)
                memory64.append(is64)
    return _Header(funcs, globals_, tuple(memory64))


def _vector(data: bytes, section: Section | None) -> tuple[int, bytes]:
    """(count, items) of a vector section; (0, b"") when the section is absent."""
    if section is None:
        return 0, b""
    count, offset = read_leb(data, section.payload_start)
    return count, data[offset:section.end]


def _section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + encode_leb(len(payload)) + payload


def _guard_body(global_index: int, memory_index: int) -> bytes:
    body = (
        b"\x00"  # no locals
        + b"\x23" + encode_leb(global_index)  # global.get $armed
        + b"\x04\x40\x00\x0b"  # if  unreachable  end
        + b"\x20\x00"  # local.get 0 (the delta)
        + bytes([OP_GROW]) + encode_leb(memory_index)
        + b"\x0b"
    )
    return encode_leb(len(body)) + body


def _rewrite_code(data: bytes, section: Section, sites: list[tuple[int, int]], guards: dict[int, int],
                  guard_bodies: list[bytes]) -> tuple[bytes, int]:
    """The code section with each grow site replaced by a call to its memory's guard."""
    count, offset = read_leb(data, section.payload_start)
    by_offset = dict(sites)
    sorted_sites = sorted(by_offset)
    bodies, rewritten, cursor = [], 0, 0
    for _ in range(count):
        size, start = read_leb(data, offset)
        end = start + size
        parts, position = [], start
        while cursor < len(sorted_sites) and sorted_sites[cursor] < end:
            site = sorted_sites[cursor]
            cursor += 1
            if site < start or data[site] != OP_GROW:
                raise InstrumentError(f"no memory.grow at {site:#x}")
            memory_index, after = read_leb(data, site + 1)
            parts += [data[position:site], bytes([OP_CALL]) + encode_leb(guards[by_offset[site]])]
            position = after
            rewritten += 1
        parts.append(data[position:end])
        body = b"".join(parts)
        bodies.append(encode_leb(len(body)) + body)
        offset = end
    if rewritten != len(sorted_sites):
        raise InstrumentError("some grow sites lie outside every function body")
    payload = encode_leb(count + len(guard_bodies)) + b"".join(bodies) + b"".join(guard_bodies)
    return _section(CODE, payload), rewritten


def instrument(data: bytes, grow_sites: list[tuple[int, int]]) -> Instrumented:
    """Route each `memory.grow` (module offset, memory index) through a guard; drop stale DWARF."""
    if data[:4] != MAGIC:
        raise InstrumentError("not a WebAssembly module")
    try:
        sections = read_sections(data)
        header = _read_header(data, sections)
    except (ValueError, IndexError) as exc:
        raise InstrumentError(str(exc)) from None
    by_id = {s.id: s for s in sections if s.id != CUSTOM}
    if CODE not in by_id:
        raise InstrumentError("the module has no code section")
    type_count, type_items = _vector(data, by_id.get(TYPE))
    func_count, func_items = _vector(data, by_id.get(FUNCTION))
    global_count, global_items = _vector(data, by_id.get(GLOBAL))
    export_count, export_items = _vector(data, by_id.get(EXPORT))
    armed_global = header.imported_globals + global_count
    memories = sorted({memory for _, memory in grow_sites})
    guards, new_types, new_funcs, guard_bodies = {}, b"", b"", []
    for n, memory in enumerate(memories):
        if memory >= len(header.memory64):
            raise InstrumentError(f"memory.grow names memory {memory}, which the module does not have")
        index_type = I64 if header.memory64[memory] else I32
        new_types += bytes([0x60, 1, index_type, 1, index_type])  # (func (param T) (result T))
        new_funcs += encode_leb(type_count + n)
        guards[memory] = header.imported_funcs + func_count + n
        guard_bodies.append(_guard_body(armed_global, memory))
    name = GUARD_EXPORT.encode()
    replacements = {
        TYPE: _section(TYPE, encode_leb(type_count + len(memories)) + type_items + new_types),
        FUNCTION: _section(FUNCTION, encode_leb(func_count + len(memories)) + func_items + new_funcs),
        GLOBAL: _section(GLOBAL, encode_leb(global_count + 1) + global_items + b"\x7f\x01\x41\x00\x0b"),
        EXPORT: _section(EXPORT, encode_leb(export_count + 1) + export_items
                         + encode_leb(len(name)) + name + b"\x03" + encode_leb(armed_global)),
    }
    try:
        code, rewritten = _rewrite_code(data, by_id[CODE], grow_sites, guards, guard_bodies)
    except (ValueError, IndexError, KeyError) as exc:
        raise InstrumentError(str(exc)) from None
    replacements[CODE] = code
    out = [data[:8]]
    for section in sections:
        if section.id == CUSTOM:
            # Code offsets moved, so DWARF would point at the wrong lines: better none.
            if not (section.name or "").startswith(".debug"):
                out.append(data[section.start:section.end])
            continue
        # Sections the module lacks (a global or export section) go before the first later one.
        for missing in [sid for sid in list(replacements) if sid not in by_id and ORDER[sid] < ORDER.get(section.id, 99)]:
            out.append(replacements.pop(missing))
        out.append(replacements.pop(section.id, data[section.start:section.end]))
    out.extend(replacements[sid] for sid in sorted(replacements, key=ORDER.__getitem__) if sid not in by_id)
    return Instrumented(b"".join(out), guards, rewritten)
