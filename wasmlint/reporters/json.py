"""The JSON report: a versioned, documented schema (see README, "JSON output")."""

from __future__ import annotations

import json

from wasmlint.findings import Report
from wasmlint.rules import Rule

SCHEMA_VERSION = 1


def render(report: Report, rules: dict[str, Rule]) -> str:
    findings = report.sorted_findings()
    data = {
        "version": SCHEMA_VERSION,
        "findings": [f.to_dict() for f in findings],
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
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
