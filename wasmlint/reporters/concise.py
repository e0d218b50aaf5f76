"""One line per finding, as ruff's concise output: `path:line:col: severity[rule] message`, then the
summary. Strings from the analysed tree are made `visible`, as in the text report."""

from __future__ import annotations

from wasmlint.findings import Report
from wasmlint.reporters.text import summary
from wasmlint.rules import Rule
from wasmlint.terminal import visible


def finding_lines(report: Report) -> list[str]:
    return [f"{visible(f.path)}:{f.line}:{f.column}: {f.severity.label}[{visible(f.rule_id)}] {visible(f.message)}"
            for f in report.sorted_findings()]


def render(report: Report, rules: dict[str, Rule], *, quiet: bool = False) -> str:
    lines = finding_lines(report)
    if not quiet:
        lines += [f"info: {visible(line)}" for line in report.infos] + [summary(report)]
    return "".join(line + "\n" for line in lines)
