"""Dataclasses to JSON-ready values and back, checking every value's type on the way back in.

The results cache stores analysis results as JSON; what comes back from disk is not trusted, so
`from_plain` rebuilds objects only when every field has the type its annotation names.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from functools import cache
from pathlib import Path


class PlainError(ValueError):
    """Stored data does not have the shape of the type it should become."""


def to_plain(value):
    """JSON-ready form: dataclasses become dicts, enums their values, tuples and sets lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((to_plain(item) for item in value), key=repr)  # stable files for equal sets
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):  # a read-only mapping (a finding's values): as a dict
        return {str(key): to_plain(item) for key, item in value.items()}
    return value


def from_plain(kind, data):
    """Rebuild a value of type `kind` from `to_plain` output; PlainError when the data does not fit."""
    return _decoder(kind)(data)


def _fail(kind, data):
    raise PlainError(f"expected {getattr(kind, '__name__', kind)}, found {type(data).__name__}")


@cache
def _decoder(kind):
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if dataclasses.is_dataclass(kind):
        return _dataclass_decoder(kind)
    if origin in (typing.Union, types.UnionType):
        options = [_decoder(arg) for arg in args]
        allows_none = type(None) in args

        def union(data):
            if data is None and allows_none:
                return None
            for option in options:
                try:
                    return option(data)
                except PlainError:
                    pass
            _fail(kind, data)

        return union
    if origin is typing.Literal:  # a tag that says which dataclass of a union the data is
        return lambda data: data if type(data) is str and data in args else _fail(kind, data)
    if kind is type(None):
        return lambda data: data if data is None else _fail(kind, data)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        def member(data):
            try:
                return kind(data)
            except ValueError:
                raise PlainError(f"{data!r} is not a {kind.__name__}") from None
        return member
    if kind in (int, str, float):
        # bool is an int in Python, but never stands for one in our data.
        return lambda data: data if type(data) is kind else _fail(kind, data)
    if kind is bool:
        return lambda data: data if type(data) is bool else _fail(kind, data)
    if kind is Path:
        return lambda data: Path(data) if type(data) is str else _fail(kind, data)
    if kind in (tuple, frozenset):
        return lambda data: kind(_hashable(item) for item in _list(data))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda data: tuple(item(x) for x in _list(data))
        items = [_decoder(arg) for arg in args]

        def fixed(data):
            data = _list(data)
            if len(data) != len(items):
                raise PlainError(f"expected {len(items)} items, found {len(data)}")
            return tuple(decode(x) for decode, x in zip(items, data))

        return fixed
    if origin in (list, set, frozenset):
        item = _decoder(args[0]) if args else _hashable
        return lambda data: origin(item(x) for x in _list(data))
    if origin in (dict, Mapping):  # a Mapping is rebuilt as a dict (its owner may keep it otherwise)
        key_of = _decoder(args[0])
        value_of = _decoder(args[1])
        if args[0] is int:
            key_of = _int_key
        return lambda data: {key_of(k): value_of(v) for k, v in _dict(data).items()}
    raise TypeError(f"no plain form for {kind!r}")  # a programming error, not bad data


def _dataclass_decoder(kind):
    hints = typing.get_type_hints(kind)
    fields = {f.name: _decoder(hints[f.name]) for f in dataclasses.fields(kind) if f.init}
    required = {f.name for f in dataclasses.fields(kind)
                if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}

    def build(data):
        data = _dict(data)
        unknown = data.keys() - fields.keys()
        missing = required - data.keys()
        if unknown or missing:
            raise PlainError(f"{kind.__name__}: unexpected {sorted(unknown)} / missing {sorted(missing)}")
        return kind(**{name: fields[name](value) for name, value in data.items()})

    return build


def _list(data) -> list:
    return data if type(data) is list else _fail(list, data)


def _dict(data) -> dict:
    return data if type(data) is dict else _fail(dict, data)


def _int_key(data):
    try:
        return int(data)
    except (TypeError, ValueError):
        raise PlainError(f"expected an integer key, found {data!r}") from None


def _hashable(data):
    """An untyped item (a bare `tuple` or `frozenset` annotation): lists come back as tuples."""
    if type(data) is list:
        return tuple(_hashable(item) for item in data)
    if data is None or type(data) in (str, int, float, bool):
        return data
    _fail("a plain value", data)
