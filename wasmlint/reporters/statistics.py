"""`--statistics`: how many findings each rule has, most first, instead of the findings themselves."""

from __future__ import annotations

import json
from collections import Counter

from wasmlint.findings import Report, Severity
from wasmlint.reporters.text import summary
from wasmlint.rules import Rule
from wasmlint.terminal import visible


def counts(report: Report, rules: dict[str, Rule]) -> list[dict]:
    """One entry per rule with findings: id, count, count per severity, the rule's summary."""
    by_rule: dict[str, Counter] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule_id, Counter())[finding.severity] += 1
    entries = []
    for rule_id, severities in by_rule.items():
        rule = rules.get(rule_id)
        entries.append({
            "rule_id": rule_id,
            "count": sum(severities.values()),
            "by_severity": {level.label: severities[level] for level in sorted(severities, reverse=True)},
            "summary": rule.summary if rule is not None else "",
        })
    return sorted(entries, key=lambda entry: (-entry["count"], entry["rule_id"]))


def render_text(report: Report, rules: dict[str, Rule], *, quiet: bool = False) -> str:
    entries = counts(report, rules)
    lines = []
    if entries:
        levels = [", ".join(_counted(count, level) for level, count in entry["by_severity"].items()) for entry in entries]
        number = max(len(str(entry["count"])) for entry in entries)
        name = max(len(visible(entry["rule_id"])) for entry in entries)
        level = max(map(len, levels))
        for entry, severities in zip(entries, levels):
            lines.append(f"{entry['count']:>{number}}  {visible(entry['rule_id']):<{name}}  {severities:<{level}}  "
                         f"{visible(entry['summary'])}".rstrip())
    if not quiet:
        lines.append(summary(report))
    return "".join(line + "\n" for line in lines)


def _counted(count: int, level: str) -> str:
    return f"{count} {level}{'s' if count != 1 and level != 'info' else ''}"


def render_json(report: Report, rules: dict[str, Rule]) -> str:
    by_severity = Counter(finding.severity.label for finding in report.findings)
    data = {"statistics": counts(report, rules),
            "total": len(report.findings),
            "by_severity": {level.label: by_severity[level.label] for level in reversed(Severity)}}
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8", "backslashreplace").decode("utf-8") + "\n"
