"""Evaluate `#[cfg(...)]` and `#[cfg_attr(...)]` as cargo does for `--target wasm32-unknown-unknown`,
with the crate's features as its `[features]` table and the feature options resolve them.

Works on attribute text (`cfg_attr(feature = "x", wasm_bindgen)`), so that discovery can follow
`mod` declarations without tree-sitter, and the source layer can ask the same questions of the
attributes it parses. Nothing here imports the rest of wasmlint's pipeline. Every run with a crate
imports this module, so its records are named tuples and plain classes: a frozen dataclass costs
the start-up path most of a millisecond to create.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

# What rustc sets for wasm32-unknown-unknown (`rustc --print cfg --target wasm32-unknown-unknown`).
# Every other name or key is false: `unix`, `windows`, `test`, `doc`, `debug_assertions` (wasmlint
# builds in release), `target_feature = "..."` (none is on by default), and cfgs a build script
# would set with `cargo:rustc-cfg`, which wasmlint does not run.
WASM32_TARGET: dict[str, frozenset[str]] = {
    "target_arch": frozenset({"wasm32"}),
    "target_family": frozenset({"wasm"}),
    "target_os": frozenset({"unknown"}),
    "target_env": frozenset({""}),
    "target_vendor": frozenset({"unknown"}),
    "target_endian": frozenset({"little"}),
    "target_pointer_width": frozenset({"32"}),
    "target_has_atomic": frozenset({"8", "16", "32", "64", "ptr"}),
    "panic": frozenset({"abort"}),
}


class BuildCfg(NamedTuple):
    """One build's configuration: the wasm32 target and the features enabled in the crate."""

    features: frozenset[str] = frozenset()

    def value_set(self, key: str) -> frozenset[str]:
        if key == "feature":
            return self.features
        return WASM32_TARGET.get(key, frozenset())


class FeatureRequest(NamedTuple):
    """The feature options as cargo spells them: `--features a,b`, `--all-features`,
    `--no-default-features`. `features` may hold `crate/feature` (a feature of that package, or of
    a dependency: then it only turns the optional dependency on)."""

    features: tuple[str, ...] = ()
    all_features: bool = False
    no_default_features: bool = False

    def describe(self) -> str:
        parts = []
        if self.all_features:
            parts.append("--all-features")
        if self.no_default_features:
            parts.append("--no-default-features")
        if self.features:
            parts.append("--features " + ",".join(self.features))
        return " ".join(parts) or "default features"


class Features:
    """What a request turns on in one crate, and the requested names the crate does not have."""

    def __init__(self, enabled: frozenset[str], known: frozenset[str], unknown: list[str] | None = None) -> None:
        self.enabled = enabled
        self.known = known
        self.unknown = unknown or []

    def __repr__(self) -> str:
        return f"Features(enabled={sorted(self.enabled)}, known={sorted(self.known)}, unknown={self.unknown})"


def crate_features(manifest: dict | None, request: FeatureRequest, package: str) -> Features:
    """The features of a crate (its `Cargo.toml` data) that a request enables, as cargo resolves
    them: `default` unless `--no-default-features`, then every feature an enabled one lists,
    followed. `dep:x` enables a dependency, not a feature; `x/f` enables the optional dependency
    `x` (whose implicit feature `x` exists unless some feature says `dep:x`); `x?/f` enables nothing
    here."""
    manifest = manifest if isinstance(manifest, dict) else {}
    table = manifest.get("features")
    table = table if isinstance(table, dict) else {}
    implicit = _optional_dependencies(manifest) - _named_with_dep_prefix(table)
    known = frozenset(str(name) for name in table) | implicit
    start: set[str] = set()
    unknown: list[str] = []
    if request.all_features:
        start |= known
    elif not request.no_default_features and "default" in table:
        start.add("default")
    for name in request.features:
        owner, _, feature = name.rpartition("/")
        if owner and owner != package:
            if owner in implicit:
                start.add(owner)  # a dependency's feature turns the optional dependency on
            continue
        if feature in known:
            start.add(feature)
        elif not request.all_features:
            unknown.append(name)
    enabled: set[str] = set()
    pending = list(start)
    while pending:
        name = pending.pop()
        if name in enabled:
            continue
        enabled.add(name)
        values = table.get(name)
        for value in values if isinstance(values, list) else ():
            if not isinstance(value, str) or value.startswith("dep:"):
                continue
            dependency, slash, _ = value.partition("/")
            if slash:
                if not dependency.endswith("?") and dependency in implicit:
                    pending.append(dependency)
            elif value in known:
                pending.append(value)
    return Features(frozenset(enabled), known, unknown)


