"""The shipped guests end to end through the CLI: reported (line, rule) pairs equal the recorded expectations.

Expectations live beside the code: `// expect: rule-id` at the end of a flagged line, and
`expect.toml` (`[[source]] line = N, rule = "id"`) where a comment cannot be used.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from conftest import GUESTS, REPO, json_findings, run_cli

EXPECT = re.compile(r"//\s*expect:\s*(?P<ids>[a-z0-9, -]+)$")


def guest_dirs() -> list[Path]:
    return sorted(p for p in GUESTS.iterdir() if (p / "Cargo.toml").is_file())


def expected(guest: Path) -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted(guest.rglob("*.rs")):
        if "target" in path.parts:
            continue
        shown = path.relative_to(REPO).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                found |= {(shown, number, rule.strip()) for rule in match.group("ids").split(",")}
    extra = guest / "expect.toml"
    if extra.is_file():
        for entry in tomllib.loads(extra.read_text(encoding="utf-8")).get("source", []):
            found.add(((guest / entry.get("file", "src/lib.rs")).relative_to(REPO).as_posix(), entry["line"], entry["rule"]))
    return found


@pytest.mark.parametrize("guest", guest_dirs(), ids=lambda p: p.name)
def test_guest_findings_match_expectations(cli, guest):
    code, out, err = cli("check", str(guest.relative_to(REPO)), "--layer", "source", "--format", "json")
    reported = {(f["path"], f["line"], f["rule_id"]) for f in json_findings(out)}
    want = expected(guest)
    missing = sorted(want - reported)
    noisy = sorted(reported - want)
    assert not missing and not noisy, f"missing: {missing}\nnoisy: {noisy}"
    # The exit code follows the severities (a wasm-bindgen guest's allocations are `info`).
    assert code == (1 if any(f["severity"] != "info" for f in json_findings(out)) else 0), err


def test_greeting_alloc_text_report_flags_the_format_line():
    result = run_cli("check", "guests/greeting-alloc")
    assert result.returncode == 1, result.stderr
    assert "error[format-in-export]: `format!` allocates a `String` in exported function `set_name`" in result.stdout
    source = (GUESTS / "greeting-alloc/src/lib.rs").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "format!(" in text)
    assert f"--> guests/greeting-alloc/src/lib.rs:{line}:" in result.stdout
    assert "^^^^" in result.stdout
    assert result.stdout.rstrip().endswith("Found 1 problem (1 error); 1 file checked.")


def test_greeting_static_is_clean():
    result = run_cli("check", "guests/greeting-static")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No problems found; 1 file checked." in result.stdout


def test_transitive_finding_carries_the_call_path(cli):
    code, out, _ = cli("check", "guests/helper-depth", "--format", "json")
    by_rule = {f["rule_id"]: f for f in json_findings(out)}
    finding = by_rule["format-in-export"]
    assert finding["call_path"][0] == finding["symbol"]
    assert finding["call_path"][-1] == "format!"
    assert len(finding["call_path"]) == 4, finding["call_path"]  # export -> build_message -> render -> format!
    assert "reached from exported function" in finding["message"]


def test_unreachable_allocation_only_with_all_functions(cli):
    _, out, _ = cli("check", "guests/helper-depth", "--format", "json")
    assert not [f for f in json_findings(out) if f["symbol"] is None]
    _, out, _ = cli("check", "guests/helper-depth", "--format", "json", "--all-functions")
    extra = [f for f in json_findings(out) if f["symbol"] is None]
    assert extra and all(f["severity"] == "info" and "no export reaches it" in f["message"] for f in extra)


def test_workspace_root_checks_members(cli):
    code, out, _ = cli("check", "guests/workspace-demo", "--format", "json")
    paths = {f["path"] for f in json_findings(out)}
    assert paths == {"guests/workspace-demo/crates/alloc-member/src/lib.rs"}
    assert code == 1


def test_json_report_shape(cli):
    _, out, _ = cli("check", "guests/greeting-alloc", "--format", "json")
    data = json.loads(out)
    assert data["version"] == 1 and data["errors"] == []
    finding = data["findings"][0]
    assert set(finding) >= {"rule_id", "severity", "message", "path", "line", "column", "end_line", "end_column",
                            "layer", "symbol", "call_path", "evidence", "confirmed"}
    assert finding["layer"] == "source" and finding["symbol"] == "set_name"
