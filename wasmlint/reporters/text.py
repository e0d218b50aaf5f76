"""The human report, shaped like rustc/clippy diagnostics: header, location, code with carets, notes."""

from __future__ import annotations

import os
from functools import lru_cache

from wasmlint.findings import Finding, Layer, Report, Severity
from wasmlint.rules import Rule

_COLORS = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[1;33m", Severity.INFO: "\033[1;36m"}
_BLUE, _BOLD, _RESET = "\033[1;34m", "\033[1m", "\033[0m"


@lru_cache(maxsize=64)
def _lines(path: str) -> tuple[str, ...]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return tuple(handle.read().splitlines())
    except OSError:
        return ()


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.enabled else text


def _code_excerpt(finding: Finding, paint: _Paint) -> list[str]:
    if finding.path.endswith((".wasm", ".wat")):
        return []  # a module: the evidence lines say where, there is no code line to show
    lines = _lines(finding.path)
    if not 1 <= finding.line <= len(lines):
        return []
    raw = lines[finding.line - 1]
    text = raw.expandtabs(4)
    # Columns count characters in the raw line; tabs widen when shown.
    start = len(raw[: finding.column - 1].expandtabs(4))
    if finding.end_line == finding.line:
        end = len(raw[: finding.end_column - 1].expandtabs(4))
    else:
        end = len(text.rstrip())
    width = max(1, end - start)
    number = str(finding.line)
    gutter = " " * len(number)
    bar = paint(_BLUE, "|")
    return [
        f"{gutter} {bar}",
        f"{paint(_BLUE, number)} {bar} {text}",
        f"{gutter} {bar} {' ' * start}{paint(_COLORS[finding.severity], '^' * width)}",
    ]


def render_finding(finding: Finding, rules: dict[str, Rule], paint: _Paint) -> str:
    color = _COLORS[finding.severity]
    out = [f"{paint(color, f'{finding.severity.label}[{finding.rule_id}]')}{paint(_BOLD, ': ' + finding.message)}"]
    gutter = " " * max(1, len(str(finding.line)))
    out.append(f"{gutter}{paint(_BLUE, '-->')} {finding.path}:{finding.line}:{finding.column}")
    out.extend(_code_excerpt(finding, paint))
    eq = paint(_BLUE, "=")
    # Module and runtime evidence lines already spell out their path.
    if len(finding.call_path) > 2 and finding.layer is Layer.SOURCE:
        out.append(f"{gutter} {eq} note: call path: {' -> '.join(finding.call_path)}")
    for line in finding.evidence:  # runtime lines say themselves whether they confirm
        out.append(f"{gutter} {eq} {line}")
    rule = rules.get(finding.rule_id)
    help_text = rule.help_line() if rule is not None else ""
    hint = f"`wasmlint explain {finding.rule_id}`"
    out.append(f"{gutter} {eq} help: {help_text}; {hint}" if help_text else f"{gutter} {eq} help: {hint}")
    return "\n".join(out)


def summary(report: Report) -> str:
    findings = report.findings
    counts = {level: sum(1 for f in findings if f.severity is level) for level in Severity}
    files = f"{report.files_checked} file{'s' if report.files_checked != 1 else ''}"
    parts = []
    if findings:
        detail = ", ".join(
            f"{counts[level]} {level.label}{'s' if counts[level] != 1 and level is not Severity.INFO else ''}"
            for level in (Severity.ERROR, Severity.WARNING, Severity.INFO)
            if counts[level]
        )
        parts.append(f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} ({detail}) in {files}")
    else:
        parts.append(f"No problems found in {files}")
    if report.partial_files:
        parts.append(f"{len(report.partial_files)} partially analysed (syntax errors)")
    if report.errors:
        parts.append(f"{len(report.errors)} could not be checked")
    parts.extend(report.notes)
    return "; ".join(parts) + "."


def use_color(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") or os.environ.get("CLICOLOR_FORCE"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def render(report: Report, rules: dict[str, Rule], *, color: bool = False) -> str:
    paint = _Paint(color)
    blocks = [render_finding(f, rules, paint) for f in report.sorted_findings()]
    blocks.append(paint(_BOLD, summary(report)))
    return "\n\n".join(blocks) + "\n"
