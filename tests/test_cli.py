"""The command line as a user meets it: exit codes, errors, rules/explain, paths, text output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, json_findings, run_cli

CLEAN = '#[no_mangle]\npub extern "C" fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n'
DIRTY = '#[no_mangle]\npub extern "C" fn greet(n: i32) -> usize {\n    format!("{}", n).len()\n}\n'


def make_crate(root: Path, lib: str, name: str = "demo", extra_files: dict[str, str] | None = None) -> Path:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n')
    (root / "src/lib.rs").write_text(lib)
    for relative, text in (extra_files or {}).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def test_exit_codes(cli, tmp_path):
    assert cli("check", str(make_crate(tmp_path / "clean", CLEAN)))[0] == 0
    assert cli("check", str(make_crate(tmp_path / "dirty", DIRTY)))[0] == 1
    code, _, err = cli("check", str(tmp_path / "missing"))
    assert code == 2 and "no such file or directory" in err


def test_default_path_is_the_current_directory(tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    result = run_cli("check", cwd=crate)
    assert result.returncode == 1
    assert "--> src/lib.rs:3:5" in result.stdout


def test_python_dash_m_and_console_script_agree():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("wasmlint ")


def test_bad_path_is_reported_and_the_rest_still_checked(cli, tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    code, out, err = cli("check", str(tmp_path / "nope.rs"), str(crate), "--format", "json")
    assert code == 2
    assert len(json_findings(out)) == 1
    assert "nope.rs: no such file or directory" in err
    assert "Traceback" not in err


def test_unknown_rule_id_exits_2(cli):
    code, _, err = cli("check", "guests/greeting-alloc", "--select", "format-in-exprot")
    assert code == 2 and "unknown rule id or pattern 'format-in-exprot'" in err


def test_select_a_family_by_glob(cli):
    code, out, _ = cli("check", "guests/export-forms", "--format", "json", "--select", "*-in-export")
    rules = {f["rule_id"] for f in json_findings(out)}
    assert rules and all(r.endswith("-in-export") for r in rules)
    code, out, _ = cli("check", "guests/export-forms", "--format", "json", "--ignore", "*-in-export")
    assert all(not f["rule_id"].endswith("-in-export") for f in json_findings(out))


def test_fail_on_error_ignores_warnings(cli, tmp_path):
    lib = '#[no_mangle]\npub extern "C" fn f() -> usize {\n    let v: Vec<u8> = Vec::new();\n    v.len()\n}\n'
    crate = make_crate(tmp_path / "c", lib)
    assert cli("check", str(crate))[0] == 1  # empty-collection-in-export is a warning
    assert cli("check", str(crate), "--fail-on", "error")[0] == 0
    code, _, err = cli("check", str(crate), "--fail-on", "loud")
    assert code == 2 and "unknown severity" in err


def test_rules_lists_every_rule(cli):
    code, out, _ = cli("rules")
    assert code == 0
    for path in (REPO / "rules").glob("*.toml"):
        assert path.stem in out
    code, out, _ = cli("rules", "--format", "json")
    assert {r["id"] for r in json.loads(out)} == {p.stem for p in (REPO / "rules").glob("*.toml")}


def test_explain_shows_why_fix_and_examples(cli):
    code, out, _ = cli("explain", "format-in-export")
    assert code == 0
    for heading in ("Why it matters", "How to fix it", "Flagged (rust):", "Not flagged (rust):"):
        assert heading in out
    code, _, err = cli("explain", "format-in-exprot")
    assert code == 2 and "unknown rule id" in err and "format-in-export" in err


def test_single_file_resolves_calls_across_the_crate_but_reports_only_that_file(cli, tmp_path):
    crate = make_crate(
        tmp_path / "c",
        'mod text;\n#[no_mangle]\npub extern "C" fn shout(n: u32) -> usize {\n    text::render(n)\n}\n'
        'fn unused() -> usize { format!("x").len() }\n',
        extra_files={"src/text.rs": "pub fn render(n: u32) -> usize {\n    n.to_string().len()\n}\n"},
    )
    code, out, _ = cli("check", str(crate / "src/text.rs"), "--format", "json", "--all-functions")
    findings = json_findings(out)
    assert [(Path(f["path"]).name, f["line"], f["symbol"]) for f in findings] == [("text.rs", 2, "shout")]
    assert findings[0]["call_path"] == ["shout", "render", ".to_string()"]


def test_parse_error_is_a_finding_and_other_files_go_on(cli, tmp_path):
    crate = make_crate(tmp_path / "c", 'mod broken;\n' + DIRTY, extra_files={"src/broken.rs": "fn f( {\n"})
    code, out, err = cli("check", str(crate), "--format", "json")
    findings = json_findings(out)
    assert {(Path(f["path"]).name, f["rule_id"]) for f in findings} == {("broken.rs", "parse-error"), ("lib.rs", "format-in-export")}
    assert json.loads(out)["summary"]["partial_files"]
    assert code == 1 and "Traceback" not in err


def test_non_utf8_source_does_not_crash(cli, tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    (crate / "src/lib.rs").write_bytes(b"// caf\xe9 \xff\xfe\n" + DIRTY.encode())
    code, out, err = cli("check", str(crate), "--format", "json")
    assert code == 1 and "Traceback" not in err
    found = {(f["rule_id"], f["line"]) for f in json_findings(out)}
    assert found == {("parse-error", 1), ("format-in-export", 4)}
    (bad,) = [f for f in json_findings(out) if f["rule_id"] == "parse-error"]
    assert "not valid UTF-8 at byte 6" in bad["message"]


def test_never_writes_into_the_source_tree(cli, tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    before = sorted(p.relative_to(crate) for p in crate.rglob("*"))
    cli("check", str(crate))
    assert sorted(p.relative_to(crate) for p in crate.rglob("*")) == before


def test_text_report_shape_and_no_color_when_piped():
    result = run_cli("check", "guests/helper-depth")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("error[") and "\x1b[" not in result.stdout
    assert any(line.strip().startswith("= note: call path: ") for line in lines)
    assert any(line.strip().startswith("= help: ") for line in lines)
    assert lines[-1].startswith("Found ")


def test_color_on_request():
    result = run_cli("check", "guests/greeting-alloc", "--color")
    assert "\x1b[1;31merror[format-in-export]" in result.stdout


def test_skips_target_and_hidden_folders(cli, tmp_path):
    crate = make_crate(tmp_path / "c", CLEAN, extra_files={"target/gen.rs": DIRTY, ".hidden/x.rs": DIRTY})
    code, out, _ = cli("check", str(crate), "--format", "json")
    assert code == 0 and json_findings(out) == []


def test_columns_count_characters_after_unicode_and_tabs(cli, tmp_path):
    lib = '#[no_mangle]\npub extern "C" fn f() -> usize {\n\tlet é = "ünï"; let s = format!("{}", é);\n    s.len()\n}\n'
    crate = make_crate(tmp_path / "c", lib)
    _, out, _ = cli("check", str(crate), "--format", "json")
    (finding,) = json_findings(out)
    line = lib.splitlines()[2]
    assert finding["column"] == line.index("format!") + 1  # characters, not bytes
    assert finding["end_column"] == line.index(";", line.index("format!")) + 1
    _, text, _ = cli("check", str(crate))
    source_line, caret_line = [row for row in text.splitlines() if row.startswith(("3 |", "  |"))][1:3]
    shown = source_line.split("| ", 1)[1]
    carets = caret_line.split("| ", 1)[1]
    assert shown[len(carets) - len(carets.lstrip()):].startswith("format!")


def test_folders_without_rust_and_manifests_without_package_are_errors(cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli("check", str(empty))
    assert code == 2 and "no Rust files (.rs), modules or hosts found here" in err
    odd = make_crate(tmp_path / "odd", DIRTY)
    (odd / "Cargo.toml").write_text("foo = 1\n")
    code, _, err = cli("check", str(odd))
    assert code == 2 and "Cargo.toml has neither [package] nor [workspace]" in err


def test_layer_runtime_means_running_the_module(cli):
    code, _, err = cli("check", "guests/greeting-alloc", "--layer", "runtime")
    assert code == 2 and "need a compiled module" in err


@pytest.mark.parametrize("form", ["json", "text"])
def test_parallel_run_reports_the_same_findings_in_the_same_order(cli, form):
    _, one, _ = cli("check", "guests/", "--format", form, "-j", "1", "--no-cache")
    _, two, _ = cli("check", "guests/", "--format", form, "-j", "2", "--no-cache")
    assert one == two and "format-in-export" in one


def test_a_bug_of_ours_is_one_line_and_exit_2_not_a_traceback(tmp_path):
    # Fault injection: the check pipeline raises as a bug would; main() must still end cleanly.
    code = ("import sys, wasmlint.check\n"
            "def broken(*args, **kwargs): raise KeyError('boom')\n"
            "wasmlint.check.run_check = broken\n"
            "from wasmlint.cli import main\n"
            "sys.argv = ['wasmlint', 'check', 'guests/greeting-alloc', '--no-cache']\n"
            "main()\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == "error: internal error (KeyError: 'boom'); please report it\n"
