"""Every export that reaches an allocating site is named on its finding, and counts (issue 22,
items 5 and 6): on `guests/shared-sites` (two exports through one helper; a method and a closure
through another), with the host contract (a host keeping a view across either export) and with the
compiled module deciding (hand-written modules, and the guest built by both compilers)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, module_options, run_cli, unavailable

GUEST = "guests/shared-sites"
# Each shared site: its rule, the export that reaches it first (its `symbol`), the other one.
# (`record` reaches `describe` through `Journal::note`, `replay` through its closure: as near, and
# `record` comes first.)
SITES = {"format-in-export": ("encode", "decode"), "to-string-in-export": ("record", "replay")}


def _check(*args: str, cwd: Path = GUESTS.parent) -> list[dict]:
    proc = run_cli("check", *args, "--format", "json", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def _sites(findings: list[dict]) -> dict[str, dict]:
    return {f["rule_id"]: f for f in findings if f["rule_id"] in SITES}


def _fn_line(name: str) -> int:
    lines = (GUESTS / "shared-sites/src/lib.rs").read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if f"fn {name}(" in text)


def test_both_exports_are_named_on_each_shared_site_in_json_sarif_and_text():
    sites = _sites(_check(GUEST, "--layer", "source", "--strict"))
    for rule_id, (nearest, other) in SITES.items():
        site = sites[rule_id]
        assert site["symbol"] == nearest and site["severity"] == "error"
        assert site["also_reached_from"] == [{"symbol": other, "function": other, "path": f"{GUEST}/src/lib.rs",
                                              "line": _fn_line(other), "column": 19}]
        assert f"note: also reached from `{other}`" in site["evidence"]
    sarif = json.loads(run_cli("check", GUEST, "--layer", "source", "--format", "sarif").stdout)
    results = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    for rule_id, (_, other) in SITES.items():
        (related,) = results[rule_id]["relatedLocations"]
        assert related["physicalLocation"]["region"]["startLine"] == _fn_line(other)
        assert related["logicalLocations"] == [{"name": other, "kind": "function"}]
        assert results[rule_id]["properties"]["alsoReachedFrom"] == [other]
    text = run_cli("check", GUEST, "--layer", "source", "--strict").stdout
    assert text.count("= note: also reached from `decode`") == 1 and text.count("= note: also reached from `replay`") == 1


def test_a_helper_reached_by_many_exports_names_two_and_counts_the_rest(tmp_path):
    crate = tmp_path / "many"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "many"\nversion = "0.1.0"\nedition = "2021"\n')
    exports = "".join(f'#[no_mangle]\npub extern "C" fn e{i}(n: u32) -> usize {{ helper(n) }}\n' for i in range(6))
    (crate / "src/lib.rs").write_text(exports + "fn helper(n: u32) -> usize { n.to_string().len() }\n")
    (site,) = _check(str(crate), "--layer", "source")
    assert site["symbol"] == "e0" and [e["symbol"] for e in site["also_reached_from"]] == ["e1", "e2", "e3", "e4", "e5"]
    text = run_cli("check", str(crate), "--layer", "source").stdout
    assert "= note: also reached from `e1`, `e2` (+3)" in text


@pytest.fixture
def project(tmp_path) -> Path:
    copy = tmp_path / "shared-sites"
    shutil.copytree(GUESTS / "shared-sites", copy, ignore=shutil.ignore_patterns("target"))
    return copy


def test_with_hosts_that_make_fresh_views_every_shared_site_is_safe(project):
    sites = _sites(_check(str(project)))
    assert {rule_id: f["severity"] for rule_id, f in sites.items()} == {rule_id: "info" for rule_id in SITES}


@pytest.mark.parametrize("export", ["encode", "decode", "replay", "record"])
def test_a_host_keeping_a_view_across_either_export_promotes_the_shared_site(project, export):
    (project / "host" / "keep.js").write_text(
        "const fs = require('fs');\n"
        "const wasm = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(\n"
        "  __dirname + '/../target/wasm32-unknown-unknown/release/shared_sites.wasm')), {}).exports;\n"
        "const out = new Uint8Array(wasm.memory.buffer, wasm.out_ptr(), 64);\n"
        f"const len = wasm.{export}(7);\n"
        "console.log(out.slice(0, len));\n")
    findings = _check(str(project))
    (host,) = [f for f in findings if f["rule_id"] == "stale-memory-view"]
    assert (Path(host["path"]).name, host["line"], host["severity"], host["symbol"]) == ("keep.js", 6, "error", export)
    sites = _sites(findings)
    promoted = next(rule_id for rule_id, exports in SITES.items() if export in exports)
    assert sites[promoted]["severity"] == "error"
    assert any("keep.js:6 keeps a view over memory.buffer across a call to " f"`{export}`" in e
               for e in sites[promoted]["evidence"])
    assert f"`{SITES[promoted][0]}` {promoted} at " in " ".join(host["evidence"])
    (other,) = set(SITES) - {promoted}
    assert sites[other]["severity"] == "info"  # no host keeps a view across its exports


# A module for the crate below: `a` and `b` share `helper`'s `format!`; `c` calls `helper` too.
CRATE = '''#[no_mangle]
pub extern "C" fn a(n: u32) -> usize { helper(n) }
#[no_mangle]
pub extern "C" fn b(n: u32) -> usize { helper(n + 1) }
#[no_mangle]
pub extern "C" fn c(n: u32) -> usize { n as usize }
fn helper(n: u32) -> usize { format!("{}", n).len() }
'''
GROW = "(func $__rust_alloc (param i32) (result i32) (memory.grow (local.get 0)))"
PANIC = ("(func $rust_begin_unwind (drop (call $__rust_alloc (i32.const 1))) (unreachable))\n"
         "(func $core::panicking::panic_bounds_check (call $rust_begin_unwind))")
EXPORTS = {
    "never": '(func (export "{name}") (param i32) (result i32) (local.get 0))',
    "panic": '(func (export "{name}") (param i32) (result i32) (if (i32.gt_u (local.get 0) (i32.const 9)) '
             '(then (call $core::panicking::panic_bounds_check))) (local.get 0))',
    "grows": '(func (export "{name}") (param i32) (result i32) (call $many::helper (local.get 0)))',
}


def _crate_and_module(tmp_path: Path, a: str, b: str | None) -> tuple[Path, Path]:
    crate = tmp_path / "many"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "many"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src/lib.rs").write_text(CRATE)
    exports = [EXPORTS[a].format(name="a")] + ([EXPORTS[b].format(name="b")] if b else [])
    module = tmp_path / "many.wat"
    module.write_text("(module (memory (export \"memory\") 1)\n" + GROW + "\n" + PANIC + "\n"
                      "(func $many::helper (param i32) (result i32) (call $alloc::fmt::format (local.get 0)))\n"
                      "(func $alloc::fmt::format (param i32) (result i32) (call $__rust_alloc (local.get 0)))\n"
                      + "\n".join(exports) + ")\n")
    return crate, module


@pytest.mark.parametrize(("a", "b", "severity", "says"), [
    ("never", "never", "info", "module: `a` and `b` never reach memory.grow"),
    ("never", "panic", "info", "module: `a` never reaches memory.grow; `b` reaches it only through panic handling"),
    ("never", "grows", "error", None),  # one export grows: the shared site keeps its error
    ("grows", "never", "error", None),
    ("never", None, "error", None),  # the module does not export `b`: it cannot speak for it
])
def test_the_module_decides_a_shared_site_by_every_export_that_reaches_it(tmp_path, a, b, severity, says):
    crate, module = _crate_and_module(tmp_path, a, b)
    for strict in ((), ("--strict",)):
        (site,) = [f for f in _check(str(crate), "--wasm", str(module), *strict, cwd=tmp_path)
                   if f["rule_id"] == "format-in-export"]
        assert site["severity"] == severity
        verdicts = [e for e in site["evidence"] if e.startswith("module:") and "(many.wat)" in e]
        if says is None:
            assert not verdicts
            continue
        assert verdicts == [f"{says} (many.wat): this allocation does not grow memory from there"]
        assert site["message"].endswith("only while panicking" if b == "panic" else "never reaches memory.grow from here")


def test_a_module_growing_through_crate_code_the_source_misses_says_where_it_leaves_the_crate(tmp_path):
    crate, module = _crate_and_module(tmp_path, "never", None)
    # `c` has no allocation in its source; its module grows through the crate's `helper`.
    module.write_text(module.read_text()[:-2] + "\n" + EXPORTS["grows"].format(name="c") + ")\n")
    (grow,) = [f for f in _check(str(crate), "--wasm", str(module), cwd=tmp_path)
               if f["rule_id"] == "export-reaches-memory-grow"]
    assert (grow["symbol"], grow["path"], grow["line"], grow["severity"]) == ("c", "many/src/lib.rs", 6, "error")
    assert "module: `c` reaches memory.grow via c -> many::helper -> alloc::fmt::format -> __rust_alloc (direct calls only)" \
        in grow["evidence"]
    assert "module: `c`'s path leaves the crate's code in `many::helper`, which calls `alloc::fmt::format`" in grow["evidence"]


def test_the_built_guest_keeps_both_exports_of_each_shared_site(compiler):
    """With the module each compiler builds: the sites still name both exports, and each stays an
    error while one of its exports grows in that module."""
    findings = _check(GUEST, *module_options(GUEST, compiler), "--strict")
    module = guest_module("shared-sites", compiler)
    facts = json.loads(run_cli("inspect", str(module), "--format", "json").stdout)
    grows = {e["name"] for e in facts["exports"] if e["status"] == "grows"}
    for rule_id, site in _sites(findings).items():
        exports = {site["symbol"], *(e["symbol"] for e in site["also_reached_from"])}
        assert exports == set(SITES[rule_id])
        assert site["severity"] == ("error" if exports & grows else "info"), (rule_id, grows)


def test_the_host_really_works_with_the_module(compiler):
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed (scripts/setup.sh --dev installs it)")
    module = guest_module("shared-sites", compiler)
    run = subprocess.run([node, str(GUESTS / "shared-sites/host/index.js"), str(module)],
                         capture_output=True, text=True, timeout=60)
    assert run.stdout.splitlines() == ["item 7", "item 8", "41", "3"], run.stderr


def test_wasmlint_exports_lists_each_shared_site_under_every_export_that_reaches_it():
    listing = json.loads(run_cli("exports", GUEST, "--format", "json").stdout)
    (crate,) = listing["crates"]
    sites = {e["symbol"]: [(s["rule_id"], s["line"], s["nearest"]) for s in e["allocating_sites"]] for e in crate["exports"]}
    format_line = next(n for n, t in enumerate((GUESTS / "shared-sites/src/lib.rs").read_text().splitlines(), 1) if "format!(" in t)
    to_string_line = format_line + 24
    assert sites == {
        "encode": [("format-in-export", format_line, True)], "decode": [("format-in-export", format_line, False)],
        "replay": [("to-string-in-export", to_string_line, False)], "record": [("to-string-in-export", to_string_line, True)],
        "out_ptr": [],
    }


def test_a_module_a_host_of_the_project_loads_decides_too(tmp_path):
    """No --wasm, no --build: the module the project's host loads from the crate's target/ (as the
    host layer links them) speaks for the crate; found in target/ with no host naming it, it does not."""
    from wasmlint.module.analysis import wat_to_wasm

    crate, wat = _crate_and_module(tmp_path, "never", "never")
    release = crate / "target/wasm32-unknown-unknown/release"
    release.mkdir(parents=True)
    (release / "many.wasm").write_bytes(wat_to_wasm(wat.read_text()))
    wat.unlink()
    (crate / "host").mkdir()
    (crate / "host/index.js").write_text(
        "const fs = require('fs');\n"
        "const wasm = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(\n"
        "  __dirname + '/../target/wasm32-unknown-unknown/release/many.wasm')), {}).exports;\n"
        "const len = wasm.a(1) + wasm.b(2);\n"
        "console.log(new Uint8Array(wasm.memory.buffer, 0, len).length);\n")
    (site,) = [f for f in _check(str(crate), "--strict", cwd=tmp_path) if f["rule_id"] == "format-in-export"]
    assert site["severity"] == "info"
    assert ("module: `a` and `b` never reach memory.grow (many/target/wasm32-unknown-unknown/release/many.wasm): "
            "this allocation does not grow memory from there") in site["evidence"]
    (crate / "host/index.js").unlink()
    (site,) = [f for f in _check(str(crate), "--strict", cwd=tmp_path) if f["rule_id"] == "format-in-export"]
    assert site["severity"] == "error" and not any("never reach" in e for e in site["evidence"])


def test_the_sarif_of_shared_sites_validates(validator):
    log = json.loads(run_cli("check", GUEST, "--layer", "source", "--format", "sarif").stdout)
    assert sum(len(r.get("relatedLocations", [])) for r in log["runs"][0]["results"]) == 2
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert not problems, problems
