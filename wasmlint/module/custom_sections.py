"""Read the custom sections the module layer uses: `name` (module and function names) and `producers`."""

from __future__ import annotations

import sys

from wasmlint.module.leb import DecodeError
from wasmlint.module.leb import read_u32 as _u32
from wasmlint.module.model import WasmModule
from wasmlint.module.readers import read_name as _name


def read_custom_section(data: bytes, module: WasmModule, name: str, pos: int, end: int) -> None:
    """Read a custom section wasmlint uses (`name`, `producers`) into `module`; ignore any other."""
    # Custom sections are not validated by engines: a malformed one is ignored, not an error.
    try:
        if name == "name":
            _names(data, module, pos, end)
        elif name == "producers":
            _producers(data, module, pos, end)
    except DecodeError:
        pass


def _names(data: bytes, m: WasmModule, pos: int, end: int) -> None:
    m.has_name_section = True
    while pos < end:
        sub_id = data[pos]
        size, pos = _u32(data, pos + 1, end)
        sub_end = pos + size
        if sub_end > end:
            return
        if sub_id == 0:
            m.module_name, _ = _name(data, pos, sub_end)
        elif sub_id == 1:
            count, p = _u32(data, pos, sub_end)
            names = m.func_names
            for _ in range(count):
                # Inline one- and two-byte LEB128s: large modules have 10^4-10^5 names. Each
                # inline read looks at two bytes, which must both be inside the subsection: a
                # longer (padded) index can leave less than that for the length.
                if p + 4 <= sub_end:
                    b, c = data[p], data[p + 1]
                    if b < 0x80:
                        index, p = b, p + 1
                    elif c < 0x80:
                        index, p = (b & 0x7F) | c << 7, p + 2
                    else:
                        index, p = _u32(data, p, sub_end)
                else:
                    index, p = _u32(data, p, sub_end)
                if p + 2 <= sub_end:
                    b, c = data[p], data[p + 1]
                    if b < 0x80:
                        length, p = b, p + 1
                    elif c < 0x80:
                        length, p = (b & 0x7F) | c << 7, p + 2
                    else:
                        length, p = _u32(data, p, sub_end)
                else:
                    length, p = _u32(data, p, sub_end)
                if p + length > sub_end:
                    raise DecodeError("function name runs past its subsection", p)
                names[index] = sys.intern(data[p:p + length].decode("utf-8", "replace"))  # see read_name
                p += length
        pos = sub_end


def _producers(data: bytes, m: WasmModule, pos: int, end: int) -> None:
    count, pos = _u32(data, pos, end)
    producers: dict[str, list[tuple[str, str]]] = {}
    for _ in range(count):
        field_name, pos = _name(data, pos, end)
        values, pos = _u32(data, pos, end)
        entries = producers.setdefault(field_name, [])
        for _ in range(values):
            value, pos = _name(data, pos, end)
            version, pos = _name(data, pos, end)
            entries.append((value, version))
    m.producers = producers
