"""Shapes met in public npm packages nobody here wrote (issue 21: try the host layer as a new user
would), reduced to small hosts: real tree-sitter parses, each with a twin that must differ."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import json_findings, npm_unpacked, run_cli

from wasmlint.host.analyze import analyze_host

PRELUDES = {
    "instance": "const { instance } = await WebAssembly.instantiate(bytes, imports)\nconst wasm = instance.exports\n",
    "bundler-import": "import * as wasm from './pkg_bg.wasm'\n",
}


def stale_lines(text: str, name: str = "host.mjs") -> dict[int, set[str]]:
    """Line -> the exports named as possible culprits of the stale use there."""
    facts = analyze_host(name, text.encode())
    return {use.line: {e for g in use.grows for e in g.exports} for use in facts.uses}


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


# -- a guard on a view whose *name* ends like a memory's ---------------------------------------------
# wasm-bindgen before 0.2.70 named its cached view `cachegetUint8Memory` (wasm-brotli 2.0.2): the
# test `cachegetUint8Memory.buffer !== wasm.memory.buffer` is about the view, whatever it is called.
# The value decides which side is the live buffer, not the spelling.

MEMORY_NAMED_VIEWS = {
    "wasm-bindgen-getter": """\
let cachegetUint8Memory = null
function getUint8Memory() {
  if (cachegetUint8Memory === null || cachegetUint8Memory.buffer !== wasm.memory.buffer) {
    cachegetUint8Memory = new Uint8Array(wasm.memory.buffer)
  }
  return cachegetUint8Memory
}
function pass(arg) {
  const ptr = wasm.alloc(arg.length)
  getUint8Memory().set(arg, ptr) // use
  return ptr
}
export function run(arg) { return pass(arg) }
""",
    "detached-flag-method": """\
class Reader {
  constructor() { this.heapMemory = new DataView(wasm.memory.buffer) }
  view() {
    if (this.heapMemory.buffer.detached) this.heapMemory = new DataView(wasm.memory.buffer)
    return this.heapMemory
  }
}
const r = new Reader()
export function read() {
  const p = wasm.alloc(8)
  return r.view().getUint32(p, true) // use
}
""",
    "buffer-compared-on-the-left": """\
let viewMemory = new Int32Array(wasm.memory.buffer)
const fresh = () => (wasm.memory.buffer === viewMemory.buffer ? viewMemory : (viewMemory = new Int32Array(wasm.memory.buffer)))
export function step() {
  const p = wasm.alloc(4)
  return fresh()[p >> 2] // use
}
""",
}


@pytest.mark.parametrize("prelude", sorted(PRELUDES))
@pytest.mark.parametrize("form", sorted(MEMORY_NAMED_VIEWS))
def test_a_guard_on_a_view_named_like_memory_re_validates_it(form, prelude):
    assert stale_lines(PRELUDES[prelude] + MEMORY_NAMED_VIEWS[form]) == {}


@pytest.mark.parametrize("prelude", sorted(PRELUDES))
@pytest.mark.parametrize("form", sorted(MEMORY_NAMED_VIEWS))
def test_without_the_guard_the_view_named_like_memory_is_flagged(form, prelude):
    # The broken twin: the same host whose test no longer asks whether the view detached.
    text = (MEMORY_NAMED_VIEWS[form]
            .replace("cachegetUint8Memory === null || cachegetUint8Memory.buffer !== wasm.memory.buffer",
                     "cachegetUint8Memory === null")
            .replace("this.heapMemory.buffer.detached", "this.heapMemory === undefined")
            .replace("wasm.memory.buffer === viewMemory.buffer", "viewMemory !== null"))
    assert text != MEMORY_NAMED_VIEWS[form]
    text = PRELUDES[prelude] + text
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}




# -- a named property written on a view is not a memory write ----------------------------------------
# `view.tag = x` adds an ordinary property (V8 keeps it on a detached view too); only element writes
# reach memory. Emscripten's embind glue (yoga-layout 2.0.1) writes `Module[name].R = []` on an
# entry of the Module object, which also holds `HEAPF32`: 4 false warnings before.

NAMED_WRITES = {
    "registry-entry": """\
