"""Read the module's structure: the header, the section headers and every section but code and custom ones."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wasmlint.module.instructions import BodyFacts, decode_instruction
from wasmlint.module.leb import DecodeError
from wasmlint.module.leb import read_s32 as _s32, read_u32 as _u32
from wasmlint.module.leb import skip as _skip_leb
from wasmlint.module.model import (
    SECTION_NAMES, DataSegment, ElementSegment, Export, FuncType, Import, Limits, Memory, Section, Table,
    WasmModule,
)
from wasmlint.module.readers import read_byte as _byte, read_limits as _limits, read_name as _name
from wasmlint.module.readers import read_value_type as _value_type

MAGIC = b"\0asm"
VERSION = b"\x01\x00\x00\x00"
# Where each known section may appear (the tag section sits between memory and global).
SECTION_ORDER = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}
EXTERNAL_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
_SIMPLE_CONST = re.compile(
    rb"\x41([\x80-\xff]{0,4}[\x00-\x7f])\x0b|[\x42\x23][\x80-\xff]{0,9}[\x00-\x7f]\x0b")


def section_headers(data: bytes):
    """Each section (and where its contents start: after a custom section's name) in file order,
    checking only the module header and the section headers. A generator, so that the decoder
    reports the first malformation in the file even when it is inside an earlier section."""
    if len(data) < 8:
        raise DecodeError("not a WebAssembly module: shorter than its 8-byte header", 0)
    if data[:4] != MAGIC:
        raise DecodeError("not a WebAssembly module: bad magic number", 0)
    if data[4:8] != VERSION:
        version = int.from_bytes(data[4:8], "little")
        what = "a component, not a core module" if data[6:8] == b"\x01\x00" else f"version {version:#x}"
        raise DecodeError(f"unsupported binary: {what}", 4)
    pos, n = 8, len(data)
    while pos < n:
        start = pos
        section_id = data[pos]
        size, pos = _u32(data, pos + 1, n)
        end = pos + size
        if end > n:
            raise DecodeError(
                f"{SECTION_NAMES.get(section_id, 'unknown')} section of {size} bytes runs past "
                f"the end of the module ({n - pos} bytes left)", start)
        if section_id not in SECTION_NAMES:
            raise DecodeError(f"unknown section id {section_id}", start)
        name, contents = _name(data, pos, end) if section_id == 0 else (None, pos)
        yield Section(section_id, start, pos, end, name), contents
        pos = end


def read_sections(data: bytes) -> list[Section]:
    """Every section's id, extent and (custom sections) name, from the headers alone: cheap even
    for a large module, as no section's contents are decoded. Raises DecodeError with the offset."""
    return [section for section, _ in section_headers(data)]


@dataclass(slots=True)
class _ConstFacts(BodyFacts):
    """What a constant expression holds: its `ref.func` targets, and its value if an i32 constant."""

    constant: int | None = None


class SectionReader:
    """Reads sections into `module` by kind (`_sec_<kind>`): types, imports, functions, tables,
    memories, tags, globals, exports, start, elements, data count and data."""

    def __init__(self, data: bytes, module: WasmModule):
        self.data = data
        self.m = module
        self.num_defined_funcs = 0

    def _vec(self, pos: int, end: int) -> tuple[int, int]:
        return _u32(self.data, pos, end)

    def _sec_type(self, pos: int, end: int) -> int:
        data = self.data
        count, pos = self._vec(pos, end)
        for _ in range(count):
            form = _byte(data, pos, end)
            if form == 0x4E:  # rec group
                members, pos = _u32(data, pos + 1, end)
                for _ in range(members):
                    pos = self._sub_type(pos, end)
            else:
                pos = self._sub_type(pos, end)
        return pos

    def _sub_type(self, pos: int, end: int) -> int:
        data = self.data
        form = _byte(data, pos, end)
        if form in (0x50, 0x4F):  # sub / sub final: supertypes, then the composite type
            supers, pos = _u32(data, pos + 1, end)
            for _ in range(supers):
                _, pos = _u32(data, pos, end)
            form = _byte(data, pos, end)
        pos += 1
        if form == 0x60:
            params, pos = self._value_types(pos, end)
            results, pos = self._value_types(pos, end)
            self.m.types.append(FuncType(params, results))
        elif form == 0x5F:
            fields, pos = _u32(data, pos, end)
            for _ in range(fields):
                pos = self._field_type(pos, end)
            self.m.types.append(FuncType((), (), "struct"))
        elif form == 0x5E:
            pos = self._field_type(pos, end)
            self.m.types.append(FuncType((), (), "array"))
        elif form == 0x5D:  # stack switching: cont $ft
            _, pos = _u32(data, pos, end)
            self.m.types.append(FuncType((), (), "cont"))
        else:
            raise DecodeError(f"invalid type form {form:#04x}", pos - 1)
        return pos

    def _field_type(self, pos: int, end: int) -> int:
        b = _byte(self.data, pos, end)
        pos = pos + 1 if b in (0x78, 0x77) else _value_type(self.data, pos, end)[1]  # i8 / i16
        mutability = _byte(self.data, pos, end)
        if mutability > 1:
            raise DecodeError(f"invalid mutability {mutability:#04x}", pos)
        return pos + 1

    def _value_types(self, pos: int, end: int) -> tuple[tuple[str, ...], int]:
        count, pos = _u32(self.data, pos, end)
        out = []
        for _ in range(count):
            name, pos = _value_type(self.data, pos, end)
            out.append(name)
        return tuple(out), pos

    def _table_type(self, pos: int, end: int) -> tuple[str, Limits, int]:
        ref_type, pos = _value_type(self.data, pos, end)
        limits, pos = _limits(self.data, pos, end)
        return ref_type, limits, pos

    def _global_type(self, pos: int, end: int) -> tuple[str, bool, int]:
        value_type, pos = _value_type(self.data, pos, end)
        mutability = _byte(self.data, pos, end)
        if mutability > 1:
            raise DecodeError(f"invalid global mutability {mutability:#04x}", pos)
        return value_type, bool(mutability), pos + 1

    def _sec_import(self, pos: int, end: int) -> int:
        data, m = self.data, self.m
        count, pos = self._vec(pos, end)
        for _ in range(count):
            module, pos = _name(data, pos, end)
            name, pos = _name(data, pos, end)
            kind_byte = _byte(data, pos, end)
            kind = EXTERNAL_KINDS.get(kind_byte)
            if kind is None:
                raise DecodeError(f"invalid import kind {kind_byte:#04x}", pos)
            pos += 1
            if kind == "func":
                type_index, pos = _u32(data, pos, end)
                self._check_type_index(type_index, pos)
                m.imports.append(Import(module, name, kind, len(m.func_type_indices), type_index))
                m.func_type_indices.append(type_index)
                m.num_imported_funcs += 1
            elif kind == "table":
                ref_type, limits, pos = self._table_type(pos, end)
                index = len(m.tables)
                m.tables.append(Table(index, ref_type, limits.min, limits.max, True))
                m.imports.append(Import(module, name, kind, index, limits=limits, value_type=ref_type))
            elif kind == "memory":
                limits, pos = _limits(data, pos, end)
                index = len(m.memories)
                m.memories.append(Memory(index, limits.min, limits.max, limits.shared, limits.is64,
                                         True, limits.page_size, f"{module}.{name}"))
                m.imports.append(Import(module, name, kind, index, limits=limits))
            elif kind == "global":
                value_type, mutable, pos = self._global_type(pos, end)
                m.imports.append(Import(module, name, kind, m.num_globals, value_type=value_type,
                                        mutable=mutable))
                m.num_globals += 1
            else:  # tag
                pos = self._tag_type(pos, end)
                m.imports.append(Import(module, name, kind, len(m.tag_type_indices) - 1,
                                        m.tag_type_indices[-1]))
        return pos

    def _tag_type(self, pos: int, end: int) -> int:
        attribute = _byte(self.data, pos, end)
        if attribute != 0:
            raise DecodeError(f"invalid tag attribute {attribute:#04x}", pos)
        type_index, pos = _u32(self.data, pos + 1, end)
        self._check_type_index(type_index, pos)
        self.m.tag_type_indices.append(type_index)
        return pos

    def _check_type_index(self, type_index: int, pos: int) -> None:
        if type_index >= len(self.m.types):
            raise DecodeError(f"type index {type_index} out of range ({len(self.m.types)} types)", pos - 1)

    def _sec_function(self, pos: int, end: int) -> int:
        data, indices = self.data, self.m.func_type_indices
        count, pos = self._vec(pos, end)
        num_types = len(self.m.types)
        for _ in range(count):
            type_index, pos = _u32(data, pos, end)
            if type_index >= num_types:
                raise DecodeError(f"type index {type_index} out of range ({num_types} types)", pos - 1)
            indices.append(type_index)
        self.num_defined_funcs = count
        return pos

    def _sec_table(self, pos: int, end: int) -> int:
        data, m = self.data, self.m
        count, pos = self._vec(pos, end)
        for _ in range(count):
            with_init = _byte(data, pos, end) == 0x40
            if with_init:  # 0x40 0x00 tabletype expr (function references proposal)
                if _byte(data, pos + 1, end) != 0:
                    raise DecodeError("invalid table encoding", pos + 1)
                pos += 2
            ref_type, limits, pos = self._table_type(pos, end)
            if with_init:
                pos, _ = self._const_expr(pos, end)
            m.tables.append(Table(len(m.tables), ref_type, limits.min, limits.max, False))
        return pos

    def _sec_memory(self, pos: int, end: int) -> int:
        m = self.m
        count, pos = self._vec(pos, end)
        for _ in range(count):
            limits, pos = _limits(self.data, pos, end)
            m.memories.append(Memory(len(m.memories), limits.min, limits.max, limits.shared,
                                     limits.is64, False, limits.page_size))
        return pos

    def _sec_tag(self, pos: int, end: int) -> int:
        count, pos = self._vec(pos, end)
        for _ in range(count):
            pos = self._tag_type(pos, end)
        return pos

    def _sec_global(self, pos: int, end: int) -> int:
        count, pos = self._vec(pos, end)
        for _ in range(count):
            _, _, pos = self._global_type(pos, end)
            pos, facts = self._const_expr(pos, end)
            self.m.ref_funcs |= facts.refs
            self.m.num_globals += 1
        return pos

    def _sec_export(self, pos: int, end: int) -> int:
        data, m = self.data, self.m
        count, pos = self._vec(pos, end)
        for _ in range(count):
            name, pos = _name(data, pos, end)
            kind_byte = _byte(data, pos, end)
            kind = EXTERNAL_KINDS.get(kind_byte)
            if kind is None:
                raise DecodeError(f"invalid export kind {kind_byte:#04x}", pos)
            index, new_pos = _u32(data, pos + 1, end)
            if kind == "func" and index >= len(m.func_type_indices):
                raise DecodeError(f"export {name!r} names function {index}, which does not exist", pos + 1)
            m.exports.append(Export(name, kind, index))
            pos = new_pos
        return pos

    def _sec_start(self, pos: int, end: int) -> int:
        index, new_pos = _u32(self.data, pos, end)
        if index >= len(self.m.func_type_indices):
            raise DecodeError(f"start function {index} does not exist", pos)
        self.m.start_func = index
        return new_pos

    def _sec_element(self, pos: int, end: int) -> int:
        data, m = self.data, self.m
        count, pos = self._vec(pos, end)
        for _ in range(count):
            flags, pos = _u32(data, pos, end)
            if flags > 7:
                raise DecodeError(f"invalid element segment flags {flags}", pos - 1)
            table_index, offset = None, None
            if flags & 1:
                mode = "declarative" if flags & 2 else "passive"
            else:
                mode, table_index = "active", 0
                if flags & 2:
                    table_index, pos = _u32(data, pos, end)
                pos, facts = self._const_expr(pos, end)
                offset = facts.constant
            uses_exprs = bool(flags & 4)
            if flags & 3:  # an element kind (0x00) or reference type follows
                if uses_exprs:
                    _, pos = _value_type(data, pos, end)
                else:
                    kind = _byte(data, pos, end)
                    if kind != 0:
                        raise DecodeError(f"invalid element kind {kind:#04x}", pos)
                    pos += 1
            n, pos = _u32(data, pos, end)
            funcs: list[int] = []
            exact = True
            for _ in range(n):
                if uses_exprs:
                    pos, facts = self._const_expr(pos, end)
                    exact = exact and len(facts.refs) == 1
                    funcs.extend(sorted(facts.refs))
                else:
                    index, pos = _u32(data, pos, end)
                    funcs.append(index)
            m.table_entries.append(ElementSegment(mode, table_index, offset, tuple(funcs), exact))
        return pos

    def _sec_datacount(self, pos: int, end: int) -> int:
        return _u32(self.data, pos, end)[1]

    def _sec_data(self, pos: int, end: int) -> int:
        data = self.data
        count, pos = self._vec(pos, end)
        for _ in range(count):
            flags, pos = _u32(data, pos, end)
            if flags > 2:
                raise DecodeError(f"invalid data segment flags {flags}", pos - 1)
            memory_index, address = 0, None
            if flags == 2:
                memory_index, pos = _u32(data, pos, end)
            if flags != 1:
                pos, facts = self._const_expr(pos, end)
                address = facts.constant
            size, pos = _u32(data, pos, end)
            if pos + size > end:
                raise DecodeError(f"data segment of {size} bytes runs past the end of its section", pos)
            self.m.data_segments.append(DataSegment(memory_index, address, pos, size))
            pos += size
        return pos

    def _const_expr(self, pos: int, end: int) -> tuple[int, _ConstFacts]:
        """Walk a constant expression up to its `end`; note ref.func targets and an i32 constant."""
        data = self.data
        facts = _ConstFacts()
        simple = _SIMPLE_CONST.match(data, pos, end)
        if simple:  # the usual `i32.const N end` / `global.get N end`, without the general walk
            if simple.group(1):
                facts.constant = _s32(data, pos + 1, end)[0]
            return simple.end(), facts
        first = pos
        depth = 0
        while True:
            b = _byte(data, pos, end)
            if b == 0x0B:
                if depth == 0:
                    if pos - first >= 2 and data[first] == 0x41 and pos == _skip_leb(data, first + 1, end):
                        facts.constant = _s32(data, first + 1, end)[0]
                    return pos + 1, facts
                depth -= 1
            elif b in (0x02, 0x03, 0x04, 0x06, 0x1F):
                depth += 1
            pos = decode_instruction(data, pos, end, facts, len(self.m.func_type_indices))
