"""`--confirm` says what it ran (issue 21, item 9): the Node harness runs the module, never the
host, and its evidence states what V8 showed about the module. Hosts with side effects prove that
none of their code runs; a host that re-validates its view gets no confirmation that reads as
proof that it breaks."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, run_cli, unavailable
from wasmlint.host.confirm import rechecks_detachment

V8_GREW = "node: set_name(10, 16) grew memory 17 -> 18 pages in V8; views made before it are detached"

# A view kept across `set_name`: stale. Each host writes a file (and the second also starts a
# process) as soon as it runs.
UNGUARDED = {
    "side-effects.mjs": """\
import { readFileSync, writeFileSync } from 'node:fs'
writeFileSync(new URL('./HOST-RAN', import.meta.url), 'the host ran')
const { instance } = await WebAssembly.instantiate(readFileSync(process.argv[2] ?? './greeting.wasm'))
const wasm = instance.exports
const encoder = new TextEncoder()
const mem8 = new Uint8Array(wasm.memory.buffer)
const sal = encoder.encode('Ahoy there'), name = encoder.encode('Testy McTestface')
mem8.set(sal, wasm.get_salutation_ptr())
mem8.set(name, wasm.get_name_ptr())
const len = wasm.set_name(sal.length, name.length)
const ptr = wasm.get_msg_ptr()
console.log(new TextDecoder().decode(mem8.slice(ptr, ptr + len)))
""",
    "side-effects.cjs": """\
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
function announce() {
  fs.writeFileSync(path.join(__dirname, 'HOST-RAN'), 'the host ran');
  execFileSync('touch', [path.join(__dirname, 'HOST-SPAWNED')]);
}
announce();
const bytes = fs.readFileSync(process.argv[2] || path.join(__dirname, 'greeting.wasm'));
const wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
const view = new DataView(wasm.memory.buffer);
const encoder = new TextEncoder();
const sal = encoder.encode('Ahoy there'), name = encoder.encode('Testy McTestface');
new Uint8Array(wasm.memory.buffer).set(sal, wasm.get_salutation_ptr());
new Uint8Array(wasm.memory.buffer).set(name, wasm.get_name_ptr());
const len = wasm.set_name(sal.length, name.length);
console.log(len, view.getUint8(wasm.get_msg_ptr()));
""",
}
# The pattern the help text recommends: a cached view re-made when it was detached; as a class
# getter (the case) and as a plain function testing the buffer against memory.buffer.
GUARDED = {
    "getter.mjs": """\
import { readFileSync, writeFileSync } from 'node:fs'
writeFileSync(new URL('./HOST-RAN', import.meta.url), 'the host ran')
const { instance } = await WebAssembly.instantiate(readFileSync(process.argv[2] ?? './greeting.wasm'))
class Memory {
  constructor(exports) { this.exports = exports; this.cache = null }
  get mem() {
    if (this.cache == null || this.cache.buffer.byteLength === 0) this.cache = new Uint8Array(this.exports.memory.buffer)
    return this.cache
  }
}
const memory = new Memory(instance.exports)
const encoder = new TextEncoder()
const sal = encoder.encode('Ahoy there'), name = encoder.encode('Testy McTestface')
memory.mem.set(sal, instance.exports.get_salutation_ptr())
memory.mem.set(name, instance.exports.get_name_ptr())
const len = instance.exports.set_name(sal.length, name.length)
const ptr = instance.exports.get_msg_ptr()
console.log(new TextDecoder().decode(memory.mem.slice(ptr, ptr + len)))
""",
    "function.cjs": """\
