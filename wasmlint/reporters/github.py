"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wasmlint.findings import Finding, Report, RunError, Severity
from wasmlint.reporters.evidence import evidence_text
from wasmlint.rules import Rule

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
ERROR_TITLE = "wasmlint: could not check"


@dataclass(frozen=True)
class Annotation:
    """One workflow command before escaping; `properties` keeps the order the command is written in."""

    command: str
    properties: tuple[tuple[str, str | int], ...]
    message: str

    def render(self) -> str:
        props = ",".join(f"{key}={escape_property(str(value))}" for key, value in self.properties)
        head = f"::{self.command} {props}" if props else f"::{self.command}"
        return f"{head}::{escape_data(self.message)}"


def escape_data(text: str) -> str:
    # The runner splits a command at its first `::` after the properties and at line ends, so the
    # message escapes the percent sign (the escape character itself) first, then CR and LF.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    # Property values also end at `,` (next property) and `:` (start of `::message`).
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_message(finding: Finding, rule: Rule | None) -> str:
    """The finding's message, then its module/runtime evidence, then how to fix it, one per line."""
    lines = [finding.message, *map(evidence_text, finding.evidence)]
    if rule is not None and rule.help_line():
        lines.append(f"help: {rule.help_line()}; `wasmlint explain {finding.rule_id}`")
    return "\n".join(lines)


def finding_annotation(finding: Finding, rules: dict[str, Rule]) -> Annotation:
    # Property order follows what GitHub's own toolkit (@actions/core) writes: title, file, line,
    # endLine, col, endColumn, so our output and an action's read the same in a log.
    properties: list[tuple[str, str | int]] = [
        ("title", f"wasmlint({finding.rule_id})"),
        ("file", finding.path),
        ("line", finding.line),
        ("endLine", finding.end_line),
    ]
    # GitHub uses col/endColumn only when an annotation starts and ends on the same line; for a
    # multi-line range it ignores them, so we leave them out rather than write values that are
    # silently dropped. endColumn is exclusive, as in every other wasmlint format.
    if finding.line == finding.end_line:
        properties += [("col", finding.column), ("endColumn", finding.end_column)]
    command = COMMANDS[finding.severity]
    return Annotation(command, tuple(properties), annotation_message(finding, rules.get(finding.rule_id)))


def error_annotation(error: RunError) -> Annotation:
    properties: list[tuple[str, str | int]] = [("title", ERROR_TITLE), ("file", error.path)]
    if error.line is not None:
        properties.append(("line", error.line))
        if error.column is not None:
            properties.append(("col", error.column))
    message = error.message
    if error.offset is not None:
        message = f"{message} (at byte offset {error.offset:#x})"
    return Annotation("error", tuple(properties), message)


def report_annotations(report: Report, rules: dict[str, Rule]) -> Iterator[Annotation]:
    """Errors first, then the files that could not be checked, warnings and notices, each in report
    order: GitHub shows only the first few annotations of a step, and the errors are what fail it.
    Made one at a time, as they are written."""
    ordered = sorted(report.sorted_findings(), key=lambda finding: -finding.severity)
    first = sum(1 for finding in ordered if finding.severity is Severity.ERROR)
    errors = sorted(report.errors, key=lambda e: (e.path, e.line or 0, e.column or 0, e.message))
    for finding in ordered[:first]:
        yield finding_annotation(finding, rules)
    for error in errors:
        yield error_annotation(error)
    for finding in ordered[first:]:
        yield finding_annotation(finding, rules)


def render(report: Report, rules: dict[str, Rule]) -> str:
    """One workflow command per line, ending in a newline; empty when there is nothing to say."""
    return "".join(chunks(report, rules))


def chunks(report: Report, rules: dict[str, Rule]) -> Iterator[str]:
    """`render`'s text, a command at a time."""
    for annotation in report_annotations(report, rules):
        yield annotation.render() + "\n"
