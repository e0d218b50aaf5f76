"""Record today's findings in a baseline file, then hide them in later runs so only new ones show."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from wasmlint.findings import Finding, Report
from wasmlint.reading import BASELINE_LIMIT, read_regular_text, reason
from wasmlint.reporters.json import json_document

# Version 2: entry paths are relative to the folder holding the baseline file, so one baseline works
# whichever folder wasmlint runs from. Version 1 stored paths as printed, relative to the folder
# wasmlint ran from; it is still read, with that meaning.
BASELINE_VERSION = 2
_CWD_RELATIVE_VERSION = 1
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


def path_from(folder: str, path: str) -> str:
    """`path` (relative to the working directory, or absolute) made relative to `folder`, in POSIX form.

    Both sides are resolved first, so `guests/x/src/lib.rs` from the repository root, `src/lib.rs` from
    `guests/x` and an absolute path name the same file. A path that has no relative form (another
    drive on Windows) stays absolute.
    """
    target = os.path.realpath(path)
    try:
        relative = os.path.relpath(target, folder)
    except ValueError:
        relative = target
    return Path(relative).as_posix()


def _baseline_folder(path: Path) -> str:
    return os.path.realpath(path.parent)


def _identity_from(folder: str, finding: Finding) -> tuple[str, str, str, str]:
    rule_id, path, symbol, text = finding_identity(finding)
    return (rule_id, path_from(folder, path), symbol, text)


@dataclass(frozen=True)
class BaselineResult:
    report: Report  # the run's report with the recorded findings taken out
    hidden: int  # findings present now and recorded in the baseline
    fixed: int  # recorded findings that are no longer present

    def summary(self) -> str:
        return f"baseline: {self.hidden} known finding(s) hidden, {self.fixed} fixed since it was recorded"


def write_baseline(report: Report, path: Path) -> int:
    """Write every finding of `report` to `path`; returns the number of findings recorded.

    Entry paths are relative to the baseline file's folder, so the file can be used from any folder.
    """
    folder = _baseline_folder(path)
    counts = Counter(_identity_from(folder, finding) for finding in report.findings)
    entries = [dict(zip(ENTRY_KEYS, key), count=count) for key, count in sorted(counts.items())]
    for entry in entries:
        entry["symbol"] = entry["symbol"] or None
    document = {"version": BASELINE_VERSION, "tool": "wasmlint", "findings": entries}
    try:
        # json_document: a file name that is not UTF-8 is written as JSON escapes, read back the same.
        path.write_text(json_document(document), encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return sum(counts.values())


def read_baseline(path: Path) -> Counter[tuple[str, str, str, str]]:
    """The recorded identities, paths relative to the baseline file's folder, and how many findings
    had each; raises BaselineError when malformed."""
    try:
        document = json.loads(read_regular_text(path, BASELINE_LIMIT))
    except OSError as exc:
        if not os.path.lexists(path):
            raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
        raise BaselineError(f"{path}: cannot read baseline: {reason(exc).removeprefix('cannot read: ')}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: baseline is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: baseline is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise BaselineError(f"{path}: baseline is not a wasmlint baseline (arrays or objects nested thousands deep)") from None
    if not isinstance(document, dict) or "findings" not in document:
        raise BaselineError(f"{path}: not a wasmlint baseline (expected an object with `version` and `findings`)")
    version = document.get("version")
    # `True == 1` in Python; a boolean is not a version.
    if isinstance(version, bool) or version not in (BASELINE_VERSION, _CWD_RELATIVE_VERSION):
        raise BaselineError(
            f"{path}: unsupported baseline version {version!r} (this wasmlint reads "
            f"{_CWD_RELATIVE_VERSION} and {BASELINE_VERSION}; rewrite it with --write-baseline)"
        )
    entries = document["findings"]
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: `findings` must be a list")
    folder = _baseline_folder(path)
    recorded: Counter[tuple[str, str, str, str]] = Counter()
    for index, entry in enumerate(entries):
        key = _entry_identity(entry, index, path)
        if version == _CWD_RELATIVE_VERSION:
            # Version 1 paths are relative to the folder wasmlint ran from: read them as before.
            key = (key[0], path_from(folder, key[1]), key[2], key[3])
        recorded[key] += _entry_count(entry, index, path)
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

    Findings are compared by their path made relative to the baseline file's folder, so the working
    directory does not matter. `checked_paths` (as printed: relative to the working directory, or
    absolute), when the run covered only some files (pre-commit passes the staged ones), limits the
    `fixed` count to entries for those files: the others were not looked at, not fixed.
    """
    remaining = read_baseline(path)
    folder = _baseline_folder(path)
    kept: list[Finding] = []
    hidden = 0
    for finding in report.sorted_findings():
        key = _identity_from(folder, finding)
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
        infos=list(report.infos),
    )
    checked = None if checked_paths is None else {path_from(folder, p) for p in checked_paths}
    fixed = sum(n for key, n in remaining.items() if checked is None or key[1] in checked)
    return BaselineResult(report=filtered, hidden=hidden, fixed=fixed)
