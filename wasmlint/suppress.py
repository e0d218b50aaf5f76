"""`// wasmlint: allow(rule-id) -- reason` comments: what they cover, what they hide, which went unused.

An allow (in a Rust or a JavaScript/TypeScript comment) at the end of a line covers that line. An allow
on a line of its own covers the next
item: a statement, or a whole `fn` (with its attributes) when placed above it. Which findings the
allows hide is worked out as plain data (`Hidden`: the findings' keys, and which allow and id hid
each), so that the check can decide it once per finding, consult it while joining the layers, drop
the hidden findings once at the end, and report the allows that hid nothing as `unused-suppression`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from wasmlint.findings import Finding, Span, finding_key
from wasmlint.registry import INVALID_SUPPRESSION, UNUSED_SUPPRESSION
from wasmlint.rules import Rule, matches_selector

if TYPE_CHECKING:  # tree-sitter is imported only by parsing, which a fully cached run never needs
    from tree_sitter import Tree

_MARKER = re.compile(rb"//[/!]?\s*wasmlint:")
_DIRECTIVE = re.compile(r"^//[/!]?\s*wasmlint:\s*(?P<body>.*)$")
_ALLOW = re.compile(r"^allow\s*(\((?P<ids>[^)]*)\))?\s*(?P<rest>.*)$")
_COMMENT_TYPES = ("line_comment", "block_comment", "comment")  # Rust; JavaScript and TypeScript


class ParsedFile(Protocol):
    """A parsed file of either layer that reads comments (source/parsing.SourceFile, host/parsing.HostFile)."""

    display: str
    source: bytes
    tree: Tree

    def column(self, byte: int, byte_column: int) -> int: ...


@dataclass(frozen=True)
class Suppression:
    path: str
    line: int  # where the comment is (1-based)
    column: int
    end_column: int
    first_line: int  # the lines it covers
    last_line: int
    selectors: tuple[str, ...]

    def covers(self, finding: Finding) -> str | None:
        if finding.path != self.path or not self.first_line <= finding.line <= self.last_line:
            return None
        return next((s for s in self.selectors if matches_selector(finding.rule_id, s)), None)


@dataclass
class Problem:
    path: str
    line: int
    column: int
    end_column: int
    detail: str


def _covered_lines(comment, trailing: bool) -> tuple[int, int]:
    row = comment.start_point[0]
    if trailing:
        return row + 1, row + 1
    target = comment.next_named_sibling
    while target is not None and target.type in _COMMENT_TYPES:
        target = target.next_named_sibling
    if target is None:
        return row + 2, row + 1  # covers nothing: an empty range
    end = target
    while end is not None and end.type == "attribute_item":
        end = end.next_named_sibling
    last = (end or target).end_point[0]
    return row + 2, last + 1


def find_suppressions(file: ParsedFile, known_ids: set[str]) -> tuple[list[Suppression], list[Problem]]:
    suppressions: list[Suppression] = []
    problems: list[Problem] = []
    if b"wasmlint:" not in file.source:
        return suppressions, problems
    root = file.tree.root_node
    for marker in _MARKER.finditer(file.source):
        comment = root.descendant_for_byte_range(marker.start(), marker.end())
        if comment is None or comment.type not in _COMMENT_TYPES or comment.start_byte != marker.start():
            continue  # inside a string literal or not at the start of a comment
        row, byte_col = comment.start_point
        comment_bytes = file.source[comment.start_byte:comment.end_byte]
        text = comment_bytes.decode("utf-8", errors="replace").strip()
        width = len(comment_bytes.rstrip(b"\r\n"))
        column = file.column(comment.start_byte, byte_col)
        end_column = file.column(comment.start_byte + width, byte_col + width)
        directive = _DIRECTIVE.match(text)
        body = directive.group("body").strip() if directive else ""
        allow = _ALLOW.match(body)
        where = (file.display, row + 1, column, end_column)
        if allow is None:
            problems.append(Problem(*where, f"unknown wasmlint directive `{body.split(' ')[0] or body}`: expected `allow(rule-id)`"))
            continue
        ids = tuple(part.strip() for part in (allow.group("ids") or "").split(",") if part.strip())
        if not ids:
            problems.append(Problem(*where, "`allow` names no rule: write `// wasmlint: allow(rule-id) -- reason`"))
            continue
        unknown = [i for i in ids if not any(matches_selector(known, i) for known in known_ids)]
        if unknown:
            problems.append(Problem(*where, f"unknown rule id `{unknown[0]}` in `allow(...)` (see `wasmlint rules`)"))
            ids = tuple(i for i in ids if i not in unknown)
            if not ids:
                continue
        trailing = bool(file.source[comment.start_byte - byte_col : comment.start_byte].strip())
        first, last = _covered_lines(comment, trailing)
        suppressions.append(Suppression(file.display, row + 1, column, end_column, first, last, ids))
    return suppressions, problems


@dataclass(frozen=True)
class Hidden:
    """What the allows hide: the `finding_key`s of the findings they cover, and each (allow, id)
    that covered at least one."""

    keys: frozenset[tuple] = frozenset()
    used: frozenset[tuple[Suppression, str]] = frozenset()

    def shown(self, findings: list[Finding]) -> list[Finding]:
        """`findings` without the hidden ones."""
        return [finding for finding in findings if finding_key(finding) not in self.keys]


def hidden_by(findings: list[Finding], suppressions: list[Suppression]) -> Hidden:
    """Which of `findings` the allows cover, and which allows (by id) covered any.

    The findings of each file are taken in line order, with the allows whose lines have begun and
    not ended: each finding is tested only against allows that cover its line, not against every
    allow of its file.
    """
    by_path: dict[str, list[Suppression]] = {}
    for suppression in suppressions:
        by_path.setdefault(suppression.path, []).append(suppression)
    for in_file in by_path.values():
        in_file.sort(key=lambda suppression: suppression.first_line)
    keys: set[tuple] = set()
    used: set[tuple[Suppression, str]] = set()
    in_order = sorted((finding for finding in findings if finding.path in by_path),
                      key=lambda finding: (finding.path, finding.line))
    path: str | None = None
    allows: list[Suppression] = []  # the allows of `path`, by first line
    begun = 0
    covering: list[Suppression] = []
    for finding in in_order:
        if finding.path != path:
            path, allows, begun, covering = finding.path, by_path[finding.path], 0, []
        while begun < len(allows) and allows[begun].first_line <= finding.line:
            covering.append(allows[begun])
            begun += 1
        covering = [suppression for suppression in covering if suppression.last_line >= finding.line]
        for suppression in covering:
            selector = suppression.covers(finding)
            if selector is not None:
                used.add((suppression, selector))
                keys.add(finding_key(finding))
    return Hidden(frozenset(keys), frozenset(used))


def suppression_findings(
    suppressions: list[Suppression],
    problems: list[Problem],
    rules: dict[str, Rule],
    active: set[str],
    used: frozenset[tuple[Suppression, str]],
) -> list[Finding]:
    """`unused-suppression` and `invalid-suppression` findings, once every layer's findings were judged.

    `used` holds each (allow, id) that hid a finding of any layer (`Hidden.used`); `active` the ids
    of rules that ran: an allow for a rule that did not run (deselected, or its layer was not asked
    for) is not called unused.
    """
    found: list[Finding] = []
    if UNUSED_SUPPRESSION in rules:
        rule = rules[UNUSED_SUPPRESSION]
        for suppression in suppressions:
            for selector in suppression.selectors:
                ran = any(matches_selector(rule_id, selector) for rule_id in active)
                if (suppression, selector) not in used and ran:
                    found.append(_meta_finding(rule, suppression.path, suppression.line, suppression.column,
                                               suppression.end_column, {"rule": selector}))
    if INVALID_SUPPRESSION in rules:
        rule = rules[INVALID_SUPPRESSION]
        for problem in problems:
            found.append(_meta_finding(rule, problem.path, problem.line, problem.column, problem.end_column,
                                       {"detail": problem.detail}))
    return found


def _meta_finding(rule: Rule, path: str, line: int, column: int, end_column: int, values: dict[str, str]) -> Finding:
    finding = rule.finding(Span(path, line, column, line, max(end_column, column + 1)), values)
    return finding.replace(snippet=finding.message)  # a comment's finding is known by what it says
