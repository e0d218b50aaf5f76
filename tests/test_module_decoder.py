"""The binary decoder: structure and offsets, every opcode space, and one error type for bad input."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from guest_builds import COMPILERS
from wasmlint.module import DecodeError, decode_module, load_module_bytes

FIXTURES = Path(__file__).resolve().parent / "wat" / "module"
GREETING_WAT = Path(__file__).resolve().parents[1] / "guests" / "greeting-wat" / "greeting.wat"


def wat(text: str) -> bytes:
    import wasmtime

    return bytes(wasmtime.wat2wasm(text))


def fixture(name: str) -> bytes:
    return load_module_bytes(FIXTURES / name)


def section_bytes(section_id: int, payload: bytes) -> bytes:
    assert len(payload) < 128
    return bytes([section_id, len(payload)]) + payload


HEADER = b"\0asm\x01\x00\x00\x00"
TYPE_VOID = section_bytes(1, b"\x01\x60\x00\x00")  # one type: () -> ()
ONE_FUNC = section_bytes(3, b"\x01\x00")


def module_with_body(body: bytes) -> bytes:
    """A module with one function of type () -> () whose body (locals + code) is `body`."""
    code = bytes([1, len(body)]) + body
    return HEADER + TYPE_VOID + ONE_FUNC + section_bytes(10, code)


# --- structure ---------------------------------------------------------------------------------

def test_sections_bodies_and_grow_sites_have_exact_offsets():
    data = fixture("opcode_spaces.wat")
    module = decode_module(data)
    assert [s.kind for s in module.sections][:3] == ["type", "function", "table"]
    for section in module.sections:
        assert data[section.start] == section.id
        assert section.start < section.payload_start <= section.end <= len(data)
    assert module.sections[-1].end == len(data)
    code = next(s for s in module.sections if s.kind == "code")
    for body in module.bodies:
        assert code.payload_start < body.start < body.expr_start < body.end <= code.end
        assert data[body.end - 1] == 0x0B
    for site in module.grow_sites:
        assert data[site.offset] == 0x40
        body = next(b for b in module.bodies if b.func_index == site.func_index)
        assert body.expr_start <= site.offset < body.end
    assert [(s.memory_index, s.size) for s in module.grow_sites] == [(0, 2), (1, 2), (2, 2), (0, 2), (0, 2)]


def test_module_level_facts():
    module = decode_module(fixture("opcode_spaces.wat"))
    assert [(m.min_pages, m.max_pages, m.shared, m.memory64) for m in module.memories] == [
        (1, None, False, False), (1, 4, False, True), (1, 2, True, False)]
    assert module.memories[0].exported_as == ["memory"]
    assert module.num_imported_funcs == 0 and module.num_funcs == len(module.bodies)
    assert module.func_names[1] == "grow_main"
    assert module.types[0].params == ("i32",) and module.types[0].results == ("i32",)
    assert [e.name for e in module.exports][:2] == ["mvp", "bulk"]
    active = [seg for seg in module.table_entries if seg.mode == "active"]
    assert active and active[0].offset == 0 and active[0].func_indices == (0, 1)
    assert {seg.mode for seg in module.table_entries} == {"active", "passive", "declarative"}
    assert module.address_taken() >= {0, 1}


def test_calls_indirect_calls_and_tail_calls():
    module = decode_module(fixture("opcode_spaces.wat"))
    names = {v: k for k, v in module.func_names.items()}
    assert module.calls[names["mvp"]] == {names["leaf"], names["grow_main"]}
    assert module.calls[names["tail"]] == {names["grow_main"]}  # return_call
    assert module.indirect_call_types[names["tail"]] == {0}  # return_call_indirect (type $i2i)
    assert module.indirect_call_types[names["eh"]] == {0}
    assert names["leaf"] in module.ref_funcs


def test_newer_proposals():
    module = decode_module(fixture("newer_proposals.wat"))
    names = {v: k for k, v in module.func_names.items()}
    assert [module.func_names[s.func_index] for s in module.grow_sites] == ["grows", "eh"]
    assert module.indirect_call_types[names["typed_refs"]] == {0}  # call_ref $i2i
    assert module.indirect_call_types[names["tail_ref"]] == {0}  # return_call_ref $i2i
    assert module.ref_funcs == {names["grows"], names["plain"]}
    assert [t.kind for t in module.types[:5]] == ["func", "struct", "array", "struct", "struct"]


def test_imports_exports_and_producers():
    module = decode_module(wat('''
      (module
        (import "env" "log" (func $log (param i32)))
        (import "env" "memory" (memory 2 10 shared))
        (import "env" "table" (table 1 funcref))
        (import "env" "g" (global (mut i64)))
        (func (export "run") (call $log (i32.const 1))))'''))
    assert [(i.module, i.name, i.kind) for i in module.imports] == [
        ("env", "log", "func"), ("env", "memory", "memory"), ("env", "table", "table"), ("env", "g", "global")]
    assert module.num_imported_funcs == 1 and module.func_type_indices == [0, 1]
    memory = module.memories[0]
    assert (memory.imported, memory.import_name, memory.min_pages, memory.max_pages, memory.shared) == (
        True, "env.memory", 2, 10, True)
    assert module.calls == {1: {0}}
    assert module.exports[0].index == 1


def test_padded_leb128_and_prefixed_opcodes_take_the_slow_path():
    # i32.const 0 with a padded LEB (0x80 0x00), a padded 0xFC opcode for memory.fill and
    # memory.grow with a padded memory index: valid encodings the fast pattern does not spell out.
    body = (b"\x00"                                  # no locals
            b"\x41\x80\x00\x41\x00\x41\x00"          # i32.const 0 (padded), i32.const 0, i32.const 0
            b"\xfc\x8b\x00\x00"                      # memory.fill, opcode 11 padded to two bytes
            b"\x41\x01\x40\x80\x00\x1a"              # memory.grow with memory index 0 in two bytes; drop
            b"\x0b")
    memory = section_bytes(5, b"\x01\x00\x01")
    data = HEADER + TYPE_VOID + ONE_FUNC + memory + section_bytes(10, bytes([1, len(body)]) + body)
    module = decode_module(data)
    assert [(g.offset, g.size) for g in module.grow_sites] == [(data.index(b"\x40\x80\x00"), 3)]


# --- malformed input ---------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "offset", "words"), [
    (b"", 0, "shorter than"),
    (b"\0asm\x01\x00", 0, "shorter than"),
    (b"\0ASM\x01\x00\x00\x00", 0, "bad magic"),
    (b"\0asm\x02\x00\x00\x00", 4, "version"),
    (b"\0asm\x0d\x00\x01\x00", 4, "component"),
    (HEADER + b"\x01\x80\x80\x80\x80\x80\x01", 9, "too long"),  # section size: 6-byte LEB128
    (HEADER + b"\x01\x80\x80", 11, "unexpected end"),  # unterminated LEB128
    (HEADER + b"\x01\x10\x01\x60", 8, "runs past the end"),  # section size overruns the module
    (HEADER + b"\x0e\x00", 8, "unknown section"),
    (HEADER + TYPE_VOID + TYPE_VOID, 14, "duplicated or out of order"),
    (HEADER + TYPE_VOID + section_bytes(3, b"\x01\x05"), 17, "type index 5"),
])
def test_malformed_headers_and_sections(data, offset, words):
    with pytest.raises(DecodeError) as info:
        decode_module(data)
    assert info.value.offset == offset, str(info.value)
    assert words in str(info.value)
    assert f"{offset:#x}" in str(info.value)


@pytest.mark.parametrize(("code", "words"), [
    (b"\xff", "unknown opcode 0xff"),
    (b"\x17", "unknown opcode 0x17"),
    (b"\xfc\x12", "unknown opcode 0xfc 18"),
    (b"\xfd\x9a\x01", "unknown opcode 0xfd 154"),  # a gap in the SIMD numbering
    (b"\xfe\x04", "unknown opcode 0xfe 4"),
    (b"\xfb\x1f", "unknown opcode 0xfb 31"),
])
def test_unknown_opcodes_report_their_offset(code, words):
    data = module_with_body(b"\x00\x01" + code + b"\x0b")  # no locals, nop, the opcode, end
    with pytest.raises(DecodeError) as info:
        decode_module(data)
    assert words in str(info.value)
    assert info.value.offset == data.index(b"\x01" + code) + 1


def test_bad_bodies():
    with pytest.raises(DecodeError, match="does not end with `end`"):
        decode_module(module_with_body(b"\x00\x01"))
    with pytest.raises(DecodeError, match="unexpected end"):
        decode_module(module_with_body(b"\x00\x20\x0b"[:2] + b"\x80\x0b"))  # local.get, unterminated LEB
    with pytest.raises(DecodeError, match="function index 7 out of range") as info:
        data = module_with_body(b"\x00\x10\x07\x0b")
        decode_module(data)
    assert info.value.offset == data.index(b"\x10\x07")
    with pytest.raises(DecodeError, match="declares 1 functions"):
        decode_module(HEADER + TYPE_VOID + ONE_FUNC + section_bytes(10, b"\x00"))
    with pytest.raises(DecodeError, match="too many locals"):
        decode_module(module_with_body(b"\x02\xff\xff\x03\x7f\xff\xff\x03\x7f\x0b"))


def test_decode_error_is_a_value_error_with_offset():
    error = DecodeError("bad thing", 0x2A)
    assert isinstance(error, ValueError)
    assert (error.message, error.offset) == ("bad thing", 0x2A)
    assert str(error) == "bad thing at byte offset 0x2a"


# --- fuzzing: truncations and byte flips never raise anything but DecodeError ------------------

def fuzz_inputs() -> list[tuple[str, bytes]]:
    inputs = [("opcode_spaces", fixture("opcode_spaces.wat")), ("newer_proposals", fixture("newer_proposals.wat")),
              ("greeting-wat", load_module_bytes(GREETING_WAT))]
    return inputs


def decode_or_error(data: bytes) -> None:
    try:
        decode_module(data)
    except DecodeError as exc:
        assert 0 <= exc.offset <= len(data), (exc, len(data))


@pytest.mark.parametrize(("name", "data"), fuzz_inputs(), ids=[n for n, _ in fuzz_inputs()])
def test_every_truncation_decodes_or_raises_decode_error(name, data):
    for cut in range(len(data)):
        decode_or_error(data[:cut])
    # Cutting inside the code section is always an error, never a silently shorter module.
    code = next(s for s in decode_module(data).sections if s.kind == "code")
    for cut in range(code.start + 1, code.end):
        with pytest.raises(DecodeError):
            decode_module(data[:cut])


@pytest.mark.parametrize(("name", "data"), fuzz_inputs(), ids=[n for n, _ in fuzz_inputs()])
def test_random_byte_flips_never_escape_as_other_exceptions(name, data):
    rng = random.Random(f"flips-{name}")
    for _ in range(3000):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(8, len(mutated))
            mutated[position] = rng.choice([0x00, 0x0B, 0x40, 0x7F, 0x80, 0xFF, rng.randrange(256)])
        decode_or_error(bytes(mutated))


def test_byte_flips_in_a_real_code_section(compiler):
    from conftest import guest_modules

    data = guest_modules(compiler)["greeting-alloc"].read_bytes()
    code = next(s for s in decode_module(data).sections if s.kind == "code")
    data = data[:code.end]  # the debug-info custom sections that follow are irrelevant here
    rng = random.Random("greeting-alloc")
    for _ in range(400):
        mutated = bytearray(data)
        mutated[rng.randrange(code.payload_start, code.end)] = rng.randrange(256)
        decode_or_error(bytes(mutated))


# Found by tests/test_fuzz_decoder.py (fuzz/mutators.py): minimized inputs.

def name_section(subsection: bytes) -> bytes:
    payload = b"\x04name" + b"\x01" + bytes([len(subsection)]) + subsection
    return section_bytes(0, payload)


def test_a_name_section_may_end_right_after_a_padded_function_index():
    # One function name: index 0 padded to 3 bytes, then an empty name, at the end of the module.
    # The inline LEB128 reads of the name loop looked two bytes past the index, past the end.
    data = module_with_body(b"\x00\x0b") + name_section(b"\x01" + b"\x80\x80\x00" + b"\x00")
    wasmtime_validate(data)
    module = decode_module(data)
    assert module.has_name_section and module.func_names == {0: ""}


def test_a_name_subsection_cut_after_a_long_index_is_ignored_like_other_broken_names():
    data = module_with_body(b"\x00\x0b") + name_section(b"\x01" + b"\x80\x80\x80\x00")
    module = decode_module(data)
    assert module.has_name_section and module.func_names == {}


def test_limits_are_u64_even_for_32_bit_memories_and_tables():
    # Wasm 3.0 encodes every limit as u64: a 32-bit minimum in six bytes is valid (wasmtime agrees).
    six_byte_one = b"\x81\x80\x80\x80\x80\x00"
    data = (HEADER + section_bytes(4, b"\x01\x70\x01" + six_byte_one + six_byte_one)
            + section_bytes(5, b"\x01\x00" + six_byte_one))
    wasmtime_validate(data)
    module = decode_module(data)
    assert (module.tables[0].min, module.tables[0].max, module.memories[0].min_pages) == (1, 1, 1)


def test_an_i32_constant_with_bits_beyond_32_is_a_decode_error():
    # (global i32 (i32.const N)) where N's fifth byte sets bits above bit 31 without a sign to repeat.
    data = HEADER + section_bytes(6, b"\x01\x7f\x00" + b"\x41\x80\x80\x80\x80\x10" + b"\x0b")
    with pytest.raises(DecodeError, match="too large for 32 bits") as info:
        decode_module(data)
    assert info.value.offset == len(data) - 2  # the fifth byte of the constant
    ok = HEADER + section_bytes(6, b"\x01\x7f\x00" + b"\x41\xff\xff\xff\xff\x7f" + b"\x0b")  # -1, padded
    wasmtime_validate(ok)
    decode_module(ok)


def wasmtime_validate(data: bytes) -> None:
    import wasmtime

    wasmtime.Module.validate(wasmtime.Engine(), data)


# --- the parallel scan of large code sections ----------------------------------------------------

@pytest.fixture
def parallel_everywhere(monkeypatch):
    """Make every code section 'large' so that small modules take the forked-helper path;
    yields the list of helpers started."""
    import importlib

    code_section = importlib.import_module("wasmlint.module.code_section")
    monkeypatch.setattr(code_section, "PARALLEL_MIN_BYTES", 1)
    started = []
    original = code_section._Helper.__init__

    def counting_init(self, *args):
        started.append(self)
        original(self, *args)

    monkeypatch.setattr(code_section._Helper, "__init__", counting_init)
    yield started


def outcome(data: bytes, parallel: bool):
    try:
        return decode_module(data, parallel=parallel)
    except DecodeError as exc:
        return ("error", exc.message, exc.offset)


def test_parallel_scan_gives_the_same_module(parallel_everywhere):
    from conftest import guest_modules

    guests = [guest_modules(compiler)["greeting-alloc"].read_bytes() for compiler in COMPILERS]
    for data in [fixture("opcode_spaces.wat"), fixture("newer_proposals.wat"), *guests]:
        assert decode_module(data, parallel=True) == decode_module(data, parallel=False)
    assert len(parallel_everywhere) == 4
    assert not any(helper.process.is_alive() for helper in parallel_everywhere)


def test_parallel_scan_reports_the_first_error(parallel_everywhere):
    # Two bodies; the second (scanned by the helper) has an unknown opcode, and a later section
    # is broken too: the error in the code section comes first, as in a sequential decode.
    bodies = b"\x02" + b"\x03\x00\x01\x0b" + b"\x03\x00\xff\x0b"
    data = (HEADER + TYPE_VOID + section_bytes(3, b"\x02\x00\x00") + section_bytes(10, bodies)
            + section_bytes(11, b"\x01\x07"))
    expected = outcome(data, parallel=False)
    assert expected[0] == "error" and "unknown opcode 0xff" in expected[1]
    assert outcome(data, parallel=True) == expected
    assert parallel_everywhere


def test_parallel_scan_under_byte_flips(parallel_everywhere):
    data = fixture("opcode_spaces.wat")
    rng = random.Random("parallel")
    for _ in range(60):
        mutated = bytearray(data)
        mutated[rng.randrange(8, len(mutated))] = rng.randrange(256)
        assert outcome(bytes(mutated), parallel=True) == outcome(bytes(mutated), parallel=False)


def _decode_in_worker(data: bytes, writer) -> None:
    try:
        writer.send(("ok", decode_module(data, parallel=True) == decode_module(data, parallel=False)))
    except BaseException as exc:  # noqa: BLE001 - the test names what went wrong
        writer.send(("failed", repr(exc)))


def test_a_large_module_in_a_worker_process_is_scanned_there(parallel_everywhere):
    # `-j` runs modules in daemonic worker processes (parallel.py), which may not start a helper:
    # duckdb-wasm's 30 MB module was "internal error ... daemonic processes are not allowed to
    # have children" there. In such a process the whole code section is scanned in place.
    import multiprocessing

    data = fixture("opcode_spaces.wat")
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    worker = context.Process(target=_decode_in_worker, args=(data, writer), daemon=True)
    worker.start()
    writer.close()
    result = reader.recv()
    worker.join(timeout=60)
    assert result == ("ok", True)
