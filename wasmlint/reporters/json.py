"""The JSON report: a versioned, documented schema (see README, "JSON output")."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from wasmlint.evidence import AlsoReachedFrom, ExportRef
from wasmlint.findings import Finding, Report
from wasmlint.reporters.evidence import evidence_text, path_shown
from wasmlint.rules import Rule

SCHEMA_VERSION = 1
INDENT = 2


def render(report: Report, rules: dict[str, Rule]) -> str:
    return "".join(chunks(report, rules))


def chunks(report: Report, rules: dict[str, Rule]) -> Iterator[str]:
    """`render`'s text, a finding at a time."""
    findings = report.sorted_findings()
    data = {
        "version": SCHEMA_VERSION,
        "findings": Items(finding_dict(f) for f in findings),
        "errors": [e.to_dict() for e in report.errors],
        "summary": {
            "files_checked": report.files_checked,
            "partial_files": sorted(report.partial_files),
            "by_severity": {
                level: sum(1 for f in findings if f.severity.label == level) for level in ("error", "warning", "info")
            },
            "notes": [*report.notes, *report.infos],
        },
    }
    return document_chunks(data)


def finding_dict(finding: Finding) -> dict:
    data = {
        "rule_id": finding.rule_id,
        "severity": finding.severity.label,
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "layer": str(finding.layer),
        "symbol": finding.symbol,
        "call_path": list(path_shown(finding)),
        "evidence": [evidence_text(item) for item in finding.evidence],
        "confirmed": finding.confirmed,
    }
    others = also_reaching(finding)
    if others:  # every other export that reaches the flagged site, each as affected as `symbol`
        data["also_reached_from"] = [
            {"symbol": ref.symbol, "function": ref.display, "path": ref.path, "line": ref.line, "column": ref.column}
            for ref in others
        ]
    return data


def also_reaching(finding: Finding) -> tuple[ExportRef, ...]:
    """The exports besides `finding.symbol` that reach it (its `AlsoReachedFrom` evidence)."""
    return tuple(ref for item in finding.evidence if isinstance(item, AlsoReachedFrom) for ref in item.exports)


def json_document(data: object) -> str:
    """`data` as indented JSON text, ending in a newline, non-ASCII characters written as they are.

    A file name that is not UTF-8 reaches us with its odd bytes as lone surrogates (Python's
    surrogateescape), which no UTF-8 text can hold: they are written as JSON escapes (`\\udcff`),
    which a JSON reader decodes back to the same string, instead of failing the whole report."""
    return _writable(json.dumps(data, indent=INDENT, ensure_ascii=False) + "\n")


class Items:
    """A JSON array whose items are made one at a time, as `document_chunks` writes them: a report's
    findings are never all held as dicts, nor as one string."""

    def __init__(self, items: Iterable[object]) -> None:
        self.items = items


def document_chunks(data: dict) -> Iterator[str]:
    """The text `json_document` makes of `data` (with each `Items` as the list of its items), in
    pieces: a piece per item of an `Items`."""
    for piece in _value_chunks(data, 0):
        yield _writable(piece)
    yield "\n"


def _value_chunks(value: object, level: int) -> Iterator[str]:
    if isinstance(value, Items):
        opening = "["
        for item in value.items:
            yield f"{opening}\n{_pad(level + 1)}{_encoded(item, level + 1)}"
            opening = ","
        yield "[]" if opening == "[" else f"\n{_pad(level)}]"
    elif isinstance(value, dict) and _streams(value):
        opening = "{"
        for key, item in value.items():
            yield f"{opening}\n{_pad(level + 1)}{json.dumps(key, ensure_ascii=False)}: "
            yield from _value_chunks(item, level + 1)
            opening = ","
        yield f"\n{_pad(level)}}}"
    elif isinstance(value, list) and _streams(value):
        opening = "["
        for item in value:
            yield f"{opening}\n{_pad(level + 1)}"
            yield from _value_chunks(item, level + 1)
            opening = ","
        yield f"\n{_pad(level)}]"
    else:
        yield _encoded(value, level)


def _streams(value: object) -> bool:
    """Whether `value` is, or holds, an `Items` (what json.dumps cannot write)."""
    if isinstance(value, Items):
        return True
    if isinstance(value, dict):
        return any(map(_streams, value.values()))
    if isinstance(value, list):
        return any(map(_streams, value))
    return False


def _encoded(value: object, level: int) -> str:
    # json.dumps indents from the left margin; nested `level` deep, every line after the first
    # moves right (a JSON string holds no raw newline, so each newline starts a line).
    return json.dumps(value, indent=INDENT, ensure_ascii=False).replace("\n", "\n" + _pad(level))


def _pad(level: int) -> str:
    return " " * (INDENT * level)


def _writable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