def _optional_dependencies(manifest: dict) -> frozenset[str]:
    tables = [manifest.get("dependencies")]
    targets = manifest.get("target")
    if isinstance(targets, dict):
        tables += [t.get("dependencies") for t in targets.values() if isinstance(t, dict)]
    found = set()
    for table in tables:
        if isinstance(table, dict):
            found |= {name for name, spec in table.items() if isinstance(spec, dict) and spec.get("optional") is True}
    return frozenset(found)


def _named_with_dep_prefix(table: dict) -> frozenset[str]:
    return frozenset(
        value[4:] for values in table.values() if isinstance(values, list)
        for value in values if isinstance(value, str) and value.startswith("dep:")
    )


# -- attribute text -> tokens -> meta items -------------------------------------------------------

_TOKEN = re.compile(
    r'\s+|//[^\n]*|/\*.*?\*/'
    r'|(?P<string>b?r(?P<hashes>#*)".*?"(?P=hashes)|b?"(?:[^"\\]|\\.)*")'
    r"|(?P<word>(?:r#)?[A-Za-z_][A-Za-z0-9_]*(?:\s*::\s*(?:r#)?[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<punct>.)",
    re.S,
)
_CLOSING = {"(": ")", "[": "]", "{": "}"}


class Group(NamedTuple):
    """A delimited token group: `(...)`, `[...]` or `{...}`."""

    open: str
    items: tuple  # str tokens and nested Groups


def tokens(text: str) -> tuple:
    """Attribute text as a token tree: words (`a::b` joined), string literals, punctuation, Groups."""
    stack: list[tuple[str, list]] = [("", [])]
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue  # whitespace or a comment
        token = match.group(kind)
        if kind == "word":
            token = re.sub(r"\s+", "", token)
        if kind == "punct" and token in _CLOSING:
            stack.append((token, []))
        elif kind == "punct" and token in (")", "]", "}") and len(stack) > 1:
            opened, items = stack.pop()
            stack[-1][1].append(Group(opened, tuple(items)))
        else:
            stack[-1][1].append(token)
    while len(stack) > 1:  # unbalanced: close what is open
        opened, items = stack.pop()
        stack[-1][1].append(Group(opened, tuple(items)))
    return tuple(stack[0][1])


def split_commas(items: tuple) -> list[tuple]:
    parts: list[tuple] = []
    current: list = []
    for item in items:
        if item == ",":
            parts.append(tuple(current))
            current = []
        else:
            current.append(item)
    if current:
        parts.append(tuple(current))
    return parts


class Meta(NamedTuple):
    """One attribute: `path`, `path = value` or `path(args)`. `name` is the path's last segment."""

    path: str
    args: tuple | None = None  # the tokens inside `(...)`
    value: str | None = None  # the literal after `=`, its value when a string (escapes read)
    literal: str | None = None  # that literal as written

    @property
    def name(self) -> str:
        return self.path.rsplit("::", 1)[-1]

    def arg(self, key: str) -> str | None:
        """The value of `key = value` among the arguments (`js_name = "x"` or `js_name = x`)."""
        for part in split_commas(self.args or ()):
            if len(part) >= 3 and part[0] == key and part[1] == "=" and isinstance(part[2], str):
                return _unquote(part[2])
        return None

    def flags(self) -> set[str]:
        """The bare words among the arguments (`start`, `constructor`)."""
        return {part[0] for part in split_commas(self.args or ()) if len(part) == 1 and isinstance(part[0], str)}


