"""Record today's findings in a baseline file, then hide them in later runs so only new ones show."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from wasmlint.findings import Finding, Report

BASELINE_VERSION = 1
ENTRY_KEYS = ("rule_id", "path", "symbol", "snippet")


class BaselineError(ValueError):
    """A baseline file cannot be read or is not one of ours; the message names the file."""


def finding_identity(finding: Finding) -> tuple[str, str, str, str]:
    """What makes two findings the same across runs: no line or column, so edits above don't matter.

    The flagged code text stands in for the position; whitespace is collapsed so re-indenting the
    code keeps the match. Findings without code text (module or runtime only) fall back to the message.
    """
    text = finding.snippet or finding.message
    return (finding.rule_id, finding.path, finding.symbol or "", " ".join(text.split()))


@dataclass(frozen=True)
class BaselineResult:
    report: Report  # the run's report with the recorded findings taken out
    hidden: int  # findings present now and recorded in the baseline
    fixed: int  # recorded findings that are no longer present

    def summary(self) -> str:
        return f"baseline: {self.hidden} known finding(s) hidden, {self.fixed} fixed since it was recorded"


def write_baseline(report: Report, path: Path) -> int:
    """Write every finding of `report` to `path`; returns the number of findings recorded."""
    counts = Counter(finding_identity(finding) for finding in report.findings)
    entries = [dict(zip(ENTRY_KEYS, key), count=count) for key, count in sorted(counts.items())]
    for entry in entries:
        entry["symbol"] = entry["symbol"] or None
    document = {"version": BASELINE_VERSION, "tool": "wasmlint", "findings": entries}
    try:
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return sum(counts.values())


def read_baseline(path: Path) -> Counter[tuple[str, str, str, str]]:
    """The recorded identities and how many findings had each; raises BaselineError when malformed."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: baseline is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: baseline is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(document, dict) or "findings" not in document:
        raise BaselineError(f"{path}: not a wasmlint baseline (expected an object with `version` and `findings`)")
    if document.get("version") != BASELINE_VERSION:
        raise BaselineError(
            f"{path}: unsupported baseline version {document.get('version')!r} (this wasmlint reads {BASELINE_VERSION})"
        )
    entries = document["findings"]
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: `findings` must be a list")
    recorded: Counter[tuple[str, str, str, str]] = Counter()
    for index, entry in enumerate(entries):
        recorded[_entry_identity(entry, index, path)] += _entry_count(entry, index, path)
    return recorded


def _entry_identity(entry: object, index: int, path: Path) -> tuple[str, str, str, str]:
    where = f"{path}: findings[{index}]"
    if not isinstance(entry, dict):
        raise BaselineError(f"{where} must be an object")
    for key in ("rule_id", "path", "snippet"):
        if not isinstance(entry.get(key), str):
            raise BaselineError(f"{where}: `{key}` must be a string")
    symbol = entry.get("symbol")
    if symbol is not None and not isinstance(symbol, str):
        raise BaselineError(f"{where}: `symbol` must be a string or null")
    return (entry["rule_id"], entry["path"], symbol or "", " ".join(entry["snippet"].split()))


def _entry_count(entry: dict, index: int, path: Path) -> int:
    count = entry.get("count", 1)
    # bool is an int in Python; `true` is not a count.
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BaselineError(f"{path}: findings[{index}]: `count` must be a positive integer")
    return count


def apply_baseline(report: Report, path: Path, checked_paths: set[str] | None = None) -> BaselineResult:
    """Hide the findings recorded in `path`. Each entry hides up to `count` matching findings, the
    earliest first, so a second copy of a known problem still shows up as new.

    `checked_paths`, when the run covered only some files (pre-commit passes the staged ones), limits
    the `fixed` count to entries for those files: the others were not looked at, not fixed.
    """
    remaining = read_baseline(path)
    kept: list[Finding] = []
    hidden = 0
    for finding in report.sorted_findings():
        key = finding_identity(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            hidden += 1
        else:
            kept.append(finding)
    filtered = Report(
        findings=kept,
        errors=list(report.errors),
        files_checked=report.files_checked,
        partial_files=set(report.partial_files),
        notes=list(report.notes),
    )
    fixed = sum(n for key, n in remaining.items() if checked_paths is None or key[1] in checked_paths)
    return BaselineResult(report=filtered, hidden=hidden, fixed=fixed)
