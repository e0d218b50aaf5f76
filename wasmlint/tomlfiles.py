"""TOML files as wasmlint reads them: parsed once per run with their nesting bounded, and each
Cargo.toml key wasmlint uses checked against the shape cargo gives it, so that code reading the
data never meets a value of another type."""

from __future__ import annotations

import datetime
import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from wasmlint.reading import CONFIG_LIMIT, read_regular

# Deeper than any real file nests; tomllib parses arrays and inline tables recursively, so a
# deeper one would end in a RecursionError that depends on how deep the caller's stack is.
MAX_NESTING = 100


class TomlNestingError(tomllib.TOMLDecodeError):
    """Arrays or inline tables nested deeper than MAX_NESTING; the message ends, as tomllib's do,
    with "(at line N, column M)"."""


_NESTING_TOKEN = re.compile(r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]',
                            re.S)


class TomlValueError(tomllib.TOMLDecodeError):
    """A value tomllib refuses with a plain ValueError (a decimal integer of thousands of digits)."""


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"(at line {line}, column {offset - text.rfind(chr(10), 0, offset)})"


def _check_nesting(text: str) -> None:
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return  # cannot nest deeper: no need to scan
    depth = 0
    for token in _NESTING_TOKEN.finditer(text):
        mark = token.group()
        if mark in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                raise TomlNestingError(f"arrays or tables nested deeper than {MAX_NESTING} levels "
                                       f"{_position(text, token.start())}")
        elif mark in ("]", "}"):
            depth = max(depth - 1, 0)


def parse_toml(text: str) -> dict:
    """tomllib.loads, refusing nesting deeper than MAX_NESTING; raises tomllib.TOMLDecodeError
    for every problem of the text."""
    _check_nesting(text)
    try:
        return tomllib.loads(text)
    except RecursionError:  # only when the caller's own stack is already deep
        raise TomlNestingError("arrays or tables nested too deeply for the parser") from None
    except tomllib.TOMLDecodeError:
        raise
    except ValueError:  # Python's limit on the digits of an integer it converts (4300)
        long = re.search(r"[0-9_]{1000,}", text)
        where = f" {_position(text, long.start())}" if long else ""
        raise TomlValueError(f"an integer with thousands of digits{where}") from None


def read_toml(path: Path) -> dict:
    """The parsed file; raises OSError (reading.Unreadable for a file that is not a regular one or
    is too large), UnicodeDecodeError or tomllib.TOMLDecodeError.

    Memoised on the file's size and modification time, so an edited file is read again. The
    result is shared between callers: read it, never change it."""
    stat = os.stat(path)
    return _parsed(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=1024)
def _parsed(path: str, size: int, mtime_ns: int) -> dict:
    return parse_toml(read_regular(path, CONFIG_LIMIT).decode("utf-8"))


# -- shapes -----------------------------------------------------------------------------------------

# A shape checks one value: it returns the value to keep (a wrong table reads as an empty table,
# anything else wrong as absent) and adds one line per wrong value to `problems`.
_ABSENT = object()
Shape = Callable[[object, str, list[str]], object]


# Checked in this order: bool before int (True is an int in Python, not in TOML).
_KINDS = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"), (list, "an array"),
          (dict, "a table"), ((datetime.date, datetime.time), "a date or time"))


def _kind(value: object) -> str:
    return next((name for kinds, name in _KINDS if isinstance(value, kinds)), type(value).__name__)


def _shown(key: str) -> str:
    # Keys come from the file (feature and dependency names): a long one is cut, not repeated whole.
    return key if len(key) <= 80 else key[:77] + "..."


def _wrong(key: str, wanted: str, value: object, problems: list[str]) -> None:
    problems.append(f"`{_shown(key)}` must be {wanted}, not {_kind(value)}; ignored")