def _unquote(token: str) -> str:
    if '"' in token:  # a string literal (`"..."`, `r#"..."#`); words and punctuation hold no quote
        return string_value(token)
    return token


# The escapes of a Rust string literal: `\n`-style, `\x7f`, `\u{10ffff}` (underscores allowed), and
# a backslash ending a line, which skips the line break and the whitespace after it.
_ESCAPE = re.compile(r'\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F][0-9a-fA-F_]{0,7})\}|\r?\n[ \t\n\r]*|(.))', re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "0": "\0", "'": "'", '"': '"'}


def string_value(literal: str) -> str:
    """The value of a Rust string literal as rustc reads it (`"sub\\x2fh.rs"` is `sub/h.rs`; raw
    strings `r#"..."#` as written). A literal rustc would reject keeps its text as written."""
    start = literal.index('"')
    prefix = literal[:start]
    hashes = prefix.lstrip("br")
    body = literal[start + 1 : len(literal) - 1 - len(hashes)]
    if "r" in prefix or "\\" not in body:
        return body
    limit = 0xFF if prefix.startswith("b") else 0x7F  # `\x` reaches 0xff only in byte strings

    def one(match: re.Match) -> str:
        byte, code, simple = match.group(1), match.group(2), match.group(3)
        if byte is not None:
            if int(byte, 16) > limit:
                raise ValueError(byte)
            return chr(int(byte, 16))
        if code is not None:
            digits = code.replace("_", "")
            value = int(digits, 16)
            if len(digits) > 6 or value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                raise ValueError(code)
            return chr(value)
        if simple is None:
            return ""  # a line continuation
        if simple not in _SIMPLE_ESCAPES:
            raise ValueError(simple)
        return _SIMPLE_ESCAPES[simple]

    try:
        return _ESCAPE.sub(one, body)
    except ValueError:
        return body


def meta_of(items: tuple) -> Meta | None:
    if not items or not isinstance(items[0], str) or items[0] in ("=", ","):
        return None
    path = items[0]
    if len(items) >= 2 and isinstance(items[1], Group) and items[1].open == "(":
        return Meta(path, args=items[1].items)
    if len(items) >= 3 and items[1] == "=" and isinstance(items[2], str):
        return Meta(path, value=_unquote(items[2]), literal=items[2])
    return Meta(path)


@lru_cache(maxsize=4096)
def parse_attribute(text: str) -> Meta | None:
    """The text inside `#[...]` as a Meta (None when it is not an attribute's shape)."""
    return meta_of(tokens(text))


# -- predicates ------------------------------------------------------------------------------------

Predicate = tuple  # ("all"|"any", (p, ...)) | ("not", p) | ("name", n) | ("is", key, value) | ("bad", text)


def predicate(items: tuple) -> Predicate:
    """A cfg predicate from its tokens. Anything malformed is ("bad", text), which holds: wasmlint
    keeps code it cannot judge rather than lose what it would find in it."""
    if len(items) == 1 and isinstance(items[0], str) and not items[0].startswith('"'):
        return ("name", items[0])
    if len(items) == 3 and isinstance(items[0], str) and items[1] == "=" and isinstance(items[2], str) and items[2].endswith('"'):
        return ("is", items[0], _unquote(items[2]))
    if len(items) == 2 and items[0] in ("all", "any", "not") and isinstance(items[1], Group) and items[1].open == "(":
        parts = tuple(predicate(part) for part in split_commas(items[1].items))
        if items[0] == "not":
            return ("not", parts[0]) if len(parts) == 1 else ("bad", _show_items(items))
        return (items[0], parts)
    return ("bad", _show_items(items))


