"""TOML files read once per run: discovery and configuration both read every crate's Cargo.toml."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from wasmlint.reading import CONFIG_LIMIT, read_regular


def read_toml(path: Path) -> dict:
    """The parsed file; raises OSError (reading.Unreadable for a file that is not a regular one or
    is too large), UnicodeDecodeError or tomllib.TOMLDecodeError.

    Memoised on the file's size and modification time, so an edited file is read again. The
    result is shared between callers: read it, never change it."""
    stat = os.stat(path)
    return _parsed(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=1024)
def _parsed(path: str, size: int, mtime_ns: int) -> dict:
    return tomllib.loads(read_regular(path, CONFIG_LIMIT).decode("utf-8"))
