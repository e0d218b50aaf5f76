"""The host layer end to end: real JS/TS hosts, real compiled guests, the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, npm_unpacked, run_cli, unavailable

CLASSIC = """\
import { readFileSync } from 'node:fs'
const wasmFilePath = './greeting.wasm'
const { instance } = await WebAssembly.instantiate(readFileSync(process.argv[2] ?? wasmFilePath))
const wasmExports = instance.exports
const encoder = new TextEncoder()
const mem8 = new Uint8Array(wasmExports.memory.buffer)
const sal = encoder.encode('Ahoy there'), name = encoder.encode('Testy McTestface')
mem8.set(sal, wasmExports.get_salutation_ptr())
mem8.set(name, wasmExports.get_name_ptr())
const len = wasmExports.set_name(sal.length, name.length)          // may grow memory
const ptr = wasmExports.get_msg_ptr()
console.log(new TextDecoder().decode(mem8.slice(ptr, ptr + len)))  // stale view: throws after growth
"""
CLASSIC_STALE_LINE = 12

# The same exchange written differently: TypeScript, destructured exports, a DataView made in a
# helper, the export called through a host function, the stale read in a third function.
HELPER_SPLIT_TS = """\
import { readFile } from 'node:fs/promises'

type Greeter = { memory: WebAssembly.Memory; set_name(a: number, b: number): number;
                 get_salutation_ptr(): number; get_name_ptr(): number; get_msg_ptr(): number }

function viewOf(memory: WebAssembly.Memory): DataView {
  return new DataView(memory.buffer)
}

function greet(exp: Greeter, a: number, b: number): number {
  return exp.set_name(a, b)
}

function readByte(view: DataView, at: number): number {
  return view.getUint8(at)
}

