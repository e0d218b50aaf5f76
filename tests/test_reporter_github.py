"""The GitHub reporter writes exactly what GitHub's own toolkit (@actions/core) writes.

The comparison test installs the npm package into a cache directory (never into the repository),
feeds it the same annotations and compares the bytes it prints with ours.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import unavailable

from wasmlint.evidence import GrowthPath, Outcome, Resolution, RuntimeObservation
from wasmlint.findings import Finding, Layer, Report, RunError, Severity
from wasmlint.reporters import github
from wasmlint.reporters.evidence import evidence_text
from wasmlint.rules import Rule

SCRIPT_DIR = Path(__file__).resolve().parent / "actions_core"
COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def finding(rule_id="format-in-export", severity=Severity.ERROR, message="`format!` allocates a `String`",
            path="src/lib.rs", line=3, column=5, end_line=3, end_column=20, evidence=()) -> Finding:
    return Finding(rule_id=rule_id, severity=severity, message=message, path=path, line=line,
                   column=column, end_line=end_line, end_column=end_column, layer=Layer.SOURCE,
                   symbol="set_name", evidence=tuple(evidence))


TRICKY = [
    finding(message="100% of views detach; 50%25 is not an escape"),
    finding(severity=Severity.WARNING, message="line one\nline two\r\nline three\rend", line=4, end_line=4),
    finding(severity=Severity.INFO, message="a::b :: c, d: e", path="src/a,b:c.rs"),
    finding(message="naïve → ünïcode 🦀 `café`", path="src/ünï côdé/lib.rs", line=9, end_line=9),
    finding(message="multi-line range", line=10, column=9, end_line=14, end_column=2),
    finding(rule_id="comma,colon:rule", message="::error::not a command", line=20, end_line=20),
    finding(message="evidence follows", line=30, end_line=30, evidence=(
        GrowthPath("set_name", ("set_name", "alloc::fmt::format", "__rust_alloc"), Resolution.DIRECT),
        RuntimeObservation("set_name", Outcome.GREW, smoke=False, call="set_name(100%, 16)", pages_before=17,
                           pages_after=18),
    )),
    finding(message="%0A%25 already looks escaped", line=31, end_line=31),
]
ERRORS = [
    RunError(path="src/broken.rs", message="unbalanced `{`: rest of file unparsed", line=7, column=3),
    RunError(path="crates/x, y", message="cannot read: no such directory"),
]


def toolkit_input(report: Report) -> list[dict]:
    """What an action would pass to core.error/warning/notice for the same findings, built here
    from the findings' fields (not from the reporter) so the comparison checks the reporter. The
    order is the one GitHub should show first (issue 23): errors, files that could not be checked,
    warnings, notices."""
    calls = []
    by_level = {level: [f for f in report.sorted_findings() if f.severity is level] for level in Severity}
    finding_calls = {level: [] for level in Severity}
    for f in [f for level in Severity for f in by_level[level]]:
        properties = {"title": f"wasmlint({f.rule_id})", "file": f.path, "startLine": f.line, "endLine": f.end_line}
        if f.line == f.end_line:
            properties |= {"startColumn": f.column, "endColumn": f.end_column}
        finding_calls[f.severity].append({"command": COMMANDS[f.severity],
                                          "message": "\n".join([f.message, *map(evidence_text, f.evidence)]),
                                          "properties": properties})
    calls += finding_calls[Severity.ERROR]
    for e in sorted(report.errors, key=lambda e: (e.path, e.line or 0)):
        properties = {"title": github.ERROR_TITLE, "file": e.path}
        if e.line is not None:
            properties |= {"startLine": e.line, "startColumn": e.column}
        calls.append({"command": "error", "message": e.message, "properties": properties})
    return calls + finding_calls[Severity.WARNING] + finding_calls[Severity.INFO]


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wasmlint-tests"


@pytest.fixture(scope="module")
def actions_core() -> Path:
    """A directory holding annotate.mjs beside a node_modules with the pinned @actions/core."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        unavailable(f"{' and '.join(missing)} not found: cannot compare with @actions/core")
    manifest = (SCRIPT_DIR / "package.json").read_bytes()
    target = cache_root() / f"actions-core-{hashlib.sha256(manifest).hexdigest()[:12]}"
    if not (target / "node_modules/@actions/core/package.json").is_file():
        staging = target.with_name(target.name + f".tmp{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        (staging / "package.json").write_bytes(manifest)
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"],
            cwd=staging, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, f"npm install @actions/core failed:\n{done.stdout}\n{done.stderr}"
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    shutil.copyfile(SCRIPT_DIR / "annotate.mjs", target / "annotate.mjs")
    return target


def run_toolkit(directory: Path, calls: list[dict]) -> bytes:
    done = subprocess.run(["node", str(directory / "annotate.mjs")], input=json.dumps(calls).encode(),
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def test_matches_actions_core_byte_for_byte(actions_core):
    report = Report(findings=TRICKY, errors=ERRORS)
    ours = github.render(report, {}).encode("utf-8")
    theirs = run_toolkit(actions_core, toolkit_input(report))
    assert ours.splitlines() == theirs.splitlines()
    assert ours == theirs


def test_actions_core_version_is_the_pinned_one(actions_core):
    installed = json.loads((actions_core / "node_modules/@actions/core/package.json").read_text())
    pinned = json.loads((SCRIPT_DIR / "package.json").read_text())["dependencies"]["@actions/core"]
    assert installed["version"] == pinned


def test_one_command_per_finding_with_severity_mapped():
    report = Report(findings=[finding(), finding(severity=Severity.WARNING, line=5, end_line=5),
                              finding(severity=Severity.INFO, line=6, end_line=6)])
    lines = github.render(report, {}).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::notice"]
    assert lines[0] == "::error title=wasmlint(format-in-export),file=src/lib.rs,line=3,endLine=3,col=5,endColumn=20::`format!` allocates a `String`"


def test_columns_only_on_single_line_ranges():
    line = github.render(Report(findings=[finding(line=10, end_line=14)]), {})
    assert "col=" not in line and "endColumn=" not in line
    assert "line=10,endLine=14::" in line


def test_escaping():
    assert github.escape_data("50% a\r\nb::c,d") == "50%25 a%0D%0Ab::c,d"
    assert github.escape_property("a%b\nc:d,e") == "a%25b%0Ac%3Ad%2Ce"


def test_evidence_and_help_follow_the_message():
    rule = Rule(id="format-in-export", layer=Layer.SOURCE, severity=Severity.ERROR, summary="s",
                message="m", why="w", fix="Write into a static buffer.\n\nMore text.", query=None,
                scope="reachable", check=None, tests=(), origin=Path("rules/format-in-export.toml"))
    f = finding(evidence=(
        GrowthPath("set_name", ("set_name", "__rust_alloc"), Resolution.DIRECT),
        RuntimeObservation("set_name", Outcome.GREW, smoke=True, call="set_name(0, 0)", pages_before=17,
                           pages_after=18),
    ))
    message = github.annotation_message(f, rule)
    assert message.splitlines() == [
        f.message,
        "module: `set_name` reaches memory.grow via set_name -> __rust_alloc (direct calls only)",
        "runtime: set_name(0, 0) grew memory 17 -> 18 pages on its first call (confirmed by a smoke call)",
        "help: Write into a static buffer; `wasmlint explain format-in-export`",
    ]
    rendered = github.render(Report(findings=[f]), {rule.id: rule})
    assert rendered.count("\n") == 1 and "(direct calls only)%0Aruntime: set_name(0, 0) grew" in rendered


def test_run_errors_are_error_annotations():
    lines = github.render(Report(errors=ERRORS), {}).splitlines()
    assert lines == [
        "::error title=wasmlint%3A could not check,file=crates/x%2C y::cannot read: no such directory",
        "::error title=wasmlint%3A could not check,file=src/broken.rs,line=7,col=3::unbalanced `{`: rest of file unparsed",
    ]


def test_nothing_to_report_is_empty():
    assert github.render(Report(), {}) == ""
