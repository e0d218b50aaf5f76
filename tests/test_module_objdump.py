"""The decoder agrees with `wasm-objdump -d` (wabt) per function: body offsets, grow sites, calls.

Runs on every buildable guest, on the opcode fixture, and (marked `network`, run by default) on
real modules from npm packages fetched with `npm pack`.
"""

from __future__ import annotations

import re
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import guest_modules, npm_pack
from guest_builds import CURRENT_RUSTC

from wasmlint.module import decode_module, load_module_bytes

REPO = Path(__file__).resolve().parents[1]
GUESTS = REPO / "guests"
FIXTURES = Path(__file__).resolve().parent / "wat" / "module"
OBJDUMP = shutil.which("wasm-objdump")
# In CI a missing wasm-objdump makes these tests fail (they call it), never skip.
needs_objdump = pytest.mark.skipif(
    OBJDUMP is None and not os.environ.get("CI"), reason="wasm-objdump (Debian package wabt) is not installed"
)

FUNC_HEADER = re.compile(r"^([0-9a-f]+) func\[(\d+)\](?: <.*>)?:$")
INSTRUCTION = re.compile(r"^ ([0-9a-f]+): ([0-9a-f ]+?)\s*\|\s*(\S+)(?:\s+(\d+))?")


def objdump_functions(path: Path) -> dict[int, dict]:
    """Per defined function: body offset, memory.grow offsets, direct call targets and the type
    indices of indirect calls, from wasm-objdump -d."""
    out = subprocess.run([OBJDUMP, "-d", str(path)], capture_output=True, text=True, check=True).stdout
    functions: dict[int, dict] = {}
    current = None
    for line in out.splitlines():
        header = FUNC_HEADER.match(line)
        if header:
            current = functions[int(header.group(2))] = {
                "start": int(header.group(1), 16), "grows": [], "calls": set(), "indirect": set()}
            continue
        instr = INSTRUCTION.match(line)
        if instr and current is not None:
            name = instr.group(3)
            if name == "memory.grow":
                current["grows"].append(int(instr.group(1), 16))
            elif name in ("call", "return_call"):
                current["calls"].add(int(instr.group(4)))
            elif name in ("call_indirect", "return_call_indirect"):
                # The type index is the first immediate; the bytes are the reliable place to read it.
                encoded = bytes.fromhex(instr.group(2).replace(" ", ""))[1:]
                current["indirect"].add(leb128(encoded))
    return functions


def leb128(encoded: bytes) -> int:
    value = 0
    for shift, byte in enumerate(encoded):
        value |= (byte & 0x7F) << (7 * shift)
        if byte < 0x80:
            return value
    raise ValueError(encoded)


def decoder_functions(data: bytes) -> dict[int, dict]:
    module = decode_module(data)
    functions = {body.func_index: {"start": body.start, "grows": [],
                                   "calls": set(module.calls.get(body.func_index, ())),
                                   "indirect": set(module.indirect_call_types.get(body.func_index, ()))}
                 for body in module.bodies}
    for site in module.grow_sites:
        functions[site.func_index]["grows"].append(site.offset)
    return functions


def assert_agrees(path: Path, data: bytes | None = None) -> dict[int, dict]:
    data = path.read_bytes() if data is None else data
    ours, theirs = decoder_functions(data), objdump_functions(path)
    assert sorted(ours) == sorted(theirs), f"{path.name}: different function sets"
    for index in sorted(theirs):
        assert ours[index]["start"] == theirs[index]["start"], f"{path.name} func[{index}]: body offset"
        assert ours[index]["grows"] == theirs[index]["grows"], f"{path.name} func[{index}]: memory.grow sites"
        assert ours[index]["calls"] == theirs[index]["calls"], f"{path.name} func[{index}]: call targets"
        assert ours[index]["indirect"] == theirs[index]["indirect"], f"{path.name} func[{index}]: indirect call types"
    return ours


