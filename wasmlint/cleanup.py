"""`wasmlint clean`: remove every cache wasmlint made, and only what it made.

wasmlint keeps four kinds of files in the user cache directory (`$XDG_CACHE_HOME/wasmlint`):
the results cache (`results/`, or `--cache-dir`), cargo's output of `--build` (`target/<hash>/`),
the copies of projects `--build` hands to cargo (`build-copies/<hash>/`) and wasmtime's compiled
code (`wasmtime/`). Each is recognised by what wasmlint writes there, so a folder the user put in
one of them, or a symlink, is left alone: the results cache by each entry's header
(`ResultCache.remove`), a cargo target folder by the name wasmlint gives it and the cache tag
cargo writes into it, a build copy by its name and the only two things it holds (`lock`, `tree/`),
and wasmtime's folder by the settings files wasmlint writes and the `code/` folder they name.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from wasmlint.cache import ResultCache, user_cache_dir
from wasmlint.reading import read_start

# Folder names wasmlint gives: the first 16 hex digits of a hash of the crate's or project's path.
_HASHED_NAME = re.compile(r"^[0-9a-f]{16}$")
# The first line of the CACHEDIR.TAG cargo writes into every target folder (bford.info/cachedir).
_CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
_BUILD_COPY_ENTRIES = frozenset({"lock", "tree"})
_WASMTIME_SETTINGS = re.compile(r"^config-\d+\.toml$")


@dataclass(frozen=True)
class Freed:
    """What one kind of cache gave back."""

    what: str  # "cached results", "build folders"...
    folder: Path
    items: int
    size: int  # bytes

    def line(self) -> str:
        return f"removed {self.items} {self.what} ({human_size(self.size)}) from {self.folder}"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    shown = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        shown /= 1024
        if shown < 1024 or unit == "GiB":
            break
    return f"{shown:.1f} {unit}"


def clean_caches(results: Path) -> list[Freed]:
    """Remove every cache: the results in `results` (and its parsed rule files), the build
    folders, the build copies and wasmtime's compiled code."""
    base = user_cache_dir()
    entries = sizes = 0
    for cache in (ResultCache(results), ResultCache(results / "rules")):
        removed = cache.remove()
        entries, sizes = entries + removed[0], sizes + removed[1]
    return [
        Freed("cached results", results, entries, sizes),
        _remove_folders("build folders", base / "target", _is_cargo_target),
        _remove_folders("build copies", base / "build-copies", _is_build_copy),
        _remove_wasmtime_code(base / "wasmtime"),
    ]


def _remove_folders(what: str, parent: Path, ours) -> Freed:
    items = size = 0
    for folder in _children(parent):
        if _HASHED_NAME.match(folder.name) and _is_real_folder(folder) and ours(folder):
            size += _remove_tree(folder)
            items += 1
    return Freed(what, parent, items, size)


def _is_cargo_target(folder: Path) -> bool:
    try:
        return read_start(folder / "CACHEDIR.TAG", len(_CACHEDIR_SIGNATURE)) == _CACHEDIR_SIGNATURE
    except OSError:
        return False


def _is_build_copy(folder: Path) -> bool:
    try:
        names = set(os.listdir(folder))
    except OSError:
        return False
    return bool(names) and names <= _BUILD_COPY_ENTRIES


def _remove_wasmtime_code(folder: Path) -> Freed:
    """wasmtime's code cache: the `code/` folder wasmlint's settings files point wasmtime at, and
    those settings files."""
    settings = [path for path in _children(folder) if _WASMTIME_SETTINGS.match(path.name) and _is_regular(path)]
    size = items = 0
    code = folder / "code"
    if settings and _is_real_folder(code):
        size += _remove_tree(code)
        items += 1
    for path in settings:
        size += _unlink(path)
    return Freed("wasmtime code caches", folder, items, size)


def _children(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _is_real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _remove_tree(folder: Path) -> int:
    """Remove `folder` (never following a symlink in it); the bytes its files held."""
    size = 0
    for here, subdirs, files in os.walk(folder):
        for name in files + subdirs:
            try:
                info = os.lstat(os.path.join(here, name))
            except OSError:
                continue
            if not stat.S_ISDIR(info.st_mode):
                size += info.st_size
    shutil.rmtree(folder, ignore_errors=True)
    return size


def _unlink(path: Path) -> int:
    try:
        size = os.lstat(path).st_size
        path.unlink()
        return size
    except OSError:
        return 0