def _scalar(kinds: tuple[type, ...], wanted: str) -> Shape:
    def check(value: object, key: str, problems: list[str]) -> object:
        # bool is an int in Python, not in TOML
        if isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool)):
            return value
        _wrong(key, wanted, value, problems)
        return _ABSENT
    return check


STRING = _scalar((str,), "a string")
BOOLEAN = _scalar((bool,), "true or false")


def _path(also_boolean: bool = False) -> Shape:
    """A file or folder name: a string without NUL (which no file name holds, and which makes
    every file-system call raise)."""
    wanted = "a string" + (" or true/false" if also_boolean else "")

    def check(value: object, key: str, problems: list[str]) -> object:
        if isinstance(value, str) and "\x00" in value:
            problems.append(f"`{_shown(key)}` holds a NUL character, which no path can; ignored")
        elif isinstance(value, str) or also_boolean and isinstance(value, bool):
            return value
        else:
            _wrong(key, wanted, value, problems)
        return _ABSENT
    return check


PATH = _path()


def _array(item: Shape, wanted: str) -> Shape:
    def check(value: object, key: str, problems: list[str]) -> object:
        if not isinstance(value, list):
            _wrong(key, wanted, value, problems)
            return _ABSENT
        kept = (item(element, f"{key}[{index}]", problems) for index, element in enumerate(value))
        return [element for element in kept if element is not _ABSENT]
    return check


def _table(fields: dict[str, Shape] | None = None, each: Shape | None = None) -> Shape:
    """A table whose `fields` have their own shapes and whose other keys have the shape `each`
    (None: other keys are kept as they are, wasmlint does not read them)."""
    fields = fields or {}

    def check(value: object, key: str, problems: list[str]) -> object:
        if not isinstance(value, dict):
            _wrong(key, "a table", value, problems)
            return {}
        kept = {}
        for name, element in value.items():
            shape = fields.get(name, each)
            checked = element if shape is None else shape(element, f"{key}.{name}" if key else name, problems)
            if checked is not _ABSENT:
                kept[name] = checked
        return kept
    return check


def _either_string_or_table(table: Shape) -> Shape:
    def check(value: object, key: str, problems: list[str]) -> object:
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            return table(value, key, problems)
        _wrong(key, "a version string or a table", value, problems)
        return _ABSENT
    return check


_DEPENDENCY = _either_string_or_table(_table({"optional": BOOLEAN}))

# The keys of Cargo.toml that wasmlint reads, in the shapes cargo accepts for them.
CARGO_TOML = _table({
    "package": _table({"name": STRING, "build": _path(also_boolean=True), "autobins": BOOLEAN}),
    "workspace": _table({"members": _array(PATH, "an array of paths"),
                         "exclude": _array(PATH, "an array of paths")}),
    "lib": _table({"path": PATH}),
    "bin": _array(_table({"name": PATH, "path": PATH}), "an array of tables ([[bin]])"),
    "features": _table(each=_array(STRING, "an array of feature names")),
    "dependencies": _table(each=_DEPENDENCY),
    "target": _table(each=_table({"dependencies": _table(each=_DEPENDENCY)})),
})


@dataclass(frozen=True)
class CargoToml:
    data: dict  # the file with every key wasmlint reads in its shape (shared: never change it)
    problems: tuple[str, ...]  # one line per value of the wrong shape, naming its key


def read_cargo_toml(path: Path) -> CargoToml:
    """A Cargo.toml with the keys wasmlint reads checked; raises as read_toml does."""
    stat = os.stat(path)
    return _checked(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=1024)
def _checked(path: str, size: int, mtime_ns: int) -> CargoToml:
    problems: list[str] = []
    data = CARGO_TOML(_parsed(path, size, mtime_ns), "", problems)
    assert isinstance(data, dict)
    return CargoToml(data, tuple(problems))


def value_at(data: object, *keys: str) -> object:
    """The value at a dotted key (`value_at(d, "package", "metadata", "wasmlint")`), or None when
    it or a table on the way is missing or not a table: never raises on odd shapes."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
