"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from urllib.parse import quote
from typing import Any

import wasmlint
from wasmlint.baseline import finding_identity
from wasmlint.findings import Finding, Layer, Report, RunError, Severity
from wasmlint.reporters.evidence import evidence_text, path_shown, states_confirmation
from wasmlint.reporters.json import Items, also_reaching, document_chunks
from wasmlint.rules import Rule

SCHEMA_URI = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/wasmlint/wasmlint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "wasmlintFindingHash/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _text(text: str, markdown: str | None = None) -> dict:
    message = {"text": text}
    if markdown is not None:
        message["markdown"] = markdown
    return message


def _pascal_case(rule_id: str) -> str:
    # SARIF's `name` is an identifier-like label (`FormatInExport`); the id stays kebab-case.
    return "".join(part.capitalize() for part in rule_id.split("-"))


def _artifact(path: str) -> dict:
    # Paths are relative to the project root; %SRCROOT% tells a viewer to resolve them against its
    # checkout. Spaces and non-ASCII characters must be percent-encoded in a URI reference; a name
    # that is not UTF-8 keeps its own bytes (surrogateescape), as the file system has them.
    uri = quote(path, safe="/", errors="surrogateescape")
    if path.startswith("/"):
        # Outside the working folder (wasmlint shows such paths absolute): a file URI, no base.
        return {"uri": "file://" + uri}
    return {"uri": uri, "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int, end_column: int) -> dict:
    start_line, start_column = max(1, line), max(1, column)
    end_line = max(start_line, end_line)
    end_column = max(1, end_column)
    if end_line == start_line:
        end_column = max(start_column, end_column)
    return {"startLine": start_line, "startColumn": start_column, "endLine": end_line, "endColumn": end_column}


def _physical_location(finding: Finding) -> dict:
    return {
        "artifactLocation": _artifact(finding.path),
        "region": _region(finding.line, finding.column, finding.end_line, finding.end_column),
    }


def rule_descriptor(rule_id: str, rule: Rule | None, fallback: Severity) -> dict:
    """The driver's entry for one rule; a rule we have no file for still gets a minimal entry."""
    if rule is None:
        return {
            "id": rule_id,
            "name": _pascal_case(rule_id),
            "shortDescription": _text(rule_id),
            "defaultConfiguration": {"level": LEVELS[fallback]},
        }
    return {
        "id": rule.id,
        "name": _pascal_case(rule.id),
        "shortDescription": _text(rule.summary),
        "fullDescription": _text(rule.why),
        "help": _text(
            f"{rule.why}\n\nHow to fix: {rule.fix}",
            f"{rule.why}\n\n**How to fix**\n\n{rule.fix}",
        ),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"layer": str(rule.layer), "tags": ["wasm", "memory", str(rule.layer)]},
    }


def result_message(finding: Finding) -> str:
    """The one-line message, then the module/runtime evidence, one line each."""
    lines = [finding.message, *map(evidence_text, finding.evidence)]
    if finding.confirmed and not any(map(states_confirmation, finding.evidence)):
        lines.append("runtime: confirmed")
    return "\n".join(lines)


def _code_flow(finding: Finding) -> dict | None:
    """The call path export -> ... -> construct as one thread flow, one step per hop.

    We know a source position for one step only: the finding's own. A source finding's path ends in
    the flagged construct (`format!`, `.push()`), which is where the finding sits; module and runtime
    findings sit on the export's `fn`, the first step. The other steps carry just the function name
    (a logical location), which the schema allows.
    """
    hops = path_shown(finding)
    if len(hops) < 2:
        return None
    source = finding.layer is Layer.SOURCE
    anchored = len(hops) - 1 if source else (0 if hops[0] == finding.symbol else None)
    steps = []
    for index, name in enumerate(hops):
        construct = source and index == len(hops) - 1
        if index == 0:
            location: dict = {"message": _text(f"exported function `{name}`")}
        elif construct:
            location = {"message": _text(f"`{name}` is flagged here")}
        else:
            location = {"message": _text(f"calls `{name}`")}
        if not construct:
            location["logicalLocations"] = [{"name": name, "kind": "function"}]
        if index == anchored:
            location["physicalLocation"] = _physical_location(finding)
        steps.append({"location": location, "nestingLevel": 0, "executionOrder": index + 1})
    return {
        "message": _text(" -> ".join(hops)),
        "threadFlows": [{"locations": steps}],
    }


