"""Load and validate the rule files (`rules/<id>.toml`): docs, severity, query and test cases."""

from __future__ import annotations

import dataclasses
import fnmatch
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from wasmlint.config import Config
from wasmlint.evidence import Evidence
from wasmlint.findings import Finding, Layer, Severity, Span
from wasmlint.reading import CONFIG_LIMIT, read_regular, read_regular_text, reason
from wasmlint.registry import BUILTIN, SOURCE_CHECKS
from wasmlint.tomlfiles import parse_toml

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_TYPE_CALL = re.compile(r"^[A-Za-z_]\w*::[A-Za-z_]\w*$")
SCOPES = ("reachable", "export")
RULE_KEYS = {
    "id", "layer", "severity", "summary", "message", "why", "fix",
    "query", "methods", "calls", "macros", "scope", "check", "tests",
    "allocation", "joins-source", "receivers",
}
REQUIRED_KEYS = ("id", "layer", "severity", "summary", "message", "why", "fix")
CASE_KEYS = {"name", "flag", "ok", "lines", "column", "message"}
# What a source rule's matches give its message, by how it matches (a query gives its captures).
METHOD_VALUES = frozenset({"method"})
CALL_VALUES = frozenset({"type", "ctor"})
_NOT_VALUES = {"match", "receiver"}  # captures that mark nodes, never message values
_CAPTURE = re.compile(r"@([A-Za-z_][\w.-]*)")
# A receiver type as `receivers` names it: the base name of the type (`Vec` for `&mut Vec<u8>`,
# `str` for `&str`, `u8`), or `[]` for slices and arrays (`&[u8]`, `[u8; 4]`).
SLICE_RECEIVER = "[]"
_RECEIVER_TYPE = re.compile(r"^(?:[A-Za-z_]\w*|\[\])$")


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and the key."""


class MessageError(ValueError):
    """A finding was asked for without a value its rule's message needs: a bug in the code that
    makes the finding (or a user query whose capture is optional). Names the rule file."""


@dataclass(frozen=True)
class RuleCase:
    name: str
    code: str
    flagged: bool  # True: a `flag` case (must be reported); False: an `ok` case
    lines: tuple[int, ...] = ()  # for flag cases: the 1-based lines that must be reported
    column: int | None = None  # for flag cases: the 1-based column every finding starts at
    message: str | None = None  # for flag cases: the message every finding has


@dataclass(frozen=True)
class Rule:
    id: str
    layer: Layer
    severity: Severity
    summary: str
    message: str  # a format string; placeholders come from the match (see each layer)
    why: str
    fix: str
    query: str | None  # tree-sitter query for source rules; `@match` is the flagged node
    scope: str  # "reachable": the export and every crate fn it reaches; "export": the export only
    check: str | None  # name of a refinement the source layer applies to matches
    tests: tuple[RuleCase, ...]
    origin: Path
    methods: tuple[str, ...] = ()  # instead of a query: method names whose calls it flags (`x.to_string()`)
    calls: tuple[str, ...] = ()  # `Type::function` (or `module::function`) calls it flags (`String::from`),
    # wherever `use` brings the name from; a `query` beside them covers what no path names (`System.alloc(..)`)
    macros: tuple[str, ...] = ()  # instead of a query: macros whose invocations with arguments it flags (`format!`)
    # The values the code that makes its findings gives the message (its placeholders are among them).
    values: tuple[str, ...] = ()
    # A finding says an export may grow memory: its severity follows the export's host contract,
    # and a host that loads the crate is judged by it where no module is built.
    allocation: bool = True
    # A module finding whose evidence joins the source findings that explain it (instead of a
    # second report), placed on its own only when nothing in the source does.
    joins_source: bool = False
    # For a rule that matches method calls: the receiver types on which those methods are the
    # standard library's allocating ones (`push` on `Vec`, `String`...). Empty: the rule does
    # not say, and any receiver matches (except a crate type with its own method of that name).
    receivers: tuple[str, ...] = ()

    def allocates_on(self, receiver: str | None) -> bool | None:
        """Whether a match on a receiver of type `receiver` (its base name, or `[]` for a slice or
        array) is what this rule means: a method of one of its `receivers`. None when the rule
        lists no receivers or the type is not known: the caller decides."""
        if not self.receivers or receiver is None:
            return None
        return receiver in self.receivers

    @property
    def matches_code(self) -> bool:
        """Whether the source layer matches this rule against code (by query, methods, calls or macros)."""
        return bool(self.query or self.methods or self.calls or self.macros)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The names the message uses, in order (checked against `values` when the rule loads)."""
        return message_placeholders(self.message)

    def finding(
        self,
        at: Span,
        values: Mapping[str, str] | None = None,
        *,
        where: str = "",
        layer: Layer | None = None,
        severity: Severity | None = None,
        symbol: str | None = None,
        call_path: tuple[str, ...] = (),
        evidence: tuple[Evidence, ...] = (),
        confirmed: bool = False,
        snippet: str = "",
    ) -> Finding:
        """The one way to make a finding: this rule's message formatted from `values` (then
        `where` the construct sits, for a source finding), at the rule's severity and layer unless
        given. Every value the rule declares must be given; MessageError names the rule file."""
        given = dict(values or {})
        missing = [name for name in (*self.values, *self.placeholders) if name not in given]
        if missing:
            raise MessageError(f"{self.origin}: no value for `{{{missing[0]}}}` in a finding of {self.id}")
        message = self.message.format_map(given)
        return Finding(
            rule_id=self.id,
            severity=self.severity if severity is None else severity,
            message=f"{message} {where}" if where else message,
            path=at.path,
            line=at.line,
            column=at.column,
            end_line=at.end_line,
            end_column=at.end_column,
            layer=self.layer if layer is None else layer,
            symbol=symbol,
            call_path=call_path,
            evidence=evidence,
            confirmed=confirmed,
            snippet=snippet,
            values=given,
        )

    def help_line(self) -> str:
        """The fix's first sentence, on one line: the `= help:` of the text report."""
        paragraph = " ".join(self.fix.strip().split("\n\n")[0].split())
        # A sentence ends at `. ` before a capital letter or a backtick, not inside "e.g. x".
        sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z`])", paragraph, maxsplit=1)[0]
        return sentence.rstrip(".:")


@lru_cache(maxsize=256)  # asked again for every finding a rule makes
def message_placeholders(message: str) -> tuple[str, ...]:
    """The `{names}` a message uses; ValueError for a malformed one (an unmatched brace)."""
    names = [name for _, name, _, _ in string.Formatter().parse(message) if name is not None]
    return tuple(dict.fromkeys(names))


def query_captures(query: str) -> list[set[str]]:
    """The capture names of each top-level pattern of a tree-sitter query, read from its text
    (rules load without tree-sitter). Strings and `;` comments are skipped."""
    patterns: list[set[str]] = []
    depth, index = 0, 0
    while index < len(query):
        char = query[index]
        if char == ";":
            end = query.find("\n", index)
            index = len(query) if end < 0 else end
        elif char == '"':
            index += 1
            while index < len(query) and query[index] != '"':
                index += 2 if query[index] == "\\" else 1
        elif char in "([":
            if depth == 0:
                patterns.append(set())
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        elif char == "@" and (match := _CAPTURE.match(query, index)):
            if patterns:
                patterns[-1].add(match.group(1))
            index = match.end()
            continue
        index += 1
    return patterns


def _matched_values(query: str | None, methods: list, calls: list, macros: list, check: str | None) -> tuple[str, ...]:
    """The values every match of a source rule gives its message: those all its ways of matching
    give (each query pattern its captures, `methods` the method name, `calls` the type and
    function, `macros` none), plus what its `check` adds."""
    ways: list[set[str]] = []
    if methods:
        ways.append(set(METHOD_VALUES))
    if calls:
        ways.append(set(CALL_VALUES))
    if macros:
        ways.append(set())
    if query:
        ways.extend(query_captures(query))
    common = set.intersection(*ways) - _NOT_VALUES if ways else set()
    return tuple(sorted(common | set(SOURCE_CHECKS.get(check or "", ()))))


def builtin_rules_dir() -> Path:
    """The rules shipped with wasmlint: inside the package when installed, the repo's rules/ in a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "rules"
    return installed if installed.is_dir() else here.parent / "rules"


def _require_str(data: dict, key: str, where: str) -> str:
    value = _optional_str(data, key, where)
    if value is None:
        raise RuleError(f"{where}: missing key `{key}`")
    return value


def _optional_str(data: dict, key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{where}: `{key}` must be a non-empty string")
    return value


def _parse_case(raw: object, index: int, where: str) -> RuleCase:
    here = f"{where}: tests[{index}]"
    if not isinstance(raw, dict):
        raise RuleError(f"{here} must be a table")
    unknown = set(raw) - CASE_KEYS
    if unknown:
        raise RuleError(f"{here}: unknown key `{sorted(unknown)[0]}`")
    has_flag, has_ok = "flag" in raw, "ok" in raw
    if has_flag == has_ok:
        raise RuleError(f"{here}: needs exactly one of `flag` or `ok`")
    name = raw.get("name", f"case{index + 1}")
    if not isinstance(name, str) or not RULE_ID.match(name.replace("_", "-")):
        raise RuleError(f"{here}: `name` must be a short kebab-case string")
    code = raw["flag"] if has_flag else raw["ok"]
    if not isinstance(code, str):
        raise RuleError(f"{here}: the snippet must be a string")
    lines = raw.get("lines", [])
    if not isinstance(lines, list) or not all(isinstance(n, int) and n >= 1 for n in lines):
        raise RuleError(f"{here}: `lines` must be a list of 1-based line numbers")
    if lines and not has_flag:
        raise RuleError(f"{here}: `lines` only makes sense for a `flag` case")
    column = raw.get("column")
    if column is not None and (type(column) is not int or column < 1):
        raise RuleError(f"{here}: `column` must be a 1-based column number")
    message = raw.get("message")
    if message is not None and (not isinstance(message, str) or not message):
        raise RuleError(f"{here}: `message` must be the finding's message")
    if (column is not None or message is not None) and not has_flag:
        raise RuleError(f"{here}: `column` and `message` only make sense for a `flag` case")
    return RuleCase(name=name, code=code, flagged=has_flag, lines=tuple(lines), column=column, message=message)


def parse_rule(path: Path) -> Rule:
    where = str(path)
    try:
        data = parse_toml(read_regular_text(path, CONFIG_LIMIT))
    except OSError as exc:
        raise RuleError(f"{where}: {reason(exc)}") from None
    except UnicodeDecodeError as exc:
        raise RuleError(f"{where}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{where}: invalid TOML: {exc}") from None
    unknown = set(data) - RULE_KEYS
    if unknown:
        raise RuleError(f"{where}: unknown key `{sorted(unknown)[0]}`")
    fields = {key: _require_str(data, key, where) for key in REQUIRED_KEYS}
    rule_id = fields["id"]
    if not RULE_ID.match(rule_id):
        raise RuleError(f"{where}: `id` {rule_id!r} must be kebab-case")
    if rule_id != path.stem:
        raise RuleError(f"{where}: `id` {rule_id!r} must equal the file name {path.stem!r}")
    try:
        layer = Layer(fields["layer"])
    except ValueError:
        raise RuleError(f"{where}: `layer` must be one of source, module, runtime, host") from None
    try:
        severity = Severity.parse(fields["severity"])
    except ValueError as exc:
        raise RuleError(f"{where}: `severity`: {exc}") from None
    scope = data.get("scope", "reachable")
    if scope not in SCOPES:
        raise RuleError(f"{where}: `scope` must be one of {', '.join(SCOPES)}")
    query = _optional_str(data, "query", where)
    if query and layer is not Layer.SOURCE:
        raise RuleError(f"{where}: `query` is only for source rules")
    methods = data.get("methods", [])
    if not isinstance(methods, list) or not all(isinstance(m, str) and m.isidentifier() for m in methods):
        raise RuleError(f"{where}: `methods` must be a list of method names")
    if methods and (query or layer is not Layer.SOURCE):
        raise RuleError(f"{where}: `methods` is for source rules without a `query`")
    calls = data.get("calls", [])
    if not isinstance(calls, list) or not all(isinstance(c, str) and _TYPE_CALL.match(c) for c in calls):
        raise RuleError(f"{where}: `calls` must be a list of `Type::function` or `module::function` names")
    if calls and (methods or layer is not Layer.SOURCE):
        raise RuleError(f"{where}: `calls` is for source rules without `methods`")
    macros = data.get("macros", [])
    if not isinstance(macros, list) or not all(isinstance(m, str) and m.isidentifier() for m in macros):
        raise RuleError(f"{where}: `macros` must be a list of macro names (without `!`)")
    if macros and (query or methods or calls or layer is not Layer.SOURCE):
        raise RuleError(f"{where}: `macros` is for source rules without a `query`, `methods` or `calls`")
    check = _optional_str(data, "check", where)
    if check is not None and check not in SOURCE_CHECKS:
        raise RuleError(f"{where}: `check` must be one of {', '.join(sorted(SOURCE_CHECKS))}")
    properties = {}
    for key in ("allocation", "joins-source"):
        if key in data and type(data[key]) is not bool:
            raise RuleError(f"{where}: `{key}` must be true or false")
        properties[key] = data.get(key)
    if properties["joins-source"] and layer is not Layer.MODULE:
        raise RuleError(f"{where}: `joins-source` is for module rules")
    receivers = _parse_receivers(data, where, bool(methods) or _captures_receiver(query))
    implementation = BUILTIN.get(rule_id)
    if implementation is not None and not implementation.matched:
        values = implementation.values
    else:
        values = _matched_values(query, methods, calls, macros, check)
    try:
        placeholders = message_placeholders(fields["message"] or "")
    except ValueError as exc:
        raise RuleError(f"{where}: `message`: {exc}") from None
    for name in placeholders:
        if name not in values:
            gives = ", ".join(f"`{{{value}}}`" for value in values) or "no values"
            raise RuleError(f"{where}: `message` uses `{{{name}}}`, which this rule does not give (it gives {gives})")
    raw_tests = data.get("tests", [])
    if not isinstance(raw_tests, list):
        raise RuleError(f"{where}: `tests` must be an array of tables ([[tests]])")
    tests = tuple(_parse_case(raw, i, where) for i, raw in enumerate(raw_tests))
    names = [case.name for case in tests]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise RuleError(f"{where}: two test cases are named {duplicate!r}")
    return Rule(
        id=rule_id,
        layer=layer,
        severity=severity,
        summary=fields["summary"].strip(),
        message=fields["message"].strip(),
        why=fields["why"].strip(),
        fix=fields["fix"].strip(),
        query=query,
        methods=tuple(methods),
        calls=tuple(calls),
        macros=tuple(macros),
        scope=scope,
        check=check,
        tests=tests,
        origin=path,
        values=values,
        allocation=properties["allocation"] is not False,
        joins_source=properties["joins-source"] is True,
        receivers=receivers,
    )


def _captures_receiver(query: str | None) -> bool:
    """Whether every pattern of a query captures the method call's `@receiver`."""
    patterns = query_captures(query) if query else []
    return bool(patterns) and all("receiver" in captures for captures in patterns)


def _parse_receivers(data: dict, where: str, matches_methods: bool) -> tuple[str, ...]:
    """The `receivers` key: type names (`Vec`, `str`, `[]` for slices), only for a rule whose
    matches have a receiver (`methods`, or a query whose every pattern captures `@receiver`)."""
    if "receivers" not in data:
        return ()
    raw = data["receivers"]
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) and _RECEIVER_TYPE.match(r) for r in raw):
        raise RuleError(f"{where}: `receivers` must be a non-empty list of type names (`Vec`, `str`, `[]` for slices)")
    if not matches_methods:
        raise RuleError(f"{where}: `receivers` is for rules that match method calls "
                        "(`methods`, or a `query` whose every pattern captures `@receiver`)")
    duplicate = next((r for r in raw if raw.count(r) > 1), None)
    if duplicate is not None:
        raise RuleError(f"{where}: `receivers` names {duplicate!r} twice")
    return tuple(raw)


def load_rules_from(directory: Path, cache_dir: Path | None = None) -> dict[str, Rule]:
    """The rules of one directory. With `cache_dir`, parsed rules are kept in the results cache,
    keyed by the bytes of the files: parsing the TOML is most of what loading costs, and every
    run loads every rule."""
    if not directory.is_dir():
        raise RuleError(f"{directory}: rules directory not found")
    files = sorted(directory.glob("*.toml"))

    def parse() -> dict[str, Rule]:
        return {rule.id: rule for rule in map(parse_rule, files)}

    if cache_dir is None:
        return parse()
    from wasmlint.cache import ResultCache, digest, result_key

    try:
        contents = [(path.name, digest(read_regular(path, CONFIG_LIMIT))) for path in files]
    except OSError:
        return parse()  # parse_rule names the file it cannot read
    key = result_key("rules", str(directory.resolve()), contents)
    return ResultCache(cache_dir / "rules").get_or_compute(key, dict[str, Rule], parse)


@cache
def builtin_rules(cache_dir: Path | None = None) -> dict[str, Rule]:
    return load_rules_from(builtin_rules_dir(), cache_dir)


def load_rules(extra_dirs: tuple[Path, ...] = (), cache_dir: Path | None = None) -> dict[str, Rule]:
    """Built-in rules plus the user's rule directories; a user rule may not reuse a built-in id."""
    rules = dict(builtin_rules(cache_dir))
    for directory in extra_dirs:
        for rule_id, rule in load_rules_from(directory, cache_dir).items():
            if rule_id in rules:
                raise RuleError(f"{rule.origin}: rule id {rule_id!r} is already defined by {rules[rule_id].origin}")
            rules[rule_id] = rule
    return rules


def matches_selector(rule_id: str, selector: str) -> bool:
    """A selector is a rule id or a glob over ids, e.g. `*-in-export` for a whole family."""
    return rule_id == selector or fnmatch.fnmatchcase(rule_id, selector)


def check_selectors(selectors: tuple[str, ...], rules: dict[str, Rule]) -> None:
    for selector in selectors:
        if not any(matches_selector(rule_id, selector) for rule_id in rules):
            raise RuleError(f"unknown rule id or pattern {selector!r} (see `wasmlint rules`)")


def select_rules(rules: dict[str, Rule], config: Config) -> dict[str, Rule]:
    """Apply select / ignore and severity overrides from the configuration."""
    overrides = dict(config.severity)
    chosen: dict[str, Rule] = {}
    for rule_id, rule in rules.items():
        if not any(matches_selector(rule_id, s) for s in config.select):
            continue
        if any(matches_selector(rule_id, s) for s in config.ignore):
            continue
        level = next((lvl for sel, lvl in overrides.items() if matches_selector(rule_id, sel)), None)
        chosen[rule_id] = dataclasses.replace(rule, severity=level) if level is not None else rule
    return chosen
