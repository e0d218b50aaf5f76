"""One line per finding, as ruff's concise output: `path:line:col: severity[rule] message`, then the
summary. Strings from the analysed tree are made `visible`, as in the text report."""

from __future__ import annotations

from collections.abc import Iterator

from wasmlint.findings import Finding, Report
from wasmlint.reporters.text import summary
from wasmlint.rules import Rule
from wasmlint.terminal import visible


def finding_line(f: Finding) -> str:
    return f"{visible(f.path)}:{f.line}:{f.column}: {f.severity.label}[{visible(f.rule_id)}] {visible(f.message)}"


def finding_lines(report: Report) -> list[str]:
    return [finding_line(f) for f in report.sorted_findings()]


def render(report: Report, rules: dict[str, Rule], *, quiet: bool = False) -> str:
    return "".join(chunks(report, rules, quiet=quiet))


def chunks(report: Report, rules: dict[str, Rule], *, quiet: bool = False) -> Iterator[str]:
    """`render`'s text, a line at a time."""
    for finding in report.sorted_findings():
        yield finding_line(finding) + "\n"
    if not quiet:
        yield from (f"info: {visible(line)}\n" for line in report.infos)
        yield summary(report) + "\n"
