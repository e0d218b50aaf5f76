"""`wasmlint check` with all three layers on the real guests: built with cargo, run in wasmtime."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import GUESTS, json_findings, module_options, run_cli
from guest_builds import CURRENT_RUSTC


@pytest.fixture(scope="module")
def alloc_report(compiler):
    result = run_cli("check", "guests/greeting-alloc", *module_options("guests/greeting-alloc", compiler),
                     "--confirm", "--format", "json")
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_format_finding_carries_module_and_runtime_evidence(alloc_report):
    finding = next(f for f in alloc_report["findings"] if f["rule_id"] == "format-in-export")
    assert finding["symbol"] == "set_name" and finding["confirmed"] is True
    module_line = next(e for e in finding["evidence"] if e.startswith("module:"))
    assert "reaches memory.grow via set_name ->" in module_line
    assert "__rust_alloc ->" in module_line  # the path goes into the allocator (`__rustc::` in 1.96)
    runtime_line = next(e for e in finding["evidence"] if e.startswith("runtime:"))
    assert "set_name(10, 16) grew memory 17 -> 18 pages on its first call" in runtime_line


def test_one_entry_per_export(alloc_report):
    # The module layer's export-reaches-memory-grow joined the source finding instead of repeating it.
    by_symbol = [f for f in alloc_report["findings"] if f["symbol"] == "set_name"]
    assert [f["rule_id"] for f in by_symbol] == ["format-in-export"]


def test_text_shows_evidence_lines(compiler):
    result = run_cli("check", "guests/greeting-alloc", *module_options("guests/greeting-alloc", compiler), "--confirm")
    assert "= module: `set_name` reaches memory.grow via set_name ->" in result.stdout
    assert "= runtime: set_name(10, 16) grew memory 17 -> 18 pages" in result.stdout


@pytest.mark.parametrize("guest", ["greeting-static"])
def test_static_guest_has_no_growth(guest, compiler):
    result = run_cli("check", f"guests/{guest}", *module_options(f"guests/{guest}", compiler), "--confirm",
                     "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    findings = json_findings(result.stdout)
    assert not [f for f in findings if f["rule_id"] in ("export-reaches-memory-grow", "runtime-growth")]
    panic = [f for f in findings if f["rule_id"] == "export-grows-only-on-panic"]
    assert panic and panic[0]["severity"] == "info" and panic[0]["path"] == f"guests/{guest}/src/lib.rs"


def test_fixed_writer_export_has_no_finding_and_the_format_export_keeps_its_module_path(compiler):
    # wasmlint's own advice (`core::fmt::Write` on a fixed buffer, `write!`) next to `format!`: the
    # `dyn Write` call in `core::fmt::write` is resolved by the vtable each export passes.
    result = run_cli("check", "guests/fixed-writer", *module_options("guests/fixed-writer", compiler), "--confirm",
                     "--format", "json")
    assert result.returncode == 1, result.stderr
    findings = json_findings(result.stdout)
    fixed = [f for f in findings if f["symbol"] == "write_fixed"]
    assert [(f["rule_id"], f["severity"]) for f in fixed] == [("export-grows-only-on-panic", "info")]
    # Through an indirect call on its path (rustc 1.63), or as what resolved its calls where the
    # path takes none (rustc 1.96 inlines the call through the vtable into `write_fmt`).
    assert "the `dyn Write` vtable of `FixedWriter`" in fixed[0]["evidence"][0]
    heap = [f for f in findings if f["symbol"] == "write_heap"]
    assert [(f["rule_id"], f["severity"]) for f in heap] == [("format-in-export", "error")]
    module_line = next(e for e in heap[0]["evidence"] if e.startswith("module:"))
    assert module_line.startswith("module: `write_heap` reaches memory.grow via write_heap -> alloc::fmt::format::format_inner")
    assert module_line.endswith("(direct calls only)")
    assert heap[0]["confirmed"] is True


def test_dyn_callbacks_are_followed_through_the_vtable_each_export_passes(compiler):
    result = run_cli("check", "guests/dyn-callbacks", *module_options("guests/dyn-callbacks", compiler),
                     "--format", "json")
    findings = json_findings(result.stdout)
    by_symbol = {f["symbol"]: f for f in findings if f["symbol"]}
    assert "apply_pure" not in by_symbol
    # rustc 1.96's dlmalloc may panic while freeing the box (it checks the size it is given).
    pure = [(by_symbol["handle_pure"]["rule_id"], by_symbol["handle_pure"]["severity"])] if "handle_pure" in by_symbol else []
    assert pure == ([("export-grows-only-on-panic", "info")] if compiler.current else [])
    closure = by_symbol["apply_alloc"]
    assert closure["rule_id"] == "to-string-in-export"
    if compiler.current:
        # rustc 1.96 removes the closure's `String` (only its length is used): no module growth,
        # and the module decides (issue 22): the finding is info, with the module's word.
        assert not [e for e in closure["evidence"] if e.startswith("module:") and " reaches memory.grow via" in e]
        assert closure["severity"] == "info"
        assert any(e.startswith("module: `apply_alloc` never reaches memory.grow (") for e in closure["evidence"])
    else:
        assert "via the closure vtable of `apply_alloc::{{closure}}`" in closure["evidence"][0]
    boxed = by_symbol["handle_alloc"]
    assert boxed["rule_id"] == "box-in-export"
    assert "<dyn_callbacks::Namer as dyn_callbacks::Handler>::handle" in boxed["evidence"][0]
    assert "via the `dyn Handler` vtable of `Namer`" in boxed["evidence"][0]
    # The host's function pointer: only an unresolved indirect call reaches memory.grow, and the
    # source shows no allocation, so a warning that says so.
    host = by_symbol["call_host"]
    assert (host["rule_id"], host["severity"]) == ("export-reaches-memory-grow", "warning")
    assert host["message"].endswith("but only through an unresolved indirect call; its source shows no allocation")
    assert "through an unresolved indirect call (any `(i32, i32) -> (i32)` function" in host["evidence"][0]


def test_an_unresolved_path_is_a_warning_only_where_the_source_shows_no_allocation():
    from wasmlint.evidence import GrowthPath, IndirectHop, Resolution
    from wasmlint.findings import ExportSite, Finding, Layer, Severity
    from wasmlint.merge import merge_layers
    from wasmlint.rules import builtin_rules

    def module_finding(symbol: str) -> Finding:
        evidence = GrowthPath(symbol, (symbol, "alloc"), Resolution.UNRESOLVED, (IndirectHop(
            symbol, "alloc", "through an unresolved indirect call (any `(i32) -> (i32)` function in the table may "
            "be its target)"),))
        return Finding("export-reaches-memory-grow", Severity.ERROR, f"exported function `{symbol}` can grow",
                       "m.wasm", 1, 1, 1, 1, Layer.MODULE, symbol=symbol, evidence=(evidence,))

    site = ExportSite("known", "known", "src/lib.rs", 3, 8, 3, 13)
    merged = merge_layers([], [], [module_finding("known"), module_finding("bare")], [], None, {"known": site}, {},
                          builtin_rules())
    by_symbol = {f.symbol: f for f in merged}
    # The source knows `known` and found nothing on its paths: a warning, placed on its `fn`.
    assert (by_symbol["known"].severity, by_symbol["known"].path) == (Severity.WARNING, "src/lib.rs")
    assert by_symbol["known"].message.endswith(
        "but only through an unresolved indirect call; its source shows no allocation")
    # Nothing is known of `bare`'s source (a module checked alone): the module layer's error stands.
    bare = by_symbol["bare"]
    assert (bare.severity, bare.message) == (Severity.ERROR, "exported function `bare` can grow")


def test_unsafe_no_mangle_exports_are_joined_with_their_module():
    # Rust 1.82+ spelling, so only the current rustc builds it: the module facts of each export
    # join the source findings of `#[unsafe(no_mangle)]` / `#[unsafe(export_name)]` fns.
    result = run_cli("check", "guests/unsafe-no-mangle", *module_options("guests/unsafe-no-mangle", CURRENT_RUSTC),
                     "--format", "json")
    assert result.returncode == 1, result.stderr
    findings = json_findings(result.stdout)
    assert not [f for f in findings if f["rule_id"] == "export-reaches-memory-grow"]
    joined = {f["symbol"]: (f["rule_id"], f["severity"], [e.split(" reaches ")[0] for e in f["evidence"] if " reaches memory.grow via " in e])
              for f in findings if f["layer"] == "source"}
    # `renamed`'s `n.to_string()` is measured and dropped: rustc 1.96 removes its `String`, and the
    # module decides (issue 22): info.
    assert joined == {"set_name": ("format-in-export", "error", ["module: `set_name`"]),
                      "renamed": ("to-string-in-export", "info", [])}


def test_wat_guest_runs_its_scenario_without_growth():
    result = run_cli("check", "guests/greeting-wat/greeting.wat", "--confirm", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert {f["rule_id"] for f in json_findings(result.stdout)} <= {"memory-has-no-maximum"}


def test_module_growth_without_source_finding_still_appears(compiler):
    # With the source rule turned off, nothing in the source explains the growth: the module
    # finding stands on its own, placed on the exported `fn`.
    result = run_cli("check", "guests/greeting-alloc", *module_options("guests/greeting-alloc", compiler),
                     "--ignore", "format-in-export", "--format", "json")
    grow = [f for f in json_findings(result.stdout) if f["rule_id"] == "export-reaches-memory-grow"]
    assert len(grow) == 1 and grow[0]["symbol"] == "set_name"
    assert grow[0]["path"] == "guests/greeting-alloc/src/lib.rs" and grow[0]["line"] > 1
    assert result.returncode == 1


def test_an_allowed_allocation_also_covers_the_module_finding_for_that_export(tmp_path, compiler):
    crate = tmp_path / "g"
    shutil.copytree(GUESTS / "greeting-alloc", crate, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    lib = crate / "src/lib.rs"
    lib.write_text(lib.read_text().replace("// expect: format-in-export", "// wasmlint: allow(format-in-export) -- test"))
    result = run_cli("check", str(crate), *module_options(crate, compiler), "--format", "json")
    rules = {f["rule_id"] for f in json_findings(result.stdout)}
    assert "export-reaches-memory-grow" not in rules and "format-in-export" not in rules
    assert result.returncode == 0


def test_layer_module_only(compiler):
    result = run_cli("check", "guests/greeting-alloc", *module_options("guests/greeting-alloc", compiler),
                     "--layer", "module", "--format", "json")
    layers = {f["layer"] for f in json_findings(result.stdout)}
    assert layers == {"module"}


def test_build_failure_is_reported_with_cargos_message_and_exit_2():
    result = run_cli("check", "guests/syntax-error", "--build")
    assert result.returncode == 2
    assert "cargo build failed for syntax-error" in result.stderr
    assert "expected `;`" in result.stderr and "Traceback" not in result.stderr


def test_malformed_module_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\x01\0\0\0\x01\x05")
    result = run_cli("check", "guests/greeting-alloc", "--wasm", str(bad))
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "bad.wasm" in line]
    assert len(errors) == 1 and "byte offset" in errors[0] or "0x" in errors[0]
    assert "error[format-in-export]" in result.stdout  # the rest of the run went on


def test_inspect_and_run_commands():
    inspect = run_cli("inspect", "guests/greeting-wat/greeting.wat", "--format", "json")
    data = json.loads(inspect.stdout)
    assert data["grow_sites"] == [] and {e["name"] for e in data["exports"]} >= {"set_name", "memory"}
    run = run_cli("run", "guests/greeting-wat/greeting.wat", "--scenario", "guests/greeting-wat/scenario.toml")
    assert run.returncode == 0 and "'Ahoy there, Testy McTestface!'" in run.stdout
    bad = run_cli("inspect", "README.md")
    assert bad.returncode == 2 and bad.stderr.startswith("error: README.md") and "Traceback" not in bad.stderr


def test_every_export_of_a_macro_template_is_joined_to_the_template_finding(tmp_path, compiler):
    crate = tmp_path / "m"
    shutil.copytree(GUESTS / "macro-exports", crate, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    built = module_options(crate, compiler)
    result = run_cli("check", str(crate), *built, "--format", "json")
    findings = json_findings(result.stdout)
    assert [f["rule_id"] for f in findings if f["layer"] == "module" and "memory.grow" in f["message"]] == []
    (template,) = [f for f in findings if f["rule_id"] == "to-string-in-export"]
    modules = [e for e in template["evidence"] if e.startswith("module:") and " reaches memory.grow via" in e]
    # rustc 1.96 removes the template's `String` (only its length is used): nothing grows to join,
    # and the module decides for both exports of the template (issue 22).
    assert {e.split("`")[1] for e in modules} == (set() if compiler.current else {"hello_len", "goodbye_len"})
    if compiler.current:
        assert template["severity"] == "info"
        assert any(e.startswith("module: `goodbye_len` and `hello_len` never reach memory.grow (") for e in template["evidence"])
    # Allowing the template's allocation accepts the growth of both exports.
    lib = crate / "src/lib.rs"
    lib.write_text(lib.read_text().replace("// expect: to-string-in-export", "// wasmlint: allow(to-string-in-export) -- init"))
    result = run_cli("check", str(crate), *built, "--format", "json")
    assert [f["rule_id"] for f in json_findings(result.stdout) if f["severity"] == "error"] == []
    assert result.returncode == 0


def test_allocator_api_behind_use_is_found_and_a_bump_allocator_is_not(compiler):
    # The demo's `malloc` calls `alloc(layout)` after `use std::alloc::{alloc, ...}`: the source
    # layer flags it (the module layer sees `malloc` as an allocator entry point, so only the
    # source layer can say it). `bump_alloc` calls a method named `alloc` on a bump allocator
    # over a static buffer, `free` calls `dealloc`: no layer reports them.
    result = run_cli("check", "guests/alloc-imports", *module_options("guests/alloc-imports", compiler),
                     "--format", "json")
    assert result.returncode == 1, result.stderr
    findings = json_findings(result.stdout)
    source = (GUESTS / "alloc-imports/src/lib.rs").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "alloc(layout)" in text)
    assert [(f["rule_id"], f["line"]) for f in findings if f["symbol"] == "malloc"] == [("alloc-api-in-export", line)]
    assert not [f for f in findings if f["symbol"] in ("free", "bump_alloc") and f["severity"] != "info"]
