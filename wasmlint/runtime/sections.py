"""A few facts read straight from a module's section headers, without decoding any code."""

from __future__ import annotations

from dataclasses import dataclass

MAGIC = b"\0asm"
CODE = 10
CUSTOM = 0


@dataclass(frozen=True)
class Section:
    id: int
    start: int  # offset of the section id byte
    payload_start: int
    end: int
    name: str | None = None  # custom sections only


@dataclass(frozen=True)
class ModuleShape:
    sections: tuple[Section, ...]
    code_size: int  # bytes of the code section: what compile time grows with
    has_dwarf: bool  # `.debug_info` / `.debug_line` present: wasmtime can map frames to file:line


def read_leb(data: bytes, offset: int) -> tuple[int, int]:
    """Unsigned LEB128 at `offset`: (value, offset after it); raises ValueError when truncated."""
    result = shift = 0
    while True:
        if offset >= len(data) or shift > 63:
            raise ValueError(f"truncated LEB128 at {offset:#x}")
        byte = data[offset]
        offset += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, offset


def encode_leb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_sections(data: bytes) -> tuple[Section, ...]:
    """Every section's id and extent; raises ValueError for a module that is not well formed."""
    if data[:4] != MAGIC or len(data) < 8:
        raise ValueError("not a WebAssembly module (bad magic number)")
    sections = []
    offset = 8
    while offset < len(data):
        start = offset
        section_id = data[offset]
        size, payload = read_leb(data, offset + 1)
        end = payload + size
        if end > len(data):
            raise ValueError(f"section at {start:#x} runs past the end of the module")
        name = None
        if section_id == CUSTOM:
            length, name_start = read_leb(data, payload)
            name = data[name_start:name_start + length].decode("utf-8", errors="replace")
        sections.append(Section(section_id, start, payload, end, name))
        offset = end
    return tuple(sections)


def module_shape(data: bytes) -> ModuleShape:
    sections = read_sections(data)
    code = sum(s.end - s.payload_start for s in sections if s.id == CODE)
    dwarf = any(s.name in (".debug_info", ".debug_line") for s in sections)
    return ModuleShape(sections, code, dwarf)
