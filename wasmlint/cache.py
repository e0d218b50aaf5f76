"""The results cache: analysis results stored on disk under a key made of everything they depend on.

An entry's key hashes the bytes of every input file, the rules in force, the options that change
results, and wasmlint's own code (its version and the files it is made of), so a change to any of
them is a new key, never a stale hit. Entries are written atomically (a temporary file renamed into
place). Reading trusts nothing: an entry whose header, key, checksum or data shape is wrong counts
as missing and is written again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from functools import cache
from pathlib import Path

from wasmlint import __version__
from wasmlint.plain import PlainError, from_plain, to_plain

FORMAT = "wasmlint-results 1"
CACHE_DIR_ENV = "WASMLINT_CACHE_DIR"
# Entries unused for this long are removed, so the cache stays bounded; a sweep runs at most once
# a day, after a run that wrote something.
UNUSED_DAYS = 30
SWEEP_MARKER = ".last-sweep"


def user_cache_dir() -> Path:
    """wasmlint's folder in the user's cache directory (XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wasmlint"


def default_results_dir() -> Path:
    return user_cache_dir() / "results"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@cache
def code_fingerprint() -> str:
    """wasmlint's version and the size and time of each of its source files: a development
    checkout that changes without a new version number still gets fresh results."""
    package = Path(__file__).resolve().parent
    parts = [__version__]
    for path in sorted(package.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest("\n".join(parts).encode())


def result_key(*parts) -> str:
    """A key for a result that depends on `parts` (plain values: str, int, lists, tuples, enums)
    and on wasmlint's code."""
    text = json.dumps([FORMAT, code_fingerprint(), parts], separators=(",", ":"), sort_keys=True, default=to_plain)
    return digest(text.encode())


class ResultCache:
    """Entries in one folder, one file each: `<dir>/<key[:2]>/<key>.json`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def load(self, key: str, kind):
        """The stored value of type `kind`, or None when there is none or it cannot be trusted."""
        try:
            raw = self._path(key).read_bytes()
        except OSError:
            return None
        header, _, payload = raw.partition(b"\n")
        if header != f"{FORMAT} {key} {digest(payload)}".encode():
            return None  # another format, another key's file, or damaged since it was written
        try:
            value = from_plain(kind, json.loads(payload))
        except (ValueError, PlainError, TypeError, RecursionError):
            return None
        try:
            os.utime(self._path(key))  # used: the sweep keeps it
        except OSError:
            pass
        return value

    def store(self, key: str, value) -> None:
        """Write an entry atomically; a cache that cannot be written only costs speed."""
        import tempfile  # only runs that analyse something write: keep it off the start-up path

        payload = json.dumps(to_plain(value), separators=(",", ":")).encode()
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(f"{FORMAT} {key} {digest(payload)}\n".encode() + payload)
                os.replace(temporary, target)
            except BaseException:
                os.unlink(temporary)
                raise
            self._sweep()
        except OSError:
            pass

    def _sweep(self, now: float | None = None) -> None:
        """Remove entries (and leftover temporary files) unused for UNUSED_DAYS; once a day at most."""
        now = time.time() if now is None else now
        marker = self.directory / SWEEP_MARKER
        try:
            if now - marker.stat().st_mtime < 86400:
                return
        except FileNotFoundError:
            pass
        marker.touch()
        oldest = now - UNUSED_DAYS * 86400
        for entry in self.directory.glob("*/*.json"):
            try:
                if entry.stat().st_mtime < oldest:
                    entry.unlink()
            except OSError:
                pass  # another run removed or replaced it
