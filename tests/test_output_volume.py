"""Readable volume: --format concise (one line per finding), --statistics, -q, an export's findings
beyond a few grouped in the text report (every finding still in JSON, SARIF and the annotations),
note lines wrapped to the terminal."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, run_cli, wasmlint_on_a_terminal

CONCISE_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning|info)\[(?P<rule>[a-z0-9-]+)\] (?P<message>.+)$")


def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    done = run_cli("check", *args, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return done


def as_json(*args: str, cwd: Path = REPO) -> dict:
    return json.loads(cli(*args, "--format", "json", cwd=cwd).stdout)


def crate(root: Path, lib: str, files: dict[str, str] | None = None, name: str = "busy") -> Path:
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n')
    (root / "src" / "lib.rs").write_text(lib)
    for file, text in (files or {}).items():
        (root / "src" / file).write_text(text)
    return root


def export(name: str, body: list[str]) -> str:
    return "#[no_mangle]\npub extern \"C\" fn " + name + "(n: usize) -> usize {\n" + "".join(f"    {line}\n" for line in body) + "    n\n}\n"


NINE_FORMATS = [f'let s{i} = format!("{{}}", n + {i});' for i in range(9)]


# -- concise ---------------------------------------------------------------------------------------


def test_concise_is_one_line_per_finding_in_the_report_order():
    findings = as_json("guests/")["findings"]
    lines = cli("guests/", "--format", "concise").stdout.splitlines()
    summary = cli("guests/").stdout.splitlines()[-1]
    assert lines[-1] == summary
    parsed = [CONCISE_LINE.match(line) for line in lines if not line.startswith("info: ")][:-1]
    assert all(parsed) and len(parsed) == len(findings) > 50
    for match, finding in zip(parsed, findings):
        assert (match["path"], int(match["line"]), int(match["column"]), match["severity"], match["rule"], match["message"]) == (
            finding["path"], finding["line"], finding["column"], finding["severity"], finding["rule_id"], finding["message"])


def test_concise_quiet_is_the_finding_lines_alone(tmp_path):
    root = crate(tmp_path / "busy", export("busy", NINE_FORMATS))
    lines = cli(".", "--format", "concise", "-q", cwd=root).stdout.splitlines()
    assert len(lines) == 9 and all(CONCISE_LINE.match(line) for line in lines)
    assert lines[0] == "src/lib.rs:3:14: error[format-in-export] `format!` allocates a `String` in exported function `busy`"


# -- --statistics ----------------------------------------------------------------------------------


def test_statistics_count_each_rule_as_the_findings_do():
    findings = as_json("guests/")["findings"]
    expected = Counter(f["rule_id"] for f in findings)
    lines = cli("guests/", "--statistics").stdout.splitlines()
    rows = [line.split() for line in lines[:-1]]
    assert {row[1]: int(row[0]) for row in rows} == expected
    assert [int(row[0]) for row in rows] == sorted(expected.values(), reverse=True)
    assert lines[-1].startswith(f"Found {len(findings)} problems")
    data = json.loads(cli("guests/", "--statistics", "--format", "json").stdout)
    assert {entry["rule_id"]: entry["count"] for entry in data["statistics"]} == expected
    for entry in data["statistics"]:
        severities = Counter(f["severity"] for f in findings if f["rule_id"] == entry["rule_id"])
        assert entry["by_severity"] == dict(severities) and entry["summary"]
    assert data["total"] == len(findings)


def test_statistics_quiet_and_a_clean_tree(tmp_path):
    root = crate(tmp_path / "clean", export("clean", []))
    assert cli(".", "--statistics", cwd=root).stdout == "No problems found; 1 file checked.\n"
    assert cli(".", "--statistics", "-q", cwd=root).stdout == ""


def test_statistics_in_sarif_is_refused_in_one_line(tmp_path):
    done = run_cli("check", "guests/greeting-alloc", "--statistics", "--format", "sarif")
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "--statistics" in done.stderr


# -- -q --------------------------------------------------------------------------------------------


def test_quiet_text_is_the_findings_without_info_lines_or_summary():
    full = cli("guests/crate-tree").stdout
    quiet = cli("guests/crate-tree", "-q").stdout
    assert "info: " in full and full.rstrip().endswith("files checked.")
    assert quiet == full[:full.index("\ninfo: ")]  # the same blocks, then nothing
    assert cli("guests/greeting-static", "-q").stdout == ""  # no findings: nothing at all


# -- grouping --------------------------------------------------------------------------------------


def blocks(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if re.match(r"^(error|warning|info)\[", block)]


def test_an_export_with_many_findings_shows_five_and_lists_the_rest(tmp_path, validator):
    lib = export("busy", [*NINE_FORMATS, "let v = vec![1u8; n];"]) + export("calm", ['let t = n.to_string();'])
    root = crate(tmp_path / "busy", lib)
    text = cli(".", cwd=root).stdout
    shown = blocks(text)
    busy = [block for block in shown if "`busy`" in block.splitlines()[0]]
    assert len(busy) == 5 and len(shown) == 6, text  # calm's one finding stands alone
    related = [line for line in busy[-1].splitlines() if "more findings in exported function `busy`" in line]
    assert related == ["  = note: 5 more findings in exported function `busy` (each in --format concise or json): "
                       "src/lib.rs:8:14 format-in-export, src/lib.rs:9:14 format-in-export, "
                       "src/lib.rs:10:14 format-in-export, src/lib.rs:11:14 format-in-export, "
                       "src/lib.rs:12:13 vec-macro-in-export"], busy[-1]
    assert text.rstrip().endswith("Found 11 problems (11 errors); 1 file checked.")
    # Every other format keeps all eleven.
    assert len(as_json(".", cwd=root)["findings"]) == 11
    sarif = json.loads(cli(".", "--format", "sarif", cwd=root).stdout)
    assert not [e.message for e in validator.iter_errors(sarif)] and len(sarif["runs"][0]["results"]) == 11
    assert len(cli(".", "--format", "github", cwd=root).stdout.splitlines()) == 11
    assert len(cli(".", "--format", "concise", "-q", cwd=root).stdout.splitlines()) == 11


def test_the_most_severe_findings_of_an_export_are_the_ones_shown(tmp_path):
    # Six warnings (empty collections) come first in the file, the error last: the error is shown.
    body = [f"let mut v{i}: Vec<u8> = Vec::new();" for i in range(6)] + ['let s = format!("{}", n);']
    root = crate(tmp_path / "mixed", export("mixed", body))
    shown = blocks(cli(".", cwd=root).stdout)
    assert len(shown) == 5 and sum(block.startswith("error[format-in-export]") for block in shown) == 1
    assert "2 more findings in exported function `mixed`" in shown[-1]
    assert [int(re.search(r"--> src/lib.rs:(\d+)", b).group(1)) for b in shown] == [3, 4, 5, 6, 9]  # report order kept


def test_one_export_is_grouped_across_the_files_of_its_crate(tmp_path):
    helper = "pub fn label(n: usize) -> usize {\n" + "".join(f"    let h{i} = format!(\"{{}}\", n + {i});\n" for i in range(4)) + "    n\n}\n"
    lib = "mod helper;\n" + export("busy", ['let a = format!("{}", n);', 'let b = format!("{}", n);', "helper::label(n);"])
    root = crate(tmp_path / "split", lib, {"helper.rs": helper})
    text = cli(".", cwd=root).stdout
    assert len(blocks(text)) == 5 and "1 more finding in exported function `busy`" in text and "(each in --format concise or json): src/lib.rs:5:13 format-in-export" in text


def test_two_crates_that_export_the_same_name_are_grouped_apart(tmp_path):
    four = NINE_FORMATS[:4]
    crate(tmp_path / "one", export("greet", four), name="one")
    crate(tmp_path / "two", export("greet", four), name="two")
    text = cli(".", cwd=tmp_path).stdout
    assert len(blocks(text)) == 8 and "more finding" not in text


def test_hosts_are_grouped_per_file():
    text = cli("guests/hosts").stdout
    data = as_json("guests/hosts")["findings"]
    per_host = Counter((f["path"], f["symbol"]) for f in data)
    assert len(blocks(text)) == sum(min(count, 5) for count in per_host.values())


# -- wrapping --------------------------------------------------------------------------------------


def on_a_terminal(*args: str, columns: int, cwd: Path = REPO) -> str:
    env = {"COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "xterm"}
    return wasmlint_on_a_terminal(*args, cwd=cwd, env=env).replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [60, 100])
def test_note_lines_wrap_to_the_terminal_and_keep_every_word(columns):
    piped = cli("guests/game-of-life-stale").stdout
    shown = on_a_terminal("check", "guests/game-of-life-stale", columns=columns)
    notes = [line for line in piped.splitlines() if re.match(r"^ += ", line)]
    assert any(len(line) > columns for line in notes)  # something to wrap
    wrapped_notes = [line for line in shown.splitlines() if re.match(r"^ += ", line) or re.match(r"^ {4,}\S", line)
                     and not re.match(r"^ *\d* *\|", line)]
    assert all(len(line) <= columns for line in wrapped_notes if not re.search(r"\S{%d,}" % (columns // 2), line))
    # The same words, in the same order: only the line breaks moved.
    assert " ".join(shown.split()) == " ".join(piped.split())