def holds(pred: Predicate, build: BuildCfg) -> bool:
    kind = pred[0]
    if kind == "is":
        return pred[2] in build.value_set(pred[1])
    if kind == "name":
        return False  # no bare name (unix, windows, test, debug_assertions...) is set for wasm32
    if kind == "all":
        return all(holds(p, build) for p in pred[1])
    if kind == "any":
        return any(holds(p, build) for p in pred[1])
    if kind == "not":
        return not holds(pred[1], build)
    return True  # malformed: kept


def show(pred: Predicate) -> str:
    """The predicate as Rust spells it, spaced the usual way: `all(feature = "a", not(test))`."""
    kind = pred[0]
    if kind == "is":
        return f'{pred[1]} = "{pred[2]}"'
    if kind == "name":
        return pred[1]
    if kind in ("all", "any"):
        return f"{kind}({', '.join(show(p) for p in pred[1])})"
    if kind == "not":
        return f"not({show(pred[1])})"
    return pred[1]


def _show_items(items: tuple) -> str:
    out = []
    for item in items:
        if isinstance(item, Group):
            out.append(item.open + _show_items(item.items) + _CLOSING[item.open])
        elif item == ",":
            out.append(", ")
        elif item == "=":
            out.append(" = ")
        else:
            if out and out[-1][-1:].isalnum():
                out.append(" ")
            out.append(item)
    return "".join(out)


def combine(conditions: tuple[str, ...]) -> str | None:
    """Several conditions that all had to hold, as one: `all(a, b)`; None for no condition."""
    unique = tuple(dict.fromkeys(conditions))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else f"all({', '.join(unique)})"


# -- attributes under a build ---------------------------------------------------------------------


def applied(meta: Meta, build: BuildCfg, depth: int = 0) -> list[tuple[Meta, tuple[str, ...]]]:
    """The attributes `meta` stands for in this build, each with the cfg_attr conditions that
    applied it: `cfg_attr(P, a, b)` is `a` and `b` when P holds (nested ones followed), nothing
    otherwise; `unsafe(a)` is `a`; anything else is itself with no condition."""
    if meta.name == "cfg_attr" and meta.args is not None and depth < 16:
        parts = split_commas(meta.args)
        if not parts:
            return []
        pred = predicate(parts[0])
        if not holds(pred, build):
            return []
        found = []
        for part in parts[1:]:
            inner = meta_of(part)
            if inner is not None:
                found += [(m, (show(pred), *conditions)) for m, conditions in applied(inner, build, depth + 1)]
        return found
    if meta.name == "unsafe" and meta.args is not None and depth < 16:
        inner = meta_of(meta.args)
        return applied(inner, build, depth + 1) if inner is not None else []
    return [(meta, ())]


@lru_cache(maxsize=8192)
def attribute_applied(text: str, build: BuildCfg) -> tuple[tuple[Meta, tuple[str, ...]], ...]:
    """`applied` for the text inside `#[...]`, cached (the same attributes recur across a crate)."""
    meta = parse_attribute(text)
    return tuple(applied(meta, build)) if meta is not None else ()


def cfg_condition(meta: Meta) -> Predicate | None:
    """The predicate of a `cfg(...)` attribute, else None."""
    if meta.path != "cfg" or meta.args is None:
        return None
    return predicate(meta.args)


def excluded_by(texts, build: BuildCfg) -> str | None:
    """The first `cfg` among attribute texts (cfg_attr-applied ones included) that is false for the
    build, as written; None when every one holds."""
    for text in texts:
        for meta, _ in attribute_applied(text, build):
            pred = cfg_condition(meta)
            if pred is not None and not holds(pred, build):
                return show(pred)
    return None


def conditions_of(texts, build: BuildCfg) -> tuple[str, ...]:
    """The `cfg` predicates among attribute texts that hold (and so enabled the item)."""
    found: list[str] = []
    for text in texts:
        for meta, applied_by in attribute_applied(text, build):
            pred = cfg_condition(meta)
            if pred is not None:
                found += [*applied_by, show(pred)]
    return tuple(found)