@needs_objdump
def test_every_guest_agrees_with_objdump(compiler):
    modules = guest_modules(compiler)
    assert "greeting-alloc" in modules and "greeting-static" in modules
    grow_counts = {}
    for name, path in modules.items():
        functions = assert_agrees(path)
        grow_counts[name] = sum(len(f["grows"]) for f in functions.values())
    assert grow_counts["greeting-alloc"] == 1  # dlmalloc's System::alloc
    assert grow_counts["greeting-static"] == 1  # still linked, reached through the panic path


@needs_objdump
def test_current_rustc_output_has_what_rustc_1_63_never_emits():
    # The guests agree with objdump whichever compiler built them (above); this makes sure the
    # current rustc's builds really put the newer encodings in front of the decoder.
    padded_call_indirect, names = False, set()
    for path in guest_modules(CURRENT_RUSTC).values():
        data = path.read_bytes()
        listing = subprocess.run([OBJDUMP, "-d", str(path)], capture_output=True, text=True, check=True).stdout
        instructions = [(m.group(3), int(m.group(1), 16)) for m in map(INSTRUCTION.match, listing.splitlines()) if m]
        names |= {name for name, _ in instructions}
        # call_indirect with its type and table indices as padded 5-byte LEB128s (relocatable
        # indices that wasm-ld leaves padded; `call-indirect-overlong` allows it for the table).
        padded_call_indirect |= any(name == "call_indirect" and data[at:at + 11] == bytes.fromhex("11 8080808000 8080808000")
                                    for name, at in instructions)
        module = decode_module(data)
        assert "target_features" in [section.name for section in module.sections], path
        assert not any(name.startswith("memcpy") for name in module.func_names.values()), path
    assert padded_call_indirect
    assert {"memory.copy", "memory.fill", "i32.extend8_s"} <= names  # bulk memory, sign extension


@needs_objdump
def test_greeting_wat_has_no_grow_site(tmp_path):
    data = load_module_bytes(GUESTS / "greeting-wat" / "greeting.wat")
    (tmp_path / "greeting.wasm").write_bytes(data)
    functions = assert_agrees(tmp_path / "greeting.wasm")
    assert not any(f["grows"] for f in functions.values())


@needs_objdump
def test_opcode_fixture_agrees_with_objdump(tmp_path):
    path = tmp_path / "opcode_spaces.wasm"
    path.write_bytes(load_module_bytes(FIXTURES / "opcode_spaces.wat"))
    functions = assert_agrees(path)
    # grow_main, grow_other, bulk (shared memory), simd, big_table: one each.
    assert sorted(len(f["grows"]) for f in functions.values() if f["grows"]) == [1, 1, 1, 1, 1]


# --- real modules from npm ---------------------------------------------------------------------

NPM_PACKAGES = ("@jsquash/png", "tiktoken")


@pytest.fixture(scope="module")
def npm_modules(tmp_path_factory) -> list[Path]:
    directory = tmp_path_factory.mktemp("npm")
    modules = []
    for tarball in npm_pack(NPM_PACKAGES, directory):
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                if member.isfile() and member.name.endswith(".wasm"):
                    target = directory / tarball.stem / Path(member.name).name
                    target.parent.mkdir(exist_ok=True)
                    target.write_bytes(archive.extractfile(member).read())
                    modules.append(target)
    assert len(modules) >= 2, "expected .wasm files in the npm packages"
    return modules


@pytest.mark.network
@needs_objdump
def test_npm_modules_agree_with_objdump(npm_modules):
    for path in npm_modules:
        functions = assert_agrees(path)
        # Rust modules from npm: dlmalloc's System::alloc is the one function with memory.grow.
        assert sum(1 for f in functions.values() if f["grows"]) == 1, path.name


@pytest.mark.network
def test_npm_modules_have_an_allocator_entry_point(npm_modules):
    from wasmlint.module import analyze_module

    for path in npm_modules:
        facts = analyze_module(path.read_bytes())
        assert facts.allocator.entry_points, f"{path.name}: wasm-bindgen's malloc export should reach memory.grow"
        assert any(m.max_pages is None for m in facts.memories)
