"""Load and validate the rule files (`rules/<id>.toml`): docs, severity, query and test cases."""

from __future__ import annotations

import dataclasses
import fnmatch
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from wasmlint.config import Config
from wasmlint.findings import Layer, Severity
from wasmlint.reading import CONFIG_LIMIT, read_regular, read_regular_text, reason
from wasmlint.tomlfiles import parse_toml

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_TYPE_CALL = re.compile(r"^[A-Za-z_]\w*::[A-Za-z_]\w*$")
SCOPES = ("reachable", "export")
RULE_KEYS = {
    "id", "layer", "severity", "summary", "message", "why", "fix",
    "query", "methods", "calls", "macros", "scope", "check", "tests",
}
REQUIRED_KEYS = ("id", "layer", "severity", "summary", "message", "why", "fix")
CASE_KEYS = {"name", "flag", "ok", "lines"}


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class RuleCase:
    name: str
    code: str
    flagged: bool  # True: a `flag` case (must be reported); False: an `ok` case
    lines: tuple[int, ...] = ()  # for flag cases: the 1-based lines that must be reported


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

    @property
    def matches_code(self) -> bool:
        """Whether the source layer matches this rule against code (by query, methods, calls or macros)."""
        return bool(self.query or self.methods or self.calls or self.macros)

    def format_message(self, **values: str) -> str:
        try:
            return self.message.format(**values)
        except (KeyError, IndexError, ValueError):
            return self.summary

    def help_line(self) -> str:
        """The fix's first sentence, on one line: the `= help:` of the text report."""
        paragraph = " ".join(self.fix.strip().split("\n\n")[0].split())
        # A sentence ends at `. ` before a capital letter or a backtick, not inside "e.g. x".
        sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z`])", paragraph, maxsplit=1)[0]
        return sentence.rstrip(".:")


def builtin_rules_dir() -> Path:
    """The rules shipped with wasmlint: inside the package when installed, the repo's rules/ in a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "rules"
    return installed if installed.is_dir() else here.parent / "rules"


def _require_str(data: dict, key: str, where: str, *, optional: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if optional:
            return None
        raise RuleError(f"{where}: missing key `{key}`")
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
    return RuleCase(name=name, code=code, flagged=has_flag, lines=tuple(lines))


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
    query = _require_str(data, "query", where, optional=True)
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
        check=_require_str(data, "check", where, optional=True),
        tests=tests,
        origin=path,
    )


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
