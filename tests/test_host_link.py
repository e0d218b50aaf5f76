"""Linking hosts to their module and crate (issue 21, item 8): paths built from constant strings
(`path.join(__dirname, ...)`, `new URL(x, import.meta.url)`), and hosts whose module is copied
next to them by a build script (`fetch("x.wasm")`), linked by the exports they call. Run on a
copy of the Rust guest guests/raw-alloc-host."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, run_cli, unavailable
from wasmlint.host.modules import module_paths
from wasmlint.host.parsing import parse_host

RELEASE = "target/wasm32-unknown-unknown/release/raw_alloc_host.wasm"

# The guest's own host, naming its module by path parts (CommonJS)...
JOINED = ("path.join(__dirname, '../target/wasm32-unknown-unknown/release/raw_alloc_host.wasm')",
          "path.join(__dirname, '..', 'target', 'wasm32-unknown-unknown', 'release', 'raw_alloc_host.wasm')")
# ... and through a URL built on a URL of a folder, in an ES module.
URL_HOST = """\
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Text } from "./text.mjs";

const out = new URL("../target/", import.meta.url);
const file = new URL("wasm32-unknown-unknown/release/raw_alloc_host.wasm", out);
const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(fileURLToPath(file))), {});
console.log(new Text(wasm).upper("hello"));
"""


def _check(project: Path, *args: str) -> list[dict]:
    proc = run_cli("check", str(project), *args, "--format", "json", "--no-cache", cwd=project)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def _copy(tmp_path: Path) -> Path:
    project = tmp_path / "raw"
    shutil.copytree(GUESTS / "raw-alloc-host", project, ignore=shutil.ignore_patterns("target"))
    return project


def _url_shaped(project: Path) -> None:
    (project / "host" / "index.js").unlink()
    text = (project / "host" / "text.js").read_text().replace("module.exports = { Text };", "export { Text };")
    (project / "host" / "text.js").unlink()
    (project / "host" / "text.mjs").write_text(text)
    (project / "host" / "index.mjs").write_text(URL_HOST)


def _raw_safe(findings: list[dict], *hosts: str) -> None:
    """The guest's three allocations are `info`, safe with exactly these hosts."""
    assert sorted((f["rule_id"], f["severity"]) for f in findings) == [
        ("alloc-api-in-export", "info"), ("push-in-export", "info"), ("vec-alloc-in-export", "info")]
    listed = findings[0]["message"].split("safe with the hosts in this project (", 1)[1].rstrip(")")
    assert [Path(p).relative_to(Path(p).parents[1]).as_posix() for p in listed.split(", ")] == list(hosts)


@pytest.mark.parametrize("shape", ["path-join", "url-on-url"])
def test_a_host_building_its_module_path_is_linked_to_its_crate(tmp_path, shape):
    project = _copy(tmp_path)
    if shape == "path-join":
        index = project / "host" / "index.js"
        index.write_text(index.read_text().replace(*JOINED))
        hosts = ("host/index.js", "host/text.js")
    else:
        _url_shaped(project)
        hosts = ("host/index.mjs", "host/text.mjs")
    # Not built: the crate's source judges its exports, and its hosts make fresh views.
    _raw_safe(_check(project), *hosts)