const fs = require('fs');
const path = require('path');
fs.writeFileSync(path.join(__dirname, 'HOST-RAN'), 'the host ran');
const bytes = fs.readFileSync(process.argv[2] || path.join(__dirname, 'greeting.wasm'));
const wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
let cached = new Uint8Array(wasm.memory.buffer);
function heap() {
  if (cached.buffer !== wasm.memory.buffer) cached = new Uint8Array(wasm.memory.buffer);
  return cached;
}
const encoder = new TextEncoder();
const sal = encoder.encode('Ahoy there'), name = encoder.encode('Testy McTestface');
heap().set(sal, wasm.get_salutation_ptr());
heap().set(name, wasm.get_name_ptr());
const len = wasm.set_name(sal.length, name.length);
const ptr = wasm.get_msg_ptr();
console.log(new TextDecoder().decode(heap().slice(ptr, ptr + len)));
""",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    if shutil.which("node") is None:
        unavailable("node is not installed (scripts/setup.sh --dev installs it)")
    shutil.copy(guest_module("greeting-alloc"), tmp_path / "greeting.wasm")
    shutil.copy(GUESTS / "greeting-alloc" / "scenario.toml", tmp_path / "scenario.toml")
    return tmp_path


def _confirmed_stale(folder: Path, host: str) -> list[dict]:
    proc = run_cli("check", host, "--wasm", "greeting.wasm", "--layer", "host", "--confirm", "--format", "json",
                   "--no-cache", cwd=folder)
    assert proc.returncode in (0, 1), proc.stderr
    return [f for f in json.loads(proc.stdout)["findings"] if f["rule_id"] == "stale-memory-view"]


def _left_by_the_host(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("HOST-"))


@pytest.mark.parametrize("host", sorted(UNGUARDED))
def test_confirm_states_what_v8_showed_and_runs_no_host_code(folder, host):
    (folder / host).write_text(UNGUARDED[host])
    (finding,) = _confirmed_stale(folder, host)
    node = [e for e in finding["evidence"] if e.startswith("node:")]
    assert node == [V8_GREW] and finding["confirmed"] is True
    assert _left_by_the_host(folder) == []  # wasmlint ran none of the host's code
    # Run by Node itself, the host leaves its marks (so their absence above means something), and
    # breaks on the detached view as the finding says.
    done = subprocess.run(["node", host], cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "detached ArrayBuffer" in done.stderr, done.stderr
    assert "HOST-RAN" in _left_by_the_host(folder)


@pytest.mark.parametrize("host", sorted(GUARDED))
def test_a_host_that_rechecks_its_view_gets_no_confirmation_of_breaking(folder, host):
    (folder / host).write_text(GUARDED[host])
    for finding in _confirmed_stale(folder, host):  # the analysis may still (wrongly) flag the guard
        assert finding["confirmed"] is False
        (node,) = [e for e in finding["evidence"] if e.startswith("node:")]
        assert node.startswith(V8_GREW + "; no host code ran, and this host tests its view for detachment at line ")
        assert node.endswith(", so this does not show that the host breaks")
    assert _left_by_the_host(folder) == []
    # The host works in Node: its re-validated view reads the message after memory grew.
    done = subprocess.run(["node", host], cwd=folder, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "Ahoy there, Testy McTestface!"


@pytest.mark.parametrize(("text", "holder", "line"), [
    ("a\nif (this.cache == null || this.cache.buffer.byteLength === 0) x()", "this.cache", 2),
    ("if (cached.buffer !== wasm.memory.buffer) cached = f()", "cached", 1),
    ("\n\nif (0 === heap.length) heap = f()", "heap", 3),
    ("heap ??= null; if (heap?.buffer?.detached) heap = f()", "heap", 1),
    ("if (view.byteLength == 0) view = f()", "view", 1),
    # A test of another variable, or no test: not a re-check of this one.
    ("if (other.byteLength === 0) other = f(); heap[0] = 1", "heap", None),
    ("if (theheap.byteLength === 0) x()", "heap", None),
    ("if (heap.byteLength === 0x10) x()", "heap", None),
    ("const heap = new Uint8Array(memory.buffer)", "heap", None),
])
def test_rechecks_detachment_finds_tests_of_that_view_only(text, holder, line):
    assert rechecks_detachment(text.encode(), holder) == line