export async function main(path: string): Promise<number> {
  const { instance } = await WebAssembly.instantiate(await readFile(path))
  const exp = instance.exports as unknown as Greeter
  const { memory } = exp
  const dv = viewOf(memory)
  dv.setUint8(exp.get_salutation_ptr(), 65)
  const n = greet(exp, 1, 0)
  return readByte(dv, exp.get_msg_ptr()) + n
}
"""
HELPER_STALE_LINE = 15  # in readByte, which main calls with the stale view


@pytest.fixture(scope="module")
def modules(compiler) -> dict[str, Path]:
    return {name: guest_module(name, compiler) for name in ("greeting-alloc", "greeting-static", "greeting-wat")}


def _check(*args: str, cwd: Path) -> tuple[int, list[dict], str]:
    proc = run_cli("check", *args, "--format", "json", "--layer", "host", cwd=cwd)
    return proc.returncode, json.loads(proc.stdout)["findings"], proc.stderr


@pytest.mark.parametrize(("host", "text", "line"), [
    ("classic.mjs", CLASSIC, CLASSIC_STALE_LINE),
    ("greeter.ts", HELPER_SPLIT_TS, HELPER_STALE_LINE),
])
def test_growing_guest_makes_the_stale_use_an_error(tmp_path, modules, host, text, line):
    (tmp_path / host).write_text(text)
    code, findings, _ = _check(host, "--wasm", str(modules["greeting-alloc"]), cwd=tmp_path)
    stale = [f for f in findings if f["rule_id"] == "stale-memory-view"]
    assert [(f["line"], f["severity"], f["symbol"]) for f in stale] == [(line, "error", "set_name")], stale
    assert code == 1
    (finding,) = stale
    assert finding["layer"] == "host"
    assert any(e.startswith("module: `set_name` reaches memory.grow via set_name -> ") and "__rust_alloc ->" in e
               for e in finding["evidence"]), finding["evidence"]
    assert len(finding["call_path"]) == 3 and "set_name" in finding["call_path"][1]


@pytest.mark.parametrize("guest", ["greeting-static", "greeting-wat"])
@pytest.mark.parametrize(("host", "text"), [("classic.mjs", CLASSIC), ("greeter.ts", HELPER_SPLIT_TS)])
def test_guest_that_cannot_grow_makes_no_finding(tmp_path, modules, guest, host, text):
    (tmp_path / host).write_text(text)
    code, findings, err = _check(host, "--wasm", str(modules[guest]), cwd=tmp_path)
    assert [f for f in findings if f["rule_id"] == "stale-memory-view"] == []
    assert code == 0, err


def test_without_a_module_the_stale_use_is_a_warning_that_says_how_to_give_one(tmp_path):
    (tmp_path / "classic.mjs").write_text(CLASSIC)
    code, findings, _ = _check("classic.mjs", cwd=tmp_path)
    at_slice = [f for f in findings if f["line"] == CLASSIC_STALE_LINE]
    assert [f["severity"] for f in at_slice] == ["warning"]
    assert any("--wasm FILE" in e for e in at_slice[0]["evidence"])
    assert {f["severity"] for f in findings} == {"warning"}


def test_module_named_by_the_host_is_found_without_wasm(tmp_path, modules):
    # `const wasmFilePath = './greeting.wasm'`: the string constant names the module.
    shutil.copy(modules["greeting-alloc"], tmp_path / "greeting.wasm")
    (tmp_path / "classic.mjs").write_text(CLASSIC)
    code, findings, _ = _check("classic.mjs", cwd=tmp_path)
    assert [(f["line"], f["severity"]) for f in findings if f["rule_id"] == "stale-memory-view"] == [(CLASSIC_STALE_LINE, "error")]
    shutil.copy(modules["greeting-static"], tmp_path / "greeting.wasm")
    code, findings, _ = _check("classic.mjs", cwd=tmp_path)
    assert [f for f in findings if f["rule_id"] == "stale-memory-view"] == []


def test_glue_beside_its_module_is_judged_by_it(tmp_path, modules):
    # wasm-bindgen's layout: x.js beside x_bg.wasm; no path in the host at all.
    shutil.copy(modules["greeting-alloc"], tmp_path / "greet_bg.wasm")
    (tmp_path / "greet.js").write_text(
        "let wasm;\nexport function setWasm(w) { wasm = w; }\n"
        "export function greet(n) {\n  const view = new Uint8Array(wasm.memory.buffer);\n"
        "  const len = wasm.set_name(n, n);\n  return view.slice(32, 32 + len);\n}\n")
    code, findings, _ = _check("greet.js", cwd=tmp_path)
    assert [(f["line"], f["severity"], f["symbol"]) for f in findings] == [(6, "error", "set_name")]


def test_text_output_points_at_the_use(tmp_path, modules):
    (tmp_path / "classic.mjs").write_text(CLASSIC)
    proc = run_cli("check", "classic.mjs", "--wasm", str(modules["greeting-alloc"]), "--layer", "host", cwd=tmp_path)
    assert "error[stale-memory-view]: `mem8` (Uint8Array over memory.buffer, made at line 6)" in proc.stdout
    assert f"--> classic.mjs:{CLASSIC_STALE_LINE}:38" in proc.stdout
    assert "= help: Re-create the view after every call that may grow memory" in proc.stdout


def test_suppression_in_a_js_comment(tmp_path, modules):
    allowed = CLASSIC.replace("// stale view: throws after growth",
                              "// wasmlint: allow(stale-memory-view) -- demo of the bug")
    (tmp_path / "classic.mjs").write_text(allowed + "const x = 1 // wasmlint: allow(stale-memory-view) -- nothing here\n")
    code, findings, _ = _check("classic.mjs", "--wasm", str(modules["greeting-alloc"]), cwd=tmp_path)
    assert [(f["rule_id"], f["line"]) for f in findings] == [("unused-suppression", 13)]


def test_a_file_that_does_not_parse_is_one_finding_and_the_run_goes_on(tmp_path, modules):
    (tmp_path / "broken.js").write_text("const ok = 1;\nfunction f( {\n  return 2\n")
    (tmp_path / "classic.mjs").write_text(CLASSIC)
    code, findings, err = _check(".", "--wasm", str(modules["greeting-alloc"]), cwd=tmp_path)
    broken = [f for f in findings if f["path"] == "broken.js"]
    assert [(f["rule_id"], f["line"]) for f in broken] == [("parse-error", 2)]
    assert any(f["rule_id"] == "stale-memory-view" and f["line"] == CLASSIC_STALE_LINE for f in findings)
    assert "Traceback" not in err


def test_the_host_is_never_executed(tmp_path):
    marker = tmp_path / "ran.txt"
    (tmp_path / "evil.js").write_text(
        f"require('fs').writeFileSync({str(marker)!r}, 'ran');\nconst m = new Uint8Array(wasm.memory.buffer);\n"
        "wasm.f();\nm[0] = 1;\n")
    code, findings, _ = _check("evil.js", cwd=tmp_path)
    assert [f["line"] for f in findings] == [4]
    assert not marker.exists()


def _bundle(size: int) -> bytes:
    """A minified-looking bundle of about `size` bytes: many small modules of ordinary code, with
    one stale view in the middle."""
    chunk = ("function m{i}(a,b){{var c=a+b,d=[a,b,c].map(function(x){{return x*2}});"
             "if(c>{i}){{return d.join(',')+'x'+\"y{i}\"}}for(var k=0;k<d.length;k++){{c+=d[k]}}return c}}")
    parts, total, i = [], 0, 0
    stale = ("var M=new Uint8Array(W.memory.buffer);W.f(1);M.slice(0,4);")
    while total < size:
        part = chunk.format(i=i)
        parts.append(part)
        total += len(part)
        i += 1
        if i == 20:
            parts.append(stale)
    return ("(function(W){" + "".join(parts) + "})(globalThis.w);").encode()


def test_a_5_mb_minified_bundle_is_analysed_whole(tmp_path):
    from wasmlint.host import analyze_host

    source = _bundle(5 * 1024 * 1024)
    assert len(source) >= 5 * 1024 * 1024
    facts = analyze_host("bundle.min.js", source)
    assert facts.parse_error is None
    assert [(u.line, u.text) for u in facts.uses] == [(1, "M.slice(0,4)")]


def test_work_grows_linearly_with_the_bundle(monkeypatch):
    # Counted, not timed: the number of expressions and statements the analysis visits.
    from wasmlint.host import analyze_host
    from wasmlint.host.interp import Interpreter

    counts = {"n": 0}
    expr, stmt = Interpreter.eval, Interpreter.exec

    def counted_expr(self, *args, **kwargs):
        counts["n"] += 1
        return expr(self, *args, **kwargs)

    def counted_stmt(self, *args, **kwargs):
        counts["n"] += 1
        return stmt(self, *args, **kwargs)

    monkeypatch.setattr(Interpreter, "eval", counted_expr)
    monkeypatch.setattr(Interpreter, "exec", counted_stmt)
    work = []
    for size in (64 * 1024, 16 * 64 * 1024):
        counts["n"] = 0
        analyze_host("bundle.js", _bundle(size))
        work.append(counts["n"])
    assert work[1] <= 20 * work[0], work


# --- real wasm-bindgen glue from npm, checked against its own module ---------------------------

GLUE_PACKAGES = ("tiktoken@1.0.22", "@jsquash/png@1.2.0", "@resvg/resvg-wasm@2.0.0", "@resvg/resvg-wasm@2.6.2",
                 "brotli-wasm@3.0.1", "lightningcss-wasm@1.15.1")


@pytest.fixture(scope="module")
def npm_glue(tmp_path_factory) -> Path:
    return npm_unpacked(GLUE_PACKAGES, tmp_path_factory.mktemp("glue"))


@pytest.mark.network
def test_wasm_bindgen_glue_of_real_packages_has_no_stale_view(npm_glue):
    hosts = sorted(p for p in npm_glue.rglob("*") if p.suffix in (".js", ".mjs", ".cjs"))
    modules = sorted(npm_glue.rglob("*_bg.wasm"))
    assert len(modules) >= 6 and len(hosts) >= 10, (modules, hosts)
    code, findings, err = _check(str(npm_glue), cwd=npm_glue)
    stale = [(f["path"], f["line"], f["severity"]) for f in findings if f["rule_id"] == "stale-memory-view"]
    assert stale == []
    # Each glue file was judged by its own module (x.js beside x_bg.wasm), not by none.
    from wasmlint.host import analyze_host, resolve_module

    judged = [h for h in hosts if "_bg" not in h.stem and (h.parent / f"{h.stem}_bg.wasm").is_file()]
    assert judged and all(resolve_module(h, analyze_host(h.name, h.read_bytes())) is not None for h in judged)


def test_confirm_reproduces_the_detach_in_node(tmp_path, modules):
    if shutil.which("node") is None:
        unavailable("node is not installed (scripts/setup.sh --dev installs it)")
    (tmp_path / "classic.mjs").write_text(CLASSIC)
    shutil.copy(GUESTS / "greeting-alloc" / "scenario.toml", tmp_path / "scenario.toml")
    code, findings, err = _check("classic.mjs", "--wasm", str(modules["greeting-alloc"]), "--confirm", cwd=tmp_path)
    (finding,) = [f for f in findings if f["rule_id"] == "stale-memory-view"]
    assert finding["confirmed"] is True
    assert "node: set_name(10, 16) grew memory 17 -> 18 pages in V8; views made before it are detached" in finding["evidence"]


def test_calls_into_an_imported_file_are_followed_and_its_edits_reach_the_cache(tmp_path, modules):
    # The view is made in one file and the export called in another; the use is in the host.
    (tmp_path / "view.mjs").write_text("export function bytesOf(exp) { return new Uint8Array(exp.memory.buffer) }\n")
    (tmp_path / "calls.mjs").write_text("export function compose(exp) { return exp.set_name(10, 16) }\n")
    (tmp_path / "host.mjs").write_text(
        "import { bytesOf } from './view.mjs'\nimport { compose } from './calls.mjs'\n"
        "const { instance } = await WebAssembly.instantiate(bytes)\nconst exp = instance.exports\n"
        "const mem = bytesOf(exp)\nconst n = compose(exp)\nconsole.log(mem.slice(32, 32 + n))\n")
    cache = tmp_path / "cache"
    args = ("host.mjs", "--wasm", str(modules["greeting-alloc"]), "--cache-dir", str(cache))
    code, findings, _ = _check(*args, cwd=tmp_path)
    assert [(f["path"], f["line"], f["severity"]) for f in findings] == [("host.mjs", 7, "error")]
    # The helper stops calling the export: the cached result for host.mjs must not be reused.
    (tmp_path / "calls.mjs").write_text("export function compose(exp) { return 29 }\n")
    code, findings, _ = _check(*args, cwd=tmp_path)
    assert findings == []
