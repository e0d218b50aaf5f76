"""The one data model the four layers (source, module, runtime, host) produce and every reporter
reads: findings and run errors.

A finding is made by its rule (`Rule.finding` in rules.py), from the values its message names;
what backs it is typed evidence (evidence.py), which the reporters put into words."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, TypeVar

from wasmlint.evidence import Evidence


# The words for a path to `memory.grow` that takes an indirect call no constant of the export's
# code resolved (matched by its type alone), in the module layer's evidence and in the message
# merge.py gives such a finding when the source shows no allocation.
UNRESOLVED_INDIRECT = "through an unresolved indirect call"


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Layer(StrEnum):
    SOURCE = "source"
    MODULE = "module"
    RUNTIME = "runtime"
    HOST = "host"


@dataclass(frozen=True, slots=True)
class Span:
    """Where a finding sits: a file and a 1-based range (columns in characters, the end exclusive).
    `Span(path)` is the start of the file, where module and runtime findings sit."""

    path: str  # POSIX, relative to the project root
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


# Generated code makes thousands of findings that differ only in where they sit (the same message,
# call path, values): each keeps one shared copy of what equals a recent finding's.
_Shared = TypeVar("_Shared", str, tuple, "Values")


class _Recent:
    """The first of the values equal to each one seen lately: a table emptied when it fills. (An
    `lru_cache` keeps about 150 bytes of bookkeeping an entry, a dict about 40: with findings that
    share nothing, such as one per export of a generated module, that bookkeeping is all it keeps.)"""

    __slots__ = ("table", "size")

    def __init__(self, size: int) -> None:
        self.table: dict[object, object] = {}
        self.size = size

    def __call__(self, value: _Shared) -> _Shared:
        table = self.table
        found = table.get(value)
        if found is None:
            if len(table) >= self.size:
                table.clear()
            table[value] = found = value
        return found  # type: ignore[return-value]  # equal to `value`, so of its type


_shared = _Recent(4096)


class Values(Mapping[str, str]):
    """The values a finding's message was formatted from, read only: the names (in sorted order,
    one tuple shared by every finding of the same names) and the values, two tuples instead of a
    dict (about 110 bytes against 200, for each of thousands of findings that do not share them)."""

    __slots__ = ("_names", "_items")

    def __init__(self, given: Mapping[str, str] | None = None) -> None:
        names = tuple(sorted(given)) if given else ()
        self._names = _shared(names)
        self._items = tuple(given[name] for name in names) if given else ()

    def __getitem__(self, name: str) -> str:
        try:
            return self._items[self._names.index(name)]
        except ValueError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Values):
            return self._names == other._names and self._items == other._items
        return Mapping.__eq__(self, other)

    def __hash__(self) -> int:
        return hash((self._names, self._items))

    def __repr__(self) -> str:
        return f"Values({dict(self)!r})"

    def __reduce__(self) -> tuple:
        return (Values, (dict(self),))


_NO_VALUES = Values()


# Slots: a finding is a few hundred bytes, not a dict of its fields (dense generated code has one
# every few dozen bytes of input).
@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    path: str  # POSIX, relative to the project root
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int  # 1-based, exclusive
    layer: Layer
    symbol: str | None = None  # the exported function affected: joins the layers
    call_path: tuple[str, ...] = ()  # function names: export -> ... -> the construct / memory.grow
    evidence: tuple[Evidence, ...] = ()  # what the layers (and the host contract) saw that backs it
    confirmed: bool = False  # an engine (wasmtime, V8) reproduced it
    snippet: str = ""  # the flagged code text: baselines match on it instead of line numbers
    # The values the rule's message was formatted from (see Rule.finding); not part of equality.
    # Given as any mapping, kept as `Values`: read only, and findings with equal values share one.
    values: Mapping[str, str] = field(default=_NO_VALUES, compare=False)

    def __post_init__(self) -> None:
        share = object.__setattr__  # frozen: the fields are set once, here, to their shared copies
        share(self, "message", _shared(self.message))
        share(self, "call_path", _shared(self.call_path))
        if self.symbol is not None:
            share(self, "symbol", _shared(self.symbol))
        values = self.values
        share(self, "values", _shared(values if isinstance(values, Values) else Values(values) if values else _NO_VALUES))

    def replace(self, **changes: Any) -> "Finding":
        return dataclasses.replace(self, **changes)

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.rule_id, self.symbol or "")


@dataclass(frozen=True, slots=True)
class RunError:
    """Something that could not be read, parsed, built or run. The rest of the run goes on."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None
    offset: int | None = None  # byte offset, for binary inputs

    def location(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}:{self.column or 1}"
        return self.path

    def one_line(self) -> str:
        """`path:line:col: message`, or `path: message (at byte offset 0x..)` for binary input."""
        where = f" (at byte offset {self.offset:#x})" if self.offset is not None and self.line is None else ""
        return f"{self.location()}: {self.message}{where}"

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "offset": self.offset,
        }


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    files_checked: int = 0
    partial_files: set[str] = field(default_factory=set)  # files whose results are incomplete
    notes: list[str] = field(default_factory=list)  # summary-level remarks (e.g. baseline counts)
    # Facts about what was checked, one `info:` line each under the summary (a .rs file that is
    # not part of its crate); the JSON and SARIF reports list them with the notes.
    infos: list[str] = field(default_factory=list)

    def extend(self, other: "Report") -> None:
        self.findings.extend(other.findings)
        self.errors.extend(other.errors)
        self.files_checked += other.files_checked
        self.partial_files |= other.partial_files
        self.notes.extend(other.notes)
        self.infos.extend(other.infos)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: f.sort_key)


@dataclass(frozen=True)
class ExportSite:
    """Where an exported function is defined (module and runtime findings for it are placed
    here), how it is exported and the contract its host has with it. Plain data: the results cache
    rebuilds it field by field."""

    symbol: str
    display: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    form: str = "no_mangle"  # no_mangle | export_name | wasm_bindgen | method | start
    owner: str | None = None  # the type whose method it is (form `method`)
    contract: str = "raw"  # `raw` (no_mangle / export_name) or `wasm-bindgen` (its glue marshals every call)
    cfg: tuple[str, ...] = ()  # the cfg conditions that enabled it, outermost first


def finding_key(finding: Finding) -> tuple:
    """Identifies a source finding across processes (the layers are joined on it)."""
    return (finding.rule_id, finding.path, finding.line, finding.column, finding.end_line, finding.end_column)


# A call path of more functions than PATH_HEAD + PATH_TAIL + 1 keeps its first and last ones
# around a "... (N more) ..." hop. Real paths are short, but generated code can chain thousands of
# functions, and spelling out every finding's whole path would cost time and space quadratic in it.
PATH_HEAD, PATH_TAIL = 12, 6


def elided_hops(count: int) -> str:
    """The hop that stands for `count` functions left out of a long call path."""
    return f"... ({count} more) ..."


_ELIDED_HOPS = re.compile(r"\.\.\. \((\d+) more\) \.\.\.")


def elided_count(hop: str) -> int | None:
    """How many functions an `elided_hops` hop stands for; None for a function's own name.

    A reporter that shortens a path again must count them, not the one hop, to say how many it
    hides. (Source paths hold Rust names, which cannot look like this hop.)"""
    match = _ELIDED_HOPS.fullmatch(hop)
    return int(match.group(1)) if match else None