const Module = {}
Module.HEAPF32 = new Float32Array(wasm.memory.buffer)
export function register(name, f) {
  wasm.alloc(8)
  Module[name] = f
  Module[name].overloads = [] // write
}
""",
    "tag-on-view": """\
const view = new Uint8Array(wasm.memory.buffer)
export function tag() {
  wasm.alloc(8)
  view.label = "scratch" // write
}
""",
    "string-key": """\
const view = new Int32Array(wasm.memory.buffer)
export function tag() {
  wasm.alloc(8)
  view["owner"] = null // write
}
""",
}
ELEMENT_WRITES = {"registry-entry": "Module[name][0] = 1 // write", "tag-on-view": "view[3] = 1 // write",
                  "string-key": 'view["2"] = 7 // write'}


@pytest.mark.parametrize("form", sorted(NAMED_WRITES))
def test_writing_a_named_property_on_a_view_is_no_use_of_memory(form):
    assert stale_lines(PRELUDES["instance"] + NAMED_WRITES[form]) == {}


@pytest.mark.parametrize("form", sorted(NAMED_WRITES))
def test_writing_an_element_of_the_same_view_is_flagged(form):
    lines = NAMED_WRITES[form].splitlines()
    at = next(i for i, line in enumerate(lines) if "// write" in line)
    lines[at] = "  " + ELEMENT_WRITES[form]
    text = PRELUDES["instance"] + "\n".join(lines) + "\n"
    assert stale_lines(text) == {line_of(text, "// write"): {"alloc"}}


# -- real packages from npm that must stay clean -----------------------------------------------------
# Each checked in Node against its own module (issue 21 survey): wasm-brotli 2.0.2's bundler and
# nodejs glue (wasm-bindgen before 0.2.70, `cachegetUint8Memory`) round-trips 8 MiB while memory
# grows 28 -> 1131 pages; the others are glue of other generations and kinds: newer wasm-bindgen
# (nodejs target), a hand-written host over a Rust module (source-map), Emscripten glue, and a
# hand-written host over a hand-written module whose JavaScript grows the memory and re-makes its
# one view in the same helper (xxhash-wasm 1.1.0: an 8 MiB input grows it, the streaming state
# made before still hashes right).
CLEAN_PACKAGES = ("wasm-brotli@2.0.2", "lz4-wasm@0.9.2", "@silvia-odwyer/photon-node@0.3.1", "source-map@0.7.4",
                  "@bokuweb/zstd-wasm@0.0.20", "xxhash-wasm@1.1.0")


@pytest.fixture(scope="module")
def npm_clean(tmp_path_factory) -> Path:
    return npm_unpacked(CLEAN_PACKAGES, tmp_path_factory.mktemp("real"))


@pytest.mark.network
def test_real_hosts_of_several_kinds_have_no_stale_view(npm_clean):
    assert len(sorted(npm_clean.rglob("*.wasm"))) >= len(CLEAN_PACKAGES)
    proc = run_cli("check", str(npm_clean), "--format", "json", "--layer", "host", cwd=npm_clean)
    findings = json_findings(proc.stdout)
    stale = [(f["path"], f["line"], f["severity"]) for f in findings if f["rule_id"] == "stale-memory-view"]
    assert stale == [], proc.stderr
    # The old glue was judged with its module beside it (x.js / x_bg.wasm), not as an unknown one.
    from wasmlint.host import resolve_module

    for glue in npm_clean.rglob("wasm_brotli_*.js"):
        if not glue.stem.endswith("_bg"):
            assert resolve_module(glue, analyze_host(glue.name, glue.read_bytes())) is not None, glue


# -- a call of a function named `using` --------------------------------------------------------------
# blake3-wasm 2.1.5 calls its helper `using(resource, fn)` as a statement; tree-sitter's JavaScript
# grammar reads `using(` there as a `using` declaration it cannot finish (an ERROR, the arguments
# as a parenthesized expression): the callback's growth was lost. The statement is read as the call
# it is; where the grammar cannot be helped (TypeScript, a statement at the start of its line) the
# file's parse error says what happened instead of "unexpected syntax".

USING_CALLS = {
    "statement-in-function": "export function run() {\n  using(res, () => { wasm.alloc(8) })\n  return view[0] // use\n}\n",
    "statement-in-method": ("class H {\n  run() {\n    using(res, (r) => wasm.alloc(8));\n    return view[0] // use\n  }\n}\n"
                            "export const h = new H()\n"),
    "if-branch": "export function run(f) {\n  if (f) using(res, () => wasm.alloc(8))\n  return view[0] // use\n}\n",
}
USING_HEAD = "const using = (r, fn) => { try { return fn(r) } finally { r.dispose() } }\nconst res = { dispose() {} }\n"


@pytest.mark.parametrize("form", sorted(USING_CALLS))
def test_a_statement_calling_using_is_a_call(form):
    view = "const view = new Uint8Array(wasm.memory.buffer)\n"
    text = PRELUDES["instance"] + USING_HEAD + view + USING_CALLS[form]
    facts = analyze_host("host.mjs", text.encode())
    assert facts.parse_error is None
    assert {u.line: u.exports() for u in facts.uses} == {line_of(text, "// use"): ("alloc",)}
    # The path to the growth goes through the callback `using` ran, not across entry points.
    (use,) = facts.uses
    assert any("using" in grow.via for grow in use.grows), use.grows
    # Made after the call, the view is fresh.
    after = text.replace(view, "").replace("return view[0]", "return new Uint8Array(wasm.memory.buffer)[0]")
    assert analyze_host("host.mjs", after.encode()).uses == []


@pytest.mark.parametrize("name, text", [
    ("host.ts", "function run() {\n  using(res, () => 1)\n}\n"),
    ("host.mjs", "using(res, () => 1)\n"),
])
def test_a_using_call_the_grammar_cannot_read_is_named_in_the_parse_error(name, text):
    text = "const res = { dispose() {} }\nconst view = new Uint8Array(wasm.memory.buffer)\n" + text
    facts = analyze_host(name, text.encode())
    assert facts.parse_error is not None
    line, _, detail = facts.parse_error
    assert line == line_of(text, "using(res") and "function named `using`" in detail, facts.parse_error


@pytest.mark.network
def test_blake3_wasm_calling_using_parses_completely(tmp_path):
    # blake3-wasm 2.1.5's esm/base/disposable.test.js calls `using(...)` as statements.
    folder = npm_unpacked(("blake3-wasm@2.1.5",), tmp_path)
    proc = run_cli("check", str(folder), "--format", "json", "--layer", "host", cwd=folder)
    findings = json_findings(proc.stdout)
    assert any(p.name == "disposable.test.js" for p in folder.rglob("*.js"))
    assert [(f["rule_id"], f["path"]) for f in findings] == [], proc.stderr


@pytest.mark.network
def test_as_sha256_is_judged_by_the_module_its_imports_carry(tmp_path):
    # @chainsafe/as-sha256 1.2.5 keeps two builds of its AssemblyScript module as byte arrays in
    # lib/wasmCode.js and lib/wasmSimdCode.js, imported by lib/wasm.js, imported by the hosts. Its
    # SHA256 class calls only init/update/final, which grow memory in neither build: clean (3 false
    # warnings before, blamed on `final`). index.js is judged by the SIMD build, the one it may load
    # where batchHash4UintArray64s may grow (through an error message's allocation: V8 ran 200,000
    # calls at one page), and its findings say which module judged them.
    folder = npm_unpacked(("@chainsafe/as-sha256@1.2.5",), tmp_path)
    (package,) = folder.glob("*/package")
    proc = run_cli("check", str(package / "lib"), "--format", "json", "--layer", "host", cwd=package)
    stale = [f for f in json_findings(proc.stdout) if f["rule_id"] == "stale-memory-view"]
    assert {f["path"] for f in stale} == {"lib/index.js"}, proc.stderr
    judged = [e for f in stale for e in f["evidence"] if e.startswith("module:")]
    assert len(judged) == len(stale) and all("module embedded at lib/wasmSimdCode.js" in e for e in judged)
    assert all("batchHash4" in f["message"] for f in stale)
