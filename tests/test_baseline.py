"""Baselines: record findings, hide them later by rule, path, export and code text (not by line)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from wasmlint.baseline import BaselineError, apply_baseline, write_baseline
from wasmlint.findings import Finding, Layer, Report, RunError, Severity

GUESTS = Path(__file__).resolve().parents[1] / "guests"


def finding(line=33, rule_id="format-in-export", path="src/lib.rs", symbol="set_name",
            snippet='format!("{}, {}!", sal, name)', message="`format!` allocates a `String`") -> Finding:
    return Finding(rule_id=rule_id, severity=Severity.ERROR, message=message, path=path, line=line,
                   column=28, end_line=line, end_column=57, layer=Layer.SOURCE, symbol=symbol, snippet=snippet)


FORMAT = finding()
VEC = finding(line=12, rule_id="vec-alloc-in-export", symbol="fill", snippet="Vec::with_capacity(n)")
GROW = finding(line=1, rule_id="export-reaches-memory-grow", path="demo.wasm", symbol="run", snippet="",
               message="export `run` reaches memory.grow through dlmalloc::malloc")


def test_a_report_hides_all_of_its_own_findings(tmp_path):
    report = Report(findings=[FORMAT, VEC, GROW], errors=[RunError("src/x.rs", "unreadable")], files_checked=3)
    assert write_baseline(report, tmp_path / "b.json") == 3
    result = apply_baseline(report, tmp_path / "b.json")
    assert result.report.findings == []
    assert (result.hidden, result.fixed) == (3, 0)
    assert result.report.errors == report.errors and result.report.files_checked == 3


def test_moved_lines_and_reindented_code_still_match(tmp_path):
    write_baseline(Report(findings=[FORMAT, VEC]), tmp_path / "b.json")
    later = Report(findings=[finding(line=80, snippet='format!("{}, {}!",\n        sal, name)'), VEC.replace(line=3)])
    result = apply_baseline(later, tmp_path / "b.json")
    assert result.report.findings == [] and result.hidden == 2


def test_new_findings_show_and_disappeared_ones_count_as_fixed(tmp_path):
    write_baseline(Report(findings=[FORMAT, VEC]), tmp_path / "b.json")
    new = finding(line=50, symbol="set_title")  # the same code in another export is a new problem
    result = apply_baseline(Report(findings=[FORMAT, new]), tmp_path / "b.json")
    assert result.report.findings == [new]
    assert (result.hidden, result.fixed) == (1, 1)
    assert "1 known finding(s) hidden, 1 fixed" in result.summary()


def test_a_run_over_some_files_counts_fixed_only_in_those(tmp_path):
    elsewhere = VEC.replace(path="src/other.rs")
    write_baseline(Report(findings=[FORMAT, elsewhere]), tmp_path / "b.json")
    result = apply_baseline(Report(findings=[FORMAT]), tmp_path / "b.json", checked_paths={"src/lib.rs"})
    assert (result.hidden, result.fixed) == (1, 0)
    assert apply_baseline(Report(findings=[]), tmp_path / "b.json", checked_paths={"src/lib.rs"}).fixed == 1
    # Hiding never depends on checked_paths.
    assert apply_baseline(Report(findings=[elsewhere]), tmp_path / "b.json", checked_paths=set()).hidden == 1


def test_changed_code_text_is_new(tmp_path):
    write_baseline(Report(findings=[FORMAT]), tmp_path / "b.json")
    changed = finding(snippet='format!("{} {}", sal, name)')
    assert apply_baseline(Report(findings=[changed]), tmp_path / "b.json").report.findings == [changed]


def test_duplicates_are_counted(tmp_path):
    write_baseline(Report(findings=[FORMAT, FORMAT.replace(line=40, end_line=40)]), tmp_path / "b.json")
    entries = json.loads((tmp_path / "b.json").read_text())["findings"]
    assert len(entries) == 1 and entries[0]["count"] == 2
    third = FORMAT.replace(line=90, end_line=90)
    result = apply_baseline(Report(findings=[FORMAT, FORMAT.replace(line=41, end_line=41), third]), tmp_path / "b.json")
    assert result.report.findings == [third]  # the copy after the recorded two is the new one
    assert apply_baseline(Report(findings=[FORMAT]), tmp_path / "b.json").fixed == 1


def test_findings_without_code_text_match_on_the_message(tmp_path):
    write_baseline(Report(findings=[GROW]), tmp_path / "b.json")
    entry = json.loads((tmp_path / "b.json").read_text())["findings"][0]
    assert entry["snippet"] == GROW.message
    assert apply_baseline(Report(findings=[GROW]), tmp_path / "b.json").hidden == 1
    other = GROW.replace(message="export `run` reaches memory.grow through wee_alloc")
    assert apply_baseline(Report(findings=[other]), tmp_path / "b.json").report.findings == [other]


def test_the_file_is_versioned_sorted_and_line_free(tmp_path):
    write_baseline(Report(findings=[VEC, GROW, FORMAT]), tmp_path / "b.json")
    text = (tmp_path / "b.json").read_text()
    document = json.loads(text)
    assert document["version"] == 2
    keys = [(e["rule_id"], e["path"], e["symbol"], e["snippet"]) for e in document["findings"]]
    assert keys == sorted(keys)
    assert set(document["findings"][0]) == {"rule_id", "path", "symbol", "snippet", "count"}
    assert '"line"' not in text and text.endswith("\n")
    write_baseline(Report(findings=[FORMAT, GROW, VEC]), tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == text


@pytest.mark.parametrize("content, expected", [
    (None, "not found"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a wasmlint baseline"),
    ('{"version": 99, "findings": []}', "unsupported baseline version 99"),
    ('{"version": true, "findings": []}', "unsupported baseline version True"),
    ('{"version": 1, "findings": {}}', "`findings` must be a list"),
    ('{"version": 1, "findings": [{"rule_id": "x", "path": "a.rs", "snippet": 3}]}', "findings[0]: `snippet`"),
    ('{"version": 1, "findings": [{"rule_id": "x", "path": "a.rs", "snippet": "s", "count": 0}]}', "`count`"),
    ('{"version": 1, "findings": [{"rule_id": "x", "path": "a.rs", "snippet": "s", "symbol": 5}]}', "`symbol`"),
])
def test_a_bad_baseline_is_one_line_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "wasmlint-baseline.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BaselineError) as caught:
        apply_baseline(Report(findings=[FORMAT]), path)
    message = str(caught.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_paths_are_stored_relative_to_the_baseline_folder(tmp_path, monkeypatch):
    (tmp_path / "guests/greeting-alloc/src").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "guests")
    at_root = FORMAT.replace(path="greeting-alloc/src/lib.rs")
    write_baseline(Report(findings=[at_root]), tmp_path / "guests/greeting-alloc/b.json")
    entry = json.loads((tmp_path / "guests/greeting-alloc/b.json").read_text())["findings"][0]
    assert entry["path"] == "src/lib.rs"


@pytest.mark.parametrize("apply_from, path", [
    ("guests/greeting-alloc", "src/lib.rs"),  # `wasmlint check .` inside the crate
    ("guests", "greeting-alloc/src/lib.rs"),
    ("elsewhere", "{root}/guests/greeting-alloc/src/lib.rs"),  # absolute paths given
])
def test_a_baseline_written_from_one_folder_applies_from_another(tmp_path, monkeypatch, apply_from, path):
    for folder in ("guests/greeting-alloc/src", "elsewhere"):
        (tmp_path / folder).mkdir(parents=True)
    baseline = tmp_path / "wasmlint-baseline.json"
    monkeypatch.chdir(tmp_path)  # `wasmlint check guests` from the repository root
    write_baseline(Report(findings=[FORMAT.replace(path="guests/greeting-alloc/src/lib.rs")]), baseline)
    assert json.loads(baseline.read_text())["findings"][0]["path"] == "guests/greeting-alloc/src/lib.rs"

    monkeypatch.chdir(tmp_path / apply_from)
    now = FORMAT.replace(path=path.format(root=tmp_path))
    result = apply_baseline(Report(findings=[now]), Path(os.path.relpath(baseline)))
    assert (result.report.findings, result.hidden, result.fixed) == ([], 1, 0)
    # The staged-files limit on `fixed` is read the same way.
    assert apply_baseline(Report(), baseline, checked_paths={now.path}).fixed == 1
    assert apply_baseline(Report(), baseline, checked_paths={"src/other.rs"}).fixed == 0


def test_a_version_1_baseline_keeps_its_paths_relative_to_the_working_folder(tmp_path, monkeypatch):
    (tmp_path / "crate/src").mkdir(parents=True)
    (tmp_path / "crate/b.json").write_text(json.dumps({"version": 1, "findings": [
        {"rule_id": FORMAT.rule_id, "path": "crate/src/lib.rs", "symbol": FORMAT.symbol, "snippet": FORMAT.snippet},
    ]}))
    monkeypatch.chdir(tmp_path)
    result = apply_baseline(Report(findings=[FORMAT.replace(path="crate/src/lib.rs")]), Path("crate/b.json"))
    assert (result.report.findings, result.hidden) == ([], 1)


def test_non_utf8_baseline(tmp_path):
    path = tmp_path / "b.json"
    path.write_bytes(b'{"version": 1, "findings": ["\xff"]}')
    with pytest.raises(BaselineError, match="not UTF-8"):
        apply_baseline(Report(), path)


def test_the_cli_hides_real_findings_after_an_edit_above_them(tmp_path):
    from conftest import REPO, run_cli

    def check(*args: str):
        # Run from inside the crate, as a user would; PYTHONPATH finds this checkout's wasmlint.
        pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        return run_cli("check", ".", "--layer", "source", *args, cwd=crate, env={"PYTHONPATH": pythonpath})

    crate = tmp_path / "greeting-alloc"
    shutil.copytree(GUESTS / "greeting-alloc", crate, ignore=shutil.ignore_patterns("target"))
    written = check("--write-baseline", "baseline.json")
    assert written.returncode == 1, written.stdout + written.stderr
    entries = json.loads((crate / "baseline.json").read_text())["findings"]
    assert [(e["rule_id"], e["path"], e["symbol"]) for e in entries] == [("format-in-export", "src/lib.rs", "set_name")]
    assert entries[0]["snippet"].startswith("format!(")

    lib = crate / "src/lib.rs"
    lib.write_text("// two new lines above every finding\n\n" + lib.read_text())
    hidden = check("--baseline", "baseline.json")
    assert hidden.returncode == 0, hidden.stdout + hidden.stderr
    assert "format-in-export" not in hidden.stdout
    assert "1 hidden by the baseline, 0 fixed" in hidden.stdout + hidden.stderr

    lib.write_text(lib.read_text().replace("let greeting: String = format!(", "let greeting: String = std::format!("))
    changed = check("--baseline", "baseline.json")
    assert changed.returncode == 1 and "error[format-in-export]" in changed.stdout, changed.stdout
    assert "0 hidden by the baseline, 1 fixed" in changed.stdout + changed.stderr


def test_the_cli_applies_a_baseline_written_from_another_folder(tmp_path):
    from conftest import REPO, run_cli

    def check(path: str, *args: str, cwd: Path):
        pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        return run_cli("check", path, "--layer", "source", *args, cwd=cwd, env={"PYTHONPATH": pythonpath})

    crate = tmp_path / "guests/greeting-alloc"
    shutil.copytree(GUESTS / "greeting-alloc", crate, ignore=shutil.ignore_patterns("target"))
    baseline = tmp_path / "wasmlint-baseline.json"
    written = check("guests", "--write-baseline", "wasmlint-baseline.json", cwd=tmp_path)
    assert written.returncode == 1, written.stdout + written.stderr
    entries = json.loads(baseline.read_text())["findings"]
    assert [e["path"] for e in entries] == ["guests/greeting-alloc/src/lib.rs"]

    for path, cwd in ((".", crate), (str(crate), tmp_path / "guests")):
        used = check(path, "--baseline", str(baseline), cwd=cwd)
        assert used.returncode == 0, used.stdout + used.stderr
        assert "1 hidden by the baseline, 0 fixed" in used.stdout + used.stderr


def test_checking_part_of_the_tree_does_not_count_the_rest_as_fixed(tmp_path):
    from conftest import run_cli

    baseline = tmp_path / "base.json"
    assert run_cli("check", "guests/", "--write-baseline", str(baseline)).returncode == 1
    result = run_cli("check", "guests/greeting-alloc", "--baseline", str(baseline))
    assert result.returncode == 0, result.stdout
    assert "1 hidden by the baseline, 0 fixed since it was written" in result.stdout


FORMAT_IN_EXPORT = '#[no_mangle]\npub extern "C" fn f() -> usize { format!("{}", 1).len() }\n'


@pytest.mark.parametrize("where", ["loose-file", "crate-folder", "folder-of-loose-files"])
def test_a_file_name_that_is_not_utf8_is_written_to_the_baseline_and_hidden_by_it(cli, tmp_path, where):
    # Such a name reaches wasmlint with its odd bytes as lone surrogates, which UTF-8 text cannot
    # hold: the baseline writes them as JSON escapes, and reading it back gives the same name.
    root = os.fsencode(tmp_path)
    if where == "loose-file":
        checked = root + b"/loose"
        os.makedirs(checked)
        source = checked + b"/bad\xff.rs"
    elif where == "crate-folder":
        checked = root + b"/crate\xfe\xff"
        os.makedirs(checked + b"/src")
        with open(checked + b"/Cargo.toml", "w") as handle:
            handle.write('[package]\nname = "odd"\nversion = "0.1.0"\n')
        source = checked + b"/src/lib.rs"
    else:
        checked = root + b"/caf\xc3\xa9-\xff"  # valid UTF-8 (é) beside an invalid byte
        os.makedirs(checked + b"/\x80deeper")
        source = checked + b"/\x80deeper/x.rs"
    with open(source, "w") as handle:
        handle.write(FORMAT_IN_EXPORT)
    baseline = tmp_path / "baseline.json"

    code, out, err = cli("check", os.fsdecode(checked), "--layer", "source", "--write-baseline", str(baseline))
    assert code == 1 and err == "", err
    entries = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert [os.fsencode(entry["path"]) for entry in entries] == [os.path.relpath(source, root)]

    code, out, err = cli("check", os.fsdecode(checked), "--layer", "source", "--baseline", str(baseline))
    assert code == 0 and err == "", err
    assert "1 hidden by the baseline, 0 fixed" in out
