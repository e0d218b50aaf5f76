"""A module carried by a file the host imports (issue 21, a new user's npm survey:
@chainsafe/as-sha256 keeps its AssemblyScript module as a byte array in `wasmCode.js`, two
imports away from the code that calls it). The host is judged by that module, as by a `.wasm`
it named: with a module whose `step` grows memory the kept view is an error, with one whose `step`
does not it is clean (before: no module found, every export "may grow", a warning either way).
Node runs each project to show what V8 sees."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli, unavailable

GROWS = '(module (memory (export "memory") 1) (func (export "step") (param i32) (result i32) (memory.grow (local.get 0))))'
STILL = '(module (memory (export "memory") 1) (func (export "step") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))'

HOST = """\
import { newInstance } from "./wasm.js";
const ctx = newInstance();
const view = new Uint8Array(ctx.memory.buffer, 0, 16);
ctx.step(1);
console.log(view[0] === undefined ? "detached" : "live"); // use
"""
# The loader: one module, or two builds of which it picks one at run time (as-sha256's SIMD choice).
LOADERS = {
    "one": ('import { wasmCode } from "./wasmCode.js";\n'
            "export function newInstance() {\n  return new WebAssembly.Instance(new WebAssembly.Module(wasmCode), {}).exports;\n}\n"),
    "two-builds": ('import { wasmCode } from "./wasmCode.js";\nimport { otherCode } from "./otherCode.js";\n'
                   "const code = WebAssembly.validate(otherCode) ? otherCode : wasmCode;\n"
                   "export function newInstance() {\n  return new WebAssembly.Instance(new WebAssembly.Module(code), {}).exports;\n}\n"),
    "require": ('const { wasmCode } = require("./wasmCode.cjs");\n'
                "exports.newInstance = () => new WebAssembly.Instance(new WebAssembly.Module(wasmCode), {}).exports;\n"),
}


def _wat2wasm(folder: Path, text: str) -> bytes:
    tool = shutil.which("wat2wasm")
    if tool is None:
        unavailable("wat2wasm (wabt) is not installed")
    source, out = folder / "m.wat", folder / "m.wasm"
    source.write_text(text)
    subprocess.run([tool, str(source), "-o", str(out)], check=True, capture_output=True)
    return out.read_bytes()


def _carrier(name: str, data: bytes, common: bool) -> str:
    array = f"Uint8Array.from([{', '.join(str(b) for b in data)}])"
    return f"exports.{name} = {array};\n" if common else f"export const {name} = {array};\n"


def _project(tmp_path: Path, loader: str, first: bytes, second: bytes) -> Path:
    project = tmp_path / "p"
    (project / "lib").mkdir(parents=True)
    if loader == "require":
        (project / "lib" / "wasm.cjs").write_text(LOADERS[loader])
        (project / "lib" / "wasmCode.cjs").write_text(_carrier("wasmCode", first, True))
        (project / "lib" / "index.mjs").write_text(HOST.replace('import { newInstance } from "./wasm.js";',
                                                                'import wasm from "./wasm.cjs";\nconst { newInstance } = wasm;'))
    else:
        (project / "lib" / "wasm.js").write_text(LOADERS[loader])
        (project / "lib" / "wasmCode.js").write_text(_carrier("wasmCode", first, False))
        (project / "lib" / "otherCode.js").write_text(_carrier("otherCode", second, False))
        (project / "lib" / "index.js").write_text(HOST)
        (project / "package.json").write_text('{"type": "module"}')
    return project


def _findings(project: Path) -> list[tuple[str, int, str]]:
    proc = run_cli("check", str(project), "--format", "json", "--no-cache", "--layer", "host", cwd=project)
    assert "Traceback" not in proc.stderr, proc.stderr
    return [(f["path"], f["line"], f["severity"]) for f in json.loads(proc.stdout)["findings"]
            if f["rule_id"] == "stale-memory-view"]


def _node(project: Path) -> str:
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed")
    host = next(p for p in (project / "lib").iterdir() if p.stem == "index")
    proc = subprocess.run([node, str(host)], capture_output=True, text=True, timeout=60, cwd=project)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def modules(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("wat")
    return {"grows": _wat2wasm(folder, GROWS), "still": _wat2wasm(folder, STILL)}


@pytest.mark.parametrize("loader", ["one", "require"])
def test_the_module_an_imported_file_carries_judges_the_host(tmp_path, modules, loader):
    use = next(i for i, line in enumerate(HOST.splitlines(), 1) if "// use" in line)
    use += 1 if loader == "require" else 0
    grows = _project(tmp_path / "grows", loader, modules["grows"], modules["grows"])
    assert _node(grows) == "detached"
    assert [(line, severity) for _, line, severity in _findings(grows)] == [(use, "error")]
    still = _project(tmp_path / "still", loader, modules["still"], modules["still"])
    assert _node(still) == "live"
    assert _findings(still) == []


@pytest.mark.parametrize("order", ["growing-first", "growing-second"])
def test_of_two_builds_it_may_load_the_one_that_grows_judges_it(tmp_path, modules, order):
    # The loader picks one build at run time: the host is judged by the one that grows, wherever
    # it is imported from.
    first, second = ((modules["grows"], modules["still"]) if order == "growing-first"
                     else (modules["still"], modules["grows"]))
    project = _project(tmp_path, "two-builds", first, second)
    assert [severity for _, _, severity in _findings(project)] == ["error"]
