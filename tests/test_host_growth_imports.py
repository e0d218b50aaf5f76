"""Growth through imports (issue 21, item 7): a module that has no memory.grow of its own grows
when its host's import grows memory (Emscripten's `emscripten_resize_heap`, or the same under a
minified name). The exports that reach that import grow: in `wasmlint inspect`, in the module
findings and in the host's judgement. Modules are built from WAT with wat2wasm at test time; each
host is run in Node, where its view really detaches."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, run_cli, unavailable

WAT = REPO / "tests" / "wat" / "host_growth"

# Emscripten's readable glue: the import object returned by a function, the resize handler
# calling a helper that grows `wasmMemory`; the application keeps a view across `_process`.
GLUE = """\
const fs = require("fs");
const path = require("path");
var wasmMemory, wasmExports;
var growMemory = (size) => {
  var b = wasmMemory.buffer;
  var pages = ((size - b.byteLength + 65535) / 65536) | 0;
  try { wasmMemory.grow(pages); return 1; } catch (e) { return 0; }
};
var _emscripten_resize_heap = (requestedSize) => growMemory(requestedSize);
var wasmImports = { emscripten_resize_heap: _emscripten_resize_heap, log: (p) => {} };
function getWasmImports() { return { env: wasmImports }; }
async function main() {
  const bytes = fs.readFileSync(path.join(__dirname, "emscripten.wasm"));
  const result = await WebAssembly.instantiate(bytes, getWasmImports());
  wasmExports = result.instance.exports;
  wasmMemory = wasmExports.memory;
  const heap = new Uint8Array(wasmMemory.buffer);
  const p = wasmExports.CALL(200000);
  heap[p] = 7;
  console.log(heap.byteLength);
}
main();
"""

# A minified build's glue: one-letter names reused in every scope, the import object passed down
# through a parameter, one import growing the memory and one growing the table.
MINIFIED = """\
const fs = require("fs");
var Ka, Y, Z;
var Xc = {
  b: a => { try { Ka.grow(((a - Ka.buffer.byteLength + 65535) / 65536) | 0); return 1 } catch (h) { return 0 } },
  c: a => {},
  t: () => { Y.grow(1); return 0 },
};
async function Wa(a, b) { return WebAssembly.instantiate(fs.readFileSync(a), b) }
(async function () {
  var b = { a: Xc };
  var c = await Wa(__dirname + "/minified.wasm", b);
  Z = c.instance.exports; Ka = Z.memory; Y = Z.O;
  const heap = new Uint8Array(Z.memory.buffer);
  const p = Z.CALL(200000);
  heap[p] = 7;
  console.log(heap.byteLength);
  const view = new Uint8Array(Z.memory.buffer);
  Z.S();
  view[0] = 1;
})();
"""
# (host text, module, the export called, what the module names the import, stale line)
SHAPES = {
    "glue.js": (GLUE, "emscripten", "_process", "env.emscripten_resize_heap", 19),
    "min.js": (MINIFIED, "minified", "Q", "a.b", 15),
}
# Where each host's JavaScript grows memory in that import, as the evidence shows it.
GROWN_IN = {
    "glue.js": "host: the import `env.emscripten_resize_heap` grows memory: _emscripten_resize_heap -> growMemory "
               "-> wasmMemory.grow() (glue.js:7)",
    "min.js": "host: the import `a.b` grows memory: a.b -> Ka.grow() (min.js:4)",
}


def _wat2wasm(source: Path, target: Path, *flags: str) -> Path:
    if shutil.which("wat2wasm") is None:
        unavailable("wat2wasm is not installed (Debian's wabt package)")
    subprocess.run(["wat2wasm", *flags, str(source), "-o", str(target)], check=True)
    return target


def _node(script: Path) -> str:
    if shutil.which("node") is None:
        unavailable("node is not installed (scripts/setup.sh --dev installs it)")
    return subprocess.run(["node", script.name], cwd=script.parent, capture_output=True, text=True, timeout=60,
                          check=True).stdout


def _project(tmp_path: Path, host: str, fresh: bool = False) -> Path:
    text, module, export, _, _ = SHAPES[host]
    _wat2wasm(WAT / f"{module}.wat", tmp_path / f"{module}.wasm")
    text = text.replace("CALL", export)
    if fresh:  # the twin that must stay clean: the view made after the call that grows
        lines = text.splitlines(keepends=True)
        made = next(i for i, row in enumerate(lines) if row.startswith("  const heap = "))
        lines[made], lines[made + 1] = lines[made + 1], lines[made]
        text = "".join(lines)
    (tmp_path / host).write_text(text)
    return tmp_path / host


def _findings(*args: str, cwd: Path) -> list[dict]:
    proc = run_cli("check", *args, "--format", "json", "--no-cache", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


@pytest.mark.parametrize("name_section", [False, True], ids=["named-import", "minified-import-named-by-name-section"])
def test_inspect_says_the_exports_reaching_the_resize_import_grow(tmp_path, name_section):
    source = WAT / "emscripten.wat"
    if name_section:  # import `a.b`, which only the name section calls `emscripten_resize_heap`
        text = source.read_text().replace('(import "env" "emscripten_resize_heap"', '(import "a" "b"')
        source = tmp_path / "named.wat"
        source.write_text(text)
    module = _wat2wasm(source, tmp_path / "m.wasm", *(["--debug-names"] if name_section else []))
    proc = run_cli("inspect", str(module), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line.strip() for line in proc.stdout.splitlines() if line.startswith("  _")}
    imported = "emscripten_resize_heap" if name_section else "env.emscripten_resize_heap"
    assert rows["_process"].startswith("_process  grows: _process -> ")
    assert rows["_process"].endswith(f"-> {imported} (the host grows memory in this import)")
    assert rows["_malloc"].startswith("_malloc   grows (allocator entry point)")
    assert rows["_peek"] == "_peek     no" and rows["_free"] == "_free     no"
    as_json = json.loads(run_cli("inspect", str(module), "--format", "json", cwd=tmp_path).stdout)
    statuses = {e["name"]: e["status"] for e in as_json["exports"] if e["kind"] == "func"}
    assert statuses == {"_malloc": "grows", "_free": "no", "_process": "grows", "_peek": "no"}


@pytest.mark.parametrize("host", sorted(SHAPES))
def test_the_host_is_judged_by_growth_through_its_import(tmp_path, host):
    _, _, export, imported, line = SHAPES[host]
    script = _project(tmp_path, host)
    assert _node(script).split()[0] == "0"  # V8: the view kept across the call detached
    stale = [f for f in _findings(host, "--layer", "host", cwd=tmp_path) if f["rule_id"] == "stale-memory-view"]
    assert [(f["line"], f["severity"], f["symbol"]) for f in stale] == [(line, "error", export)]
    (evidence,) = [item for item in stale[0]["evidence"] if item.startswith("module:")]
    assert evidence.startswith(f"module: `{export}` asks the host to grow memory via {export} -> ")
    assert evidence.endswith(f"-> {imported}")
    assert GROWN_IN[host] in stale[0]["evidence"]


@pytest.mark.parametrize("host", sorted(SHAPES))
def test_a_view_made_after_the_growing_call_is_clean(tmp_path, host):
    script = _project(tmp_path, host, fresh=True)
    assert int(_node(script).split()[0]) > 65536  # V8: the view is over the grown memory
    assert [f for f in _findings(host, "--layer", "host", cwd=tmp_path) if f["rule_id"] == "stale-memory-view"] == []


@pytest.mark.parametrize("fresh", [False, True], ids=["host-keeps-a-view", "host-makes-fresh-views"])
def test_module_findings_follow_the_growth_the_host_shows(tmp_path, fresh):
    """Checked as a project (module layer included): the minified module's own findings say that
    `P` and `Q` (through `P`) can make the host grow memory, which the module alone cannot show,
    whether or not the host keeps a view; `S` reaches an import that grows the table, not memory,
    and is not reported. Their severity follows the host that loads the module (the module
    contract): `Q`, which the host calls, stays a warning where the host keeps a view across it;
    an export no host keeps a view across is `info`; `--strict` gives the rule's own severity."""
    _project(tmp_path, "min.js", fresh)
    found = _findings(".", cwd=tmp_path)
    host_growth = sorted((f["symbol"], f["severity"]) for f in found if f["rule_id"] == "host-grows-memory")
    assert host_growth == [("P", "info"), ("Q", "info" if fresh else "warning")]
    strict = _findings(".", "--strict", cwd=tmp_path)
    assert sorted((f["symbol"], f["severity"]) for f in strict if f["rule_id"] == "host-grows-memory") == \
        [("P", "warning"), ("Q", "warning")]
    alone = _findings("minified.wasm", cwd=tmp_path)
    assert [f for f in alone if f["rule_id"] == "host-grows-memory"] == []


@pytest.mark.parametrize("host", sorted(SHAPES))
def test_confirm_grows_memory_in_the_import_as_the_host_does(tmp_path, host):
    """--confirm runs the module in V8 with no host code: the harness itself grows memory in the
    import through which the host grows it (a stub would return 0 and nothing would grow), and the
    evidence says so."""
    _, module, export, imported, line = SHAPES[host]
    _project(tmp_path, host)
    (tmp_path / "scenario.toml").write_text(f'[[steps]]\ncall = "{export}"\nargs = [200000]\n')
    if shutil.which("node") is None:
        unavailable("node is not installed (scripts/setup.sh --dev installs it)")
    stale = [f for f in _findings(host, f"{module}.wasm", "--layer", "host", "--confirm", cwd=tmp_path)
             if f["rule_id"] == "stale-memory-view"]
    assert [(f["line"], f["confirmed"]) for f in stale] == [(line, True)]
    (node,) = [e for e in stale[0]["evidence"] if e.startswith("node:")]
    assert node == (f"node: {export}(200000) grew memory 1 -> 4 pages in V8 (the harness grew memory in "
                    f"`{imported}`, as the host's JavaScript does); views made before it are detached")