def _fingerprint(finding: Finding, occurrence: int) -> str:
    # Same identity as the baseline (rule, path, symbol, code text; no line numbers), hashed so it is
    # short, plus the occurrence number so two identical findings in one file stay distinct.
    identity = "\0".join(finding_identity(finding)).encode("utf-8", "surrogateescape")  # a non-UTF-8 file name
    digest = hashlib.sha256(identity).hexdigest()[:32]
    return f"{digest}:{occurrence}"


def _result(finding: Finding, rule_index: int, occurrence: int) -> dict:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": _text(result_message(finding)),
        "locations": [{"physicalLocation": _physical_location(finding)}],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(finding, occurrence)},
        "properties": {
            "symbol": finding.symbol,
            "layer": str(finding.layer),
            "confirmed": finding.confirmed,
            "callPath": list(path_shown(finding)),
            "evidence": [evidence_text(item) for item in finding.evidence],
        },
    }
    if finding.symbol:
        result["locations"][0]["logicalLocations"] = [{"name": finding.symbol, "kind": "function"}]
    flow = _code_flow(finding)
    if flow is not None:
        result["codeFlows"] = [flow]
    others = also_reaching(finding)
    if others:
        # Every other export that reaches the site: where its `fn` is, named.
        result["relatedLocations"] = [
            {"id": number, "message": _text(f"also reached from exported function `{ref.display}`"),
             "physicalLocation": {"artifactLocation": _artifact(ref.path),
                                  "region": _region(ref.line, ref.column, ref.end_line, ref.end_column)},
             "logicalLocations": [{"name": ref.symbol, "kind": "function"}]}
            for number, ref in enumerate(others, start=1)
        ]
        result["properties"]["alsoReachedFrom"] = [ref.symbol for ref in others]
    return result


def _notification(error: RunError) -> dict:
    location: dict = {"artifactLocation": _artifact(error.path)}
    if error.line is not None:
        location["region"] = {"startLine": max(1, error.line), "startColumn": max(1, error.column or 1)}
    elif error.offset is not None:
        location["region"] = {"byteOffset": error.offset}
    return {"level": "error", "message": _text(error.message), "locations": [{"physicalLocation": location}]}


def _invocation(report: Report) -> dict:
    errors = sorted(report.errors, key=lambda e: (e.path, e.line or 0, e.column or 0, e.offset or 0, e.message))
    notifications = [_notification(error) for error in errors]
    for path in sorted(report.partial_files - {error.path for error in report.errors}):
        notifications.append({
            "level": "warning",
            "message": _text("results for this file are incomplete"),
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(path)}}],
        })
    notifications += [{"level": "note", "message": _text(note)} for note in [*report.notes, *report.infos]]
    invocation: dict = {"executionSuccessful": not report.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def build_log(report: Report, rules: dict[str, Rule]) -> dict:
    """The SARIF log as plain data (one run), before it is written as JSON."""
    log = _log(report, rules)
    log["runs"][0]["results"] = list(log["runs"][0]["results"].items)
    return log


def _log(report: Report, rules: dict[str, Rule]) -> dict:
    """The SARIF log, its results made one at a time as they are written."""
    findings = report.sorted_findings()
    used_ids = sorted({finding.rule_id for finding in findings})
    first_severity: dict[str, Severity] = {}
    for finding in findings:
        first_severity.setdefault(finding.rule_id, finding.severity)
    descriptors = [rule_descriptor(rule_id, rules.get(rule_id), first_severity[rule_id]) for rule_id in used_ids]
    index_of = {rule_id: index for index, rule_id in enumerate(used_ids)}

    def results() -> Iterator[dict]:
        seen: Counter[tuple[str, str, str, str]] = Counter()
        for finding in findings:
            identity = finding_identity(finding)
            seen[identity] += 1
            yield _result(finding, index_of[finding.rule_id], seen[identity])

    run = {
        "tool": {
            "driver": {
                "name": "wasmlint",
                "version": wasmlint.__version__,
                "semanticVersion": wasmlint.__version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "invocations": [_invocation(report)],
        "originalUriBaseIds": {
            SRCROOT: {"description": _text("The project root: the directory wasmlint's paths are relative to.")}
        },
        "columnKind": "unicodeCodePoints",
        "results": Items(results()),
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, rules: dict[str, Rule]) -> str:
    return "".join(chunks(report, rules))


def chunks(report: Report, rules: dict[str, Rule]) -> Iterator[str]:
    """`render`'s text, a result at a time."""
    return document_chunks(_log(report, rules))
