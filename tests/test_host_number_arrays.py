"""A module carried as an array of byte values is data, not code (issue 21): the host layer's
parse holds a bounded number of nodes for it whatever its size (a 1.4 MB array made the check
time grow about 2.3x per doubling), its position and bytes stay those of the file, and the stale
use after it is reported on its own line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli, unavailable
from wasmlint.host.embedded import EmbeddedModule, embedded_literals, embedded_module_bytes
from wasmlint.host.parsing import parse_host

GROWS = '(module (memory (export "memory") 1) (func (export "step") (param i32) (result i32) (memory.grow (local.get 0))))'
BODY = """\
const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
const view = new Uint8Array(wasm.memory.buffer, 0, 16);
wasm.step(1);
console.log(view[0] === undefined ? "detached" : "live"); // use
"""


def _module(tmp_path: Path, padding: int) -> bytes:
    """GROWS with `padding` bytes of a data segment: a module of about that size."""
    tool = shutil.which("wat2wasm")
    if tool is None:
        unavailable("wat2wasm (wabt) is not installed")
    data = "".join(f"\\{b:02x}" for b in bytes(range(256)) * (padding // 256))
    source, out = tmp_path / "m.wat", tmp_path / "m.wasm"
    source.write_text(GROWS.replace("(func", f'(data (i32.const 0) "{data}") (func', 1))
    subprocess.run([tool, str(source), "-o", str(out)], check=True, capture_output=True)
    return out.read_bytes()


FORMS = {
    "decimal-one-line": lambda data: f"const bytes = new Uint8Array([{','.join(str(b) for b in data)}]);\n",
    "hex-a-line-each": lambda data: ("const bytes = new Uint8Array([\n" + ",\n".join(f"  0x{b:02x}" for b in data)
                                     + ",\n]);\n"),
    "plain-array-spaced": lambda data: f"var bytes = [ {' , '.join(str(b) for b in data)} ];\n",
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_module_in_a_byte_array_parses_to_a_bounded_tree(tmp_path, form):
    nodes = []
    for padding in (64 * 1024, 512 * 1024):
        data = _module(tmp_path, padding)
        text = (FORMS[form](data) + BODY).encode()
        host = parse_host("host.cjs", text)
        assert not host.tree.root_node.has_error
        nodes.append(host.tree.root_node.descendant_count)
        # Found where the file has it, and decoded from the file's own bytes.
        (literal,) = embedded_literals(host)
        assert text[literal.spans[0][0]:literal.spans[0][1]].startswith(b"[") and text[literal.spans[0][1] - 1] == ord("]")
        path = tmp_path / "host.cjs"
        path.write_bytes(text)
        assert embedded_module_bytes(EmbeddedModule(path, literal)) == data
    # Eight times the bytes, the same tree (the kept first elements and the last one).
    assert nodes[0] == nodes[1] < 1000, nodes


@pytest.mark.parametrize("form", sorted(FORMS))
def test_the_stale_use_after_a_large_byte_array_keeps_its_line(tmp_path, form):
    data = _module(tmp_path, 256 * 1024)
    text = FORMS[form](data) + BODY
    project = tmp_path / "p"
    project.mkdir()
    (project / "host.cjs").write_text(text)
    proc = run_cli("check", str(project), "--format", "json", "--no-cache", cwd=project)
    findings = json.loads(proc.stdout)["findings"]
    use = next(i for i, line in enumerate(text.splitlines(), 1) if "// use" in line)
    assert [(f["rule_id"], f["line"], f["severity"]) for f in findings] == [("stale-memory-view", use, "error")], proc.stderr


def test_numbers_in_strings_and_comments_are_left_as_they_read(tmp_path):
    # Blanking a run of numbers inside a string or comment changes nothing the host layer reads:
    # the file parses as it did, and a use after it is still found.
    run = ", ".join(str(i % 256) for i in range(300))
    text = (f'const table = "[{run}]";\n/* [{run}] */\n'
            "const view = new Uint8Array(wasm.memory.buffer);\nwasm.alloc(8);\nview[0]; // use\n")
    host = parse_host("host.js", text.encode())
    assert not host.tree.root_node.has_error
    from wasmlint.host.analyze import analyze_host

    facts = analyze_host("host.js", text.encode())
    assert [u.line for u in facts.uses] == [5]