@pytest.mark.parametrize("shape", ["path-join", "url-on-url"])
def test_the_built_module_is_found_where_node_opens_it(tmp_path, shape):
    """With the module built where the host builds its path, Node opens that file (a real run),
    and wasmlint judges the host by that module: a view kept across `malloc` is an error whose
    evidence is the module's path to memory.grow."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed (scripts/setup.sh --dev installs it)")
    project = _copy(tmp_path)
    (project / RELEASE).parent.mkdir(parents=True)
    shutil.copy(guest_module("raw-alloc-host"), project / RELEASE)
    if shape == "path-join":
        index = project / "host" / "index.js"
        index.write_text(index.read_text().replace(*JOINED))
        keep = project / "host" / "keep.js"
        keep.write_text(
            "const fs = require('fs');\nconst path = require('path');\n"
            "const file = path.join(__dirname, '..', 'target', 'wasm32-unknown-unknown', 'release', 'raw_alloc_host.wasm');\n"
            "const wasm = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)), {}).exports;\n"
            "const heap = new Uint8Array(wasm.memory.buffer);\nconst p = wasm.malloc(200000);\nheap.set([1, 2, 3], p);\n")
        run = [node, "host/index.js"]
    else:
        _url_shaped(project)
        keep = project / "host" / "keep.mjs"
        keep.write_text(
            'import { readFileSync } from "node:fs";\n'
            'const out = new URL("../target/", import.meta.url);\n'
            'const file = new URL("wasm32-unknown-unknown/release/raw_alloc_host.wasm", out);\n'
            "const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {}).exports;\n"
            "const heap = new Uint8Array(wasm.memory.buffer);\nconst p = wasm.malloc(200000);\nheap.set([1, 2, 3], p);\n")
        run = [node, "host/index.mjs"]
    done = subprocess.run(run, cwd=project, capture_output=True, text=True, timeout=60)
    assert done.stdout.split()[-1:] == ["HELLO" if shape == "url-on-url" else "WORLD"], done.stderr
    stale = [f for f in _check(project, "--layer", "host") if f["rule_id"] == "stale-memory-view"]
    assert [(Path(f["path"]).name, f["line"], f["severity"], f["symbol"]) for f in stale] == [(keep.name, 7, "error", "malloc")]
    assert any(e.startswith("module: `malloc` reaches memory.grow via malloc -> ") and e.endswith(f"({RELEASE})")
               for e in stale[0]["evidence"]), stale[0]["evidence"]


# Hosts that load a module a build script copies beside them: no path they name exists.
FETCHED = {
    "fetch": ('const { instance } = await WebAssembly.instantiateStreaming(fetch("raw_alloc_host.wasm"), {});\n'
              "const wasm = instance.exports;\n"),
    "fetch-url-buffer": ('const response = await fetch(new URL("main.wasm", location.href));\n'
                         "const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), {});\n"
                         "const { exports: wasm } = instance;\n"),
}
FRESH = """\
const input = new TextEncoder().encode("hello");
const ptr = wasm.string_new(input.length);
const heap = new Uint8Array(wasm.memory.buffer, ptr, input.length);
heap.set(input);
wasm.upper(ptr, input.length);
console.log(new TextDecoder().decode(heap));
wasm.free(ptr, input.length);
"""
STALE = """\
const input = new TextEncoder().encode("hello");
const heap = new Uint8Array(wasm.memory.buffer);
const ptr = wasm.string_new(input.length);
heap.set(input, ptr);
"""


@pytest.mark.parametrize("shape", sorted(FETCHED))
def test_a_host_fetching_a_copied_module_is_linked_by_the_exports_it_calls(tmp_path, shape):
    project = _copy(tmp_path)
    (project / "www").mkdir()
    app = project / "www" / "app.mjs"
    app.write_text(FETCHED[shape] + FRESH)
    # Its one view is used after `upper`, whose source allocates nothing: not "may grow", and
    # with every host making fresh views the raw exports are `info`.
    _raw_safe(_check(project), "host/index.js", "host/text.js", "www/app.mjs")
    app.write_text(FETCHED[shape] + STALE)
    found = _check(project)
    (stale,) = [f for f in found if f["rule_id"] == "stale-memory-view"]
    assert (stale["line"], stale["severity"], stale["symbol"]) == (FETCHED[shape].count("\n") + 4, "error", "string_new")
    (source,) = [e for e in stale["evidence"] if e.startswith("source:")]
    assert source.endswith("(its source; no module built), linked to this host by the exports it calls: "
                           "`memory`, `string_new`)") or source.endswith(
        "(its source; no module built), linked to this host by the exports it calls: `string_new`)"), source
    # The guest's allocation in `string_new` is joined to the host that keeps a view across it.
    assert {f["severity"] for f in found if f["symbol"] == "string_new" and f["layer"] == "source"} == {"error"}


def test_exports_no_crate_covers_link_nothing(tmp_path):
    project = _copy(tmp_path)
    (project / "www").mkdir()
    (project / "www" / "app.mjs").write_text(FETCHED["fetch"] + STALE.replace("string_new", "compress"))
    (stale,) = [f for f in _check(project) if f["rule_id"] == "stale-memory-view"]
    assert stale["severity"] == "warning" and any(e.startswith("note: no module found") for e in stale["evidence"])


def test_constant_paths_are_evaluated_as_node_would(tmp_path):
    host = tmp_path / "app" / "main.mjs"
    text = """
        import path from "node:path";
        const root = path.resolve(__dirname, "..");
        const profile = "release";
        a(path.join(root, "target", "wasm32-unknown-unknown", profile, "x.wasm"));
        b(`${__dirname}/pkg/${"y"}_bg.wasm`);
        c(__dirname + "/z.wasm");
        d(new URL("./w.wasm", import.meta.url).pathname);
        e(path.join(__dirname, process.env.OUT, "v.wasm"));
        f("plain.wasm");
    """
    found = module_paths(parse_host("main.mjs", text.encode()), host)
    folder = str(host.parent.resolve())
    assert found == [
        f"{tmp_path.resolve()}/target/wasm32-unknown-unknown/release/x.wasm", f"{folder}/pkg/y_bg.wasm",
        # A join with a part known only at run time leaves its constant file name, as written.
        f"{folder}/z.wasm", f"{folder}/w.wasm", "v.wasm", "plain.wasm"]
