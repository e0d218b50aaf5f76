"""Rewrite a module so that every `memory.grow` goes through an added function that can be made to trap."""

from __future__ import annotations

from dataclasses import dataclass

from wasmlint.module.decoder import MAGIC, SECTION_ORDER, Section, WasmModule
from wasmlint.module.leb import encode_unsigned, read_u32

GUARD_EXPORT = "__wasmlint_grow_armed"  # the added exported global; 1 makes every memory.grow trap
CUSTOM, TYPE, FUNCTION, GLOBAL, EXPORT, CODE = 0, 1, 3, 6, 7, 10
I32, I64 = 0x7F, 0x7E
OP_CALL, OP_GROW = 0x10, 0x40


class InstrumentError(ValueError):
    """The module cannot be rewritten (malformed, or a shape this rewriter does not know)."""


@dataclass(frozen=True)
class Instrumented:
    data: bytes
    guards: dict[int, int]  # memory index -> function index of the added guard
    sites: int  # how many `memory.grow` instructions now call a guard


def _vector(data: bytes, section: Section | None) -> tuple[int, bytes]:
    """(count, items) of a vector section; (0, b"") when the section is absent."""
    if section is None:
        return 0, b""
    count, offset = read_u32(data, section.payload_start, section.end)
    return count, data[offset:section.end]


def _section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + encode_unsigned(len(payload)) + payload


def _guard_body(global_index: int, memory_index: int) -> bytes:
    body = (
        b"\x00"  # no locals
        + b"\x23" + encode_unsigned(global_index)  # global.get $armed
        + b"\x04\x40\x00\x0b"  # if  unreachable  end
        + b"\x20\x00"  # local.get 0 (the delta)
        + bytes([OP_GROW]) + encode_unsigned(memory_index)
        + b"\x0b"
    )
    return encode_unsigned(len(body)) + body


def _rewrite_code(data: bytes, module: WasmModule, guards: dict[int, int], guard_bodies: list[bytes]
                  ) -> tuple[bytes, int]:
    """The code section with each grow site replaced by a call to its memory's guard."""
    sites = sorted(module.grow_sites, key=lambda site: site.offset)
    bodies, cursor = [], 0
    for function in module.bodies:
        parts, position = [], function.start
        while cursor < len(sites) and sites[cursor].offset < function.end:
            site = sites[cursor]
            cursor += 1
            if site.offset < function.start or data[site.offset] != OP_GROW:
                raise InstrumentError(f"no memory.grow at {site.offset:#x}")
            parts += [data[position:site.offset], bytes([OP_CALL]) + encode_unsigned(guards[site.memory_index])]
            position = site.offset + site.size
        parts.append(data[position:function.end])
        body = b"".join(parts)
        bodies.append(encode_unsigned(len(body)) + body)
    if cursor != len(sites):
        raise InstrumentError("some grow sites lie outside every function body")
    payload = encode_unsigned(len(bodies) + len(guard_bodies)) + b"".join(bodies) + b"".join(guard_bodies)
    return _section(CODE, payload), cursor


def instrument(data: bytes, module: WasmModule) -> Instrumented:
    """Route each of the module's `memory.grow` sites through a guard; drop stale DWARF.
    `module` is `decode_module(data)`: the sections, bodies and grow sites are its."""
    if data[:4] != MAGIC:
        raise InstrumentError("not a WebAssembly module")
    sections = module.sections
    by_id = {s.id: s for s in sections if s.id != CUSTOM}
    if CODE not in by_id:
        raise InstrumentError("the module has no code section")
    imported_globals = sum(1 for i in module.imports if i.kind == "global")
    type_count, type_items = _vector(data, by_id.get(TYPE))
    func_count, func_items = _vector(data, by_id.get(FUNCTION))
    global_count, global_items = _vector(data, by_id.get(GLOBAL))
    export_count, export_items = _vector(data, by_id.get(EXPORT))
    armed_global = imported_globals + global_count
    memories = sorted({site.memory_index for site in module.grow_sites})
    guards, new_types, new_funcs, guard_bodies = {}, b"", b"", []
    for n, memory in enumerate(memories):
        if memory >= len(module.memories):
            raise InstrumentError(f"memory.grow names memory {memory}, which the module does not have")
        index_type = I64 if module.memories[memory].memory64 else I32
        new_types += bytes([0x60, 1, index_type, 1, index_type])  # (func (param T) (result T))
        new_funcs += encode_unsigned(type_count + n)
        guards[memory] = module.num_imported_funcs + func_count + n
        guard_bodies.append(_guard_body(armed_global, memory))
    name = GUARD_EXPORT.encode()
    replacements = {
        TYPE: _section(TYPE, encode_unsigned(type_count + len(memories)) + type_items + new_types),
        FUNCTION: _section(FUNCTION, encode_unsigned(func_count + len(memories)) + func_items + new_funcs),
        GLOBAL: _section(GLOBAL, encode_unsigned(global_count + 1) + global_items + b"\x7f\x01\x41\x00\x0b"),
        EXPORT: _section(EXPORT, encode_unsigned(export_count + 1) + export_items
                         + encode_unsigned(len(name)) + name + b"\x03" + encode_unsigned(armed_global)),
    }
    try:
        code, rewritten = _rewrite_code(data, module, guards, guard_bodies)
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
        for missing in [sid for sid in list(replacements)
                        if sid not in by_id and SECTION_ORDER[sid] < SECTION_ORDER[section.id]]:
            out.append(replacements.pop(missing))
        out.append(replacements.pop(section.id, data[section.start:section.end]))
    out.extend(replacements[sid] for sid in sorted(replacements, key=SECTION_ORDER.__getitem__) if sid not in by_id)
    return Instrumented(b"".join(out), guards, rewritten)
