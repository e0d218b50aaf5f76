"""The human report, shaped like rustc/clippy diagnostics: header, location, code with carets, notes.

Every string a finding carries may come from the analysed tree or module, so each is made
`visible` (wasmlint.terminal) as it is rendered; the only escape sequences this report writes are
its own colours."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from wasmlint.findings import Finding, Layer, Report, Severity, elided_count, elided_hops
from wasmlint.reporters.layout import grouped, related_line, wrapped
from wasmlint.reading import SOURCE_LIMIT, read_regular
from wasmlint.reporters.evidence import evidence_text
from wasmlint.rules import Rule
from wasmlint.terminal import escaped_char, visible

_COLORS = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[1;33m", Severity.INFO: "\033[1;36m"}
_BLUE, _BOLD, _RESET = "\033[1;34m", "\033[1m", "\033[0m"


# Longest code excerpt shown, in terminal columns; a longer line (minified code) is cut around the span.
EXCERPT_WIDTH = 120
# A call path longer than HEAD + TAIL + 1 hops shows only its first and last hops.
CALL_PATH_HEAD, CALL_PATH_TAIL = 4, 3
TAB_WIDTH = 4


def _lines(path: str) -> tuple[str, ...]:
    try:
        status = os.stat(path)
    except OSError:
        return ()
    # Keyed on the file's identity and age, so a rewritten file (or another folder's `src/lib.rs`) is re-read.
    return _read_lines(os.path.abspath(path), status.st_mtime_ns, status.st_size)


@lru_cache(maxsize=64)
def _read_lines(path: str, _mtime_ns: int, _size: int) -> tuple[str, ...]:
    try:
        text = read_regular(path, SOURCE_LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return ()
    # Only \n ends a line, as for the parser that gave the line numbers; str.splitlines would also
    # split on form feeds and other separators and shift every line after them.
    return tuple(line.removesuffix("\r") for line in text.split("\n"))


def _cell(char: str, column: int) -> tuple[str, int]:
    """How `char` is shown when it starts at display `column`: its text and width in columns."""
    if char == "\t":
        width = TAB_WIDTH - column % TAB_WIDTH
        return " " * width, width
    # Control and format characters would act on the terminal (colours, cursor moves, erasing the
    # line) or reorder what it shows (bidi overrides): they are spelled out, several columns wide.
    stand_in = escaped_char(char)
    if stand_in is not None:
        return stand_in, len(stand_in)
    if unicodedata.combining(char):
        return char, 0
    return char, 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _cells(raw: str) -> list[tuple[str, int]]:
    cells, column = [], 0
    for char in raw:
        cell = _cell(char, column)
        cells.append(cell)
        column += cell[1]
    return cells


def _window(widths: list[int], start: int, end: int, budget: int) -> tuple[int, int]:
    """Character range [lo, hi) of at most `budget` columns showing the span [start, end), centred."""
    span = sum(widths[start:end])
    # Some code before the span even when the span itself is wider than the window.
    left_budget = max((budget - span) // 2, min(16, budget // 4))
    lo, used = start, 0
    while lo > 0 and used + widths[lo - 1] <= left_budget:
        lo -= 1
        used += widths[lo]
    hi = start
    while hi < len(widths) and used + widths[hi] <= budget:
        used += widths[hi]
        hi += 1
    # The span near the end of the line: give the room left over to code before it.
    while hi == len(widths) and lo > 0 and used + widths[lo - 1] <= budget:
        lo -= 1
        used += widths[lo]
    return lo, hi


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
    # Columns count characters in the raw line; what is shown is measured in terminal columns.
    start = min(max(finding.column - 1, 0), len(raw))
    if finding.end_line == finding.line:
        end = min(max(finding.end_column - 1, start), len(raw))
    else:
        end = max(len(raw.rstrip()), start)
    # Measuring every character of an 800 KB minified line takes a second: measure only a stretch
    # around the construct wider than any window (tab stops then count from the stretch's start).
    first = max(0, start - 2 * EXCERPT_WIDTH)
    last = min(len(raw), start + 2 * EXCERPT_WIDTH)
    cells = _cells(raw[first:last])
    widths = [width for _, width in cells]
    start, end = start - first, min(end, last) - first
    lo, hi = 0, len(cells)
    if first > 0 or last < len(raw) or sum(widths) > EXCERPT_WIDTH:
        lo, hi = _window(widths, start, end, EXCERPT_WIDTH - 6)  # room for the two "..."
    before = "..." if first + lo > 0 else ""
    after = "..." if first + hi < len(raw) else ""
    text = before + "".join(shown for shown, _ in cells[lo:hi]) + after
    pad = len(before) + sum(widths[lo:max(start, lo)])
    width = max(1, sum(widths[max(start, lo):min(end, hi)]))
    number = str(finding.line)
    gutter = " " * len(number)
    bar = paint(_BLUE, "|")
    return [
        f"{gutter} {bar}",
        f"{paint(_BLUE, number)} {bar} {text}",
        f"{gutter} {bar} {' ' * pad}{paint(_COLORS[finding.severity], '^' * width)}",
    ]


def _call_path(hops: tuple[str, ...]) -> str:
    """`a -> b -> c`; a very long path keeps its first and last hops: the export and the construct.

    The hops left out may include one the layer already wrote for a run of functions it left out
    (`... (84 more) ...`): the count shown adds up the functions, not the hops."""
    if len(hops) <= CALL_PATH_HEAD + CALL_PATH_TAIL + 1:
        return " -> ".join(hops)
    left_out = sum(elided_count(hop) or 1 for hop in hops[CALL_PATH_HEAD:-CALL_PATH_TAIL])
    return " -> ".join([*hops[:CALL_PATH_HEAD], elided_hops(left_out), *hops[-CALL_PATH_TAIL:]])


def render_finding(finding: Finding, rules: dict[str, Rule], paint: _Paint) -> str:
    excerpt = _code_excerpt(finding, paint)  # reads the file by its real path; escapes as it measures
    rule = rules.get(finding.rule_id)
    help_text = visible(rule.help_line()) if rule is not None else ""  # a project's own rules may say anything
    # Every string may come from the analysed tree or module (paths, export and function names,
    # quoted code): each is made `visible` as it is written.
    color = _COLORS[finding.severity]
    rule_id, path = visible(finding.rule_id), visible(finding.path)
    out = [f"{paint(color, f'{finding.severity.label}[{rule_id}]')}{paint(_BOLD, ': ' + visible(finding.message))}"]
    gutter = " " * max(1, len(str(finding.line)))
    out.append(f"{gutter}{paint(_BLUE, '-->')} {path}:{finding.line}:{finding.column}")
    out.extend(excerpt)
    eq = paint(_BLUE, "=")
    # Module and runtime evidence lines already spell out their path.
    if len(finding.call_path) > 2 and finding.layer is Layer.SOURCE:
        out.append(f"{gutter} {eq} note: call path: {_call_path(tuple(map(visible, finding.call_path)))}")
    for item in finding.evidence:  # runtime lines say themselves whether they confirm
        out.append(f"{gutter} {eq} {visible(evidence_text(item))}")
    hint = f"`wasmlint explain {rule_id}`"
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
        parts.append(f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} ({detail}); {files} checked")
    else:
        parts.append(f"No problems found; {files} checked")
    if report.partial_files:
        parts.append(f"{len(report.partial_files)} only partly analysed (see parse-error)")
    if report.errors:
        parts.append(f"{len(report.errors)} could not be checked")
    parts.extend(map(visible, report.notes))  # a note may name a path
    return "; ".join(parts) + "."


def render_summary(report: Report, *, color: bool = False) -> str:
    """The summary line alone (with `--output`, the report is in the file)."""
    return _Paint(color)(_BOLD, summary(report)) + "\n"


def use_color(stream) -> bool:
    """NO_COLOR wins; then FORCE_COLOR / CLICOLOR_FORCE; then a terminal that can show colour
    (TERM=dumb cannot: Emacs' shell buffers, some CI logs)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") or os.environ.get("CLICOLOR_FORCE"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def render(report: Report, rules: dict[str, Rule], *, color: bool = False, width: int | None = None,
           quiet: bool = False) -> str:
    """The report; `width`: the terminal's, to wrap note lines to; `quiet`: the findings alone."""
    return "".join(chunks(report, rules, color=color, width=width, quiet=quiet))


def chunks(report: Report, rules: dict[str, Rule], *, color: bool = False, width: int | None = None,
           quiet: bool = False) -> Iterator[str]:
    """`render`'s text, a finding's block at a time: a report of many findings is written as it
    is made, never held whole."""
    paint = _Paint(color)
    # An export with many findings shows a few; the rest are one line of locations (layout.py).
    # Blocks are separated by an empty line; quiet, the last one ends with its own line.
    before = ""
    for shown in grouped(report.sorted_findings()):
        block = render_finding(shown.finding, rules, paint)
        if shown.related:
            gutter = " " * max(1, len(str(shown.finding.line)))
            block += f"\n{gutter} {paint(_BLUE, '=')} note: {visible(related_line(shown))}"
        yield before + wrapped(block, width) + "\n"
        before = "\n"
    if quiet:
        return
    # The run's info lines (files that are not part of their crate) open the summary block, so
    # that the summary sentence stays the report's last line.
    infos = [f"{paint(_COLORS[Severity.INFO], 'info')}: {visible(line)}" for line in report.infos]
    yield before + "\n".join([*infos, paint(_BOLD, summary(report))]) + "\n"
