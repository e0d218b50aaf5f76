"""How the text report fits a reader: an export with many findings shows a few, the rest as one line
of locations under them; long note lines wrap to the terminal. Only the text report is shaped so:
JSON, SARIF, the annotations and the concise format keep every finding."""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from wasmlint.findings import Finding, Layer

# Findings of one export shown in full; the rest are listed by location under the last one.
SHOWN_PER_EXPORT = 5
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_NOTE = re.compile(r"^( +)(?:\x1b\[[0-9;]*m)?=(?:\x1b\[[0-9;]*m)? ")


@dataclass(frozen=True, slots=True)
class Shown:
    """A finding shown in full, and the findings of the same export it stands for (shown as locations)."""

    finding: Finding
    related: tuple[Finding, ...] = ()


def export_group(finding: Finding) -> tuple | None:
    """The export a finding belongs to, for grouping: its symbol within its crate (two crates may
    both export `set_name`), or within its host file for a host's findings. None: never grouped."""
    if not finding.symbol:
        return None
    if finding.layer is Layer.HOST:
        return ("host", finding.path, finding.symbol)
    return ("crate", _crate_of(finding.path), finding.symbol)


def _crate_of(path: str) -> str:
    """The crate is what lies above its src/ folder (or the file's folder when there is none)."""
    parts = path.split("/")
    return "/".join(parts[:len(parts) - 1 - parts[::-1].index("src")]) if "src" in parts[:-1] else "/".join(parts[:-1])


class _Groups:
    """export_group with each path's crate worked out once: thousands of findings in one module
    file would otherwise each hold their own copy of the same crate string in their key."""

    def __init__(self) -> None:
        self.crates: dict[str, str] = {}

    def __call__(self, finding: Finding) -> tuple | None:
        if not finding.symbol or finding.layer is Layer.HOST:
            return export_group(finding)
        crate = self.crates.get(finding.path)
        if crate is None:
            crate = self.crates[finding.path] = _crate_of(finding.path)
        return ("crate", crate, finding.symbol)


def grouped(findings: list[Finding], limit: int = SHOWN_PER_EXPORT) -> Iterator[Shown]:
    """`findings` (in report order) with each export's findings beyond `limit` folded into the last
    one shown: the most severe are shown, in report order, at the place of the export's first.
    Given as they are made, and only the large groups' members are held: a report of thousands of
    findings, one per export, is written without a second table of them."""
    group_of = _Groups()
    sizes = Counter(key for key in map(group_of, findings) if key is not None)
    large: dict[tuple, list[Finding]] = {key: [] for key, size in sizes.items() if size > limit}
    del sizes
    if not large:
        yield from map(Shown, findings)
        return
    for finding in findings:
        members = large.get(group_of(finding))  # type: ignore[arg-type]
        if members is not None:
            members.append(finding)
    placed: set[tuple] = set()
    for finding in findings:
        key = group_of(finding)
        if key not in large:
            yield Shown(finding)
            continue
        if key in placed:
            continue
        placed.add(key)
        group = large[key]
        order = {id(f): i for i, f in enumerate(group)}
        first = sorted(sorted(group, key=lambda f: -f.severity)[:limit], key=lambda f: order[id(f)])
        kept = {id(f) for f in first}
        rest = tuple(f for f in group if id(f) not in kept)
        yield from [Shown(f) for f in first[:-1]] + [Shown(first[-1], rest)]


def related_line(shown: Shown) -> str:
    """`N more findings in exported function `x`: path:line:col rule, ...` for a group's last block."""
    rest = shown.related
    places = ", ".join(f"{f.path}:{f.line}:{f.column} {f.rule_id}" for f in rest)
    return (f"{len(rest)} more finding{'s' if len(rest) != 1 else ''} in exported function "
            f"`{shown.finding.symbol}` (each in --format concise or json): {places}")


def wrapped(block: str, width: int | None) -> str:
    """The report's `= ...` note lines wrapped to `width` terminal columns, their continuation lines
    indented under the note's text; the rest as it is. None: no wrapping (not a terminal)."""
    if not width:
        return block
    out = []
    for line in block.split("\n"):
        match = _NOTE.match(line)
        if match is None or len(_COLOUR.sub("", line)) <= width:
            out.append(line)
            continue
        lead = match.group(0)  # "   = " with its colours
        lead_width = len(_COLOUR.sub("", lead))
        # Continuation lines start under the note's text, after its "help: " / "module: " word.
        word = re.match(r"[a-z]+: ", line[len(lead):])
        indent = " " * (lead_width + (len(word.group(0)) if word else 0))
        parts = textwrap.wrap(line[len(lead):], width=width, initial_indent=" " * lead_width,
                              subsequent_indent=indent, break_on_hyphens=False, break_long_words=False)
        out.append(lead + parts[0][lead_width:])
        out += parts[1:]
    return "\n".join(out)
