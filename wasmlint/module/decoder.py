"""Decode a WebAssembly binary into a `WasmModule`: the entry point that reads its sections in file order."""

from __future__ import annotations

from wasmlint.module.code_section import CodeSection
from wasmlint.module.custom_sections import read_custom_section
from wasmlint.module.leb import DecodeError
from wasmlint.module.model import (
    SECTION_NAMES, DataSegment, ElementSegment, Export, FuncType, FunctionBody, GrowSite, Import, Limits, Memory,
    Section, Table, WasmModule,
)
from wasmlint.module.sections import MAGIC, SECTION_ORDER, SectionReader, read_sections, section_headers

# What the rest of wasmlint imports from here: the entry point, its error, the decoded data and
# the section headers (the runtime layer reads those alone).
__all__ = [
    "MAGIC", "SECTION_ORDER", "DataSegment", "DecodeError", "ElementSegment", "Export", "FuncType",
    "FunctionBody", "GrowSite", "Import", "Limits", "Memory", "Section", "Table", "WasmModule", "decode_module",
    "decode_declarations", "read_sections",
]
# The sections that declare what an instance holds, read by decode_declarations.
DECLARATIONS = ("type", "import", "function", "table", "memory", "tag")


class _Decoder(SectionReader):
    def __init__(self, data: bytes, parallel: bool | None = None):
        super().__init__(data, WasmModule(size=len(data)))
        self.parallel = parallel
        self.code: CodeSection | None = None
        self.hint = 0  # best offset for an error that escapes the readers (the current section)

    def run(self) -> WasmModule:
        try:
            self._sections()
            if self.code is not None:
                self.code.finish_helper()
        except DecodeError:
            if self.code is not None:
                self.code.finish_helper()  # an error in the helper's bodies comes first in the file
            raise
        finally:
            if self.code is not None:
                self.code.stop_helper()
        m = self.m
        if self.num_defined_funcs and not any(s.id == 10 for s in m.sections):
            raise DecodeError("function section without a code section", len(self.data))
        # One pass over the exports: a module may have tens of thousands of memories and exports.
        exported_as: dict[tuple[str, int], list[str]] = {}
        for export in m.exports:
            if export.kind in ("memory", "table"):
                exported_as.setdefault((export.kind, export.index), []).append(export.name)
        for memory in m.memories:
            memory.exported_as = exported_as.get(("memory", memory.index), [])
        for table in m.tables:
            table.exported_as = exported_as.get(("table", table.index), [])
        return m

    def _sections(self) -> None:
        last_order = 0
        for section, contents in section_headers(self.data):
            self.hint = section.start
            if section.id == 0:
                read_custom_section(self.data, self.m, section.name, contents, section.end)
            else:
                kind = SECTION_NAMES[section.id]
                order = SECTION_ORDER[section.id]
                if order <= last_order:
                    raise DecodeError(f"{kind} section is duplicated or out of order", section.start)
                last_order = order
                parsed_to = getattr(self, "_sec_" + kind)(contents, section.end)
                if parsed_to != section.end:
                    raise DecodeError(
                        f"{kind} section: size says {section.end - contents} bytes, contents "
                        f"take {parsed_to - contents}", parsed_to)
            self.m.sections.append(section)

    def _sec_code(self, pos: int, end: int) -> int:
        # Kept on self: a large section's helper may still be scanning when this returns; run() ends it.
        self.code = CodeSection(self.data, self.m, self.num_defined_funcs, self.parallel)
        return self.code.read(pos, end)


def decode_module(data: bytes, *, parallel: bool | None = None) -> WasmModule:
    """Decode a binary module; every malformation raises DecodeError with the byte offset.

    `parallel`: None scans large code sections in two processes when that is safe, False never
    does, True also forks when other threads are running.
    """
    data = bytes(data)
    decoder = _Decoder(data, parallel)
    try:
        return decoder.run()
    except DecodeError:
        raise
    except (IndexError, ValueError, OverflowError, KeyError, RecursionError) as exc:
        # A reader missed a bounds check: still a malformed module, reported near where it failed.
        raise DecodeError(f"malformed module ({type(exc).__name__}: {exc})", decoder.hint) from None


def export_names(data: bytes) -> list[str]:
    """The names the module exports, reading its declarations and exports (no function body).
    Raises DecodeError."""
    reader = _Decoder(data)
    try:
        for section, contents in section_headers(data):
            if SECTION_NAMES.get(section.id) in (*DECLARATIONS, "export"):
                reader.hint = section.start
                getattr(reader, "_sec_" + SECTION_NAMES[section.id])(contents, section.end)
    except (IndexError, ValueError, OverflowError, KeyError, RecursionError) as exc:
        raise DecodeError(f"malformed module ({type(exc).__name__}: {exc})", reader.hint) from None
    return [export.name for export in reader.m.exports]


def decode_declarations(data: bytes) -> WasmModule:
    """Only the module's types, imports, functions' types, tables, memories and tags: what an
    instance of it holds, without reading any function body (microseconds where a large module's
    code takes seconds). Raises DecodeError."""
    reader = _Decoder(data)
    try:
        for section, contents in section_headers(data):
            if SECTION_NAMES.get(section.id) in DECLARATIONS:
                reader.hint = section.start
                getattr(reader, "_sec_" + SECTION_NAMES[section.id])(contents, section.end)
    except (IndexError, ValueError, OverflowError, KeyError, RecursionError) as exc:
        raise DecodeError(f"malformed module ({type(exc).__name__}: {exc})", reader.hint) from None
    return reader.m
