"""The JSON report: a versioned, documented schema (see README, "JSON output")."""

from __future__ import annotations

import json

from wasmlint.evidence import AlsoReachedFrom, ExportRef
from wasmlint.findings import Finding, Report
from wasmlint.reporters.evidence import evidence_text, path_shown
from wasmlint.rules import Rule

SCHEMA_VERSION = 1


def render(report: Report, rules: dict[str, Rule]) -> str:
    findings = report.sorted_findings()
    data = {
        "version": SCHEMA_VERSION,
        "findings": [finding_dict(f) for f in findings],
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
    return json_document(data)


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
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
