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
import re
import time
from functools import cache
from pathlib import Path

from wasmlint import __version__
from wasmlint.plain import PlainError, from_plain, to_plain
from wasmlint.reading import CACHE_LIMIT, read_regular, read_start

FORMAT = "wasmlint-results 1"
# Entries unused for this long are removed, so the cache stays bounded; a sweep runs at most once
# a day, after a run that wrote something.
UNUSED_DAYS = 30
SWEEP_MARKER = ".last-sweep"
_SHARD = re.compile(r"^[0-9a-f]{2}$")
_ENTRY = re.compile(r"^[0-9a-f]{40}\.json$")
_TEMPORARY = re.compile(r"^\.tmp-\w+\.json$")


def _written_here(entry: Path) -> bool:
    """Whether the file `entry` is one this cache wrote: a regular file (never a symlink, whose
    target is not ours) that starts with its header, naming its own key for an entry. A leftover
    temporary file may also be empty (a run killed before writing it)."""
    if os.path.islink(entry):
        return False
    try:
        start = read_start(entry, len(FORMAT) + 42)
    except OSError:
        return False
    if _TEMPORARY.match(entry.name):
        return start == b"" or start.startswith(f"{FORMAT} ".encode())
    return start == f"{FORMAT} {entry.stem} ".encode()


def user_cache_dir() -> Path:
    """wasmlint's folder in the user's cache directory (XDG_CACHE_HOME, else ~/.cache). A relative
    XDG_CACHE_HOME is ignored, as the XDG specification asks: it would put the cache wherever the
    command runs, usually inside the tree being checked."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "wasmlint"


def default_results_dir() -> Path:
    return user_cache_dir() / "results"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@cache
def code_fingerprint() -> str:
    """What wasmlint's results depend on besides their inputs: the bytes of its own source files
    (a development checkout changes without a new version number; a reinstall of the same version
    gives the same files, so a restored CI cache still hits) and the versions of the parser and
    grammar, whose trees the source results come from."""
    package = Path(__file__).resolve().parent
    hasher = hashlib.blake2b(__version__.encode(), digest_size=20)
    for path in sorted(package.rglob("*.py")):
        try:
            hasher.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            continue
    for name in _parser_versions():
        hasher.update(name.encode())
    return hasher.hexdigest()


def _parser_versions() -> list[str]:
    """The installed tree-sitter and tree-sitter-rust, read from their dist-info folder names
    (`tree_sitter_rust-0.24.0.dist-info`) without importing them: a cached run needs neither."""
    from importlib.util import find_spec

    found: list[str] = []
    for name in ("tree_sitter", "tree_sitter_rust"):
        spec = find_spec(name)
        if spec is None or not spec.origin:
            continue
        package = Path(spec.origin).parent
        infos = sorted(p.name for p in package.parent.glob(f"{name}-*.dist-info"))
        # No metadata beside it (a vendored copy): the compiled binding's name and size stand in.
        found += infos or sorted(f"{p.name}:{p.stat().st_size}" for p in package.glob("*.so"))
    return found


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
            raw = read_regular(self._path(key), CACHE_LIMIT)
        except OSError:  # none, or not a file it wrote (a FIFO, a link to /dev/zero): a miss
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

    def get_or_compute(self, key: str, kind, compute):
        """The stored value, else `compute()`, stored for next time."""
        value = self.load(key, kind)
        if value is None:
            value = compute()
            self.store(key, value)
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
        self.remove(older_than=now - UNUSED_DAYS * 86400)

    def remove(self, older_than: float | None = None) -> tuple[int, int]:
        """Remove the entries (and leftover temporary files) last used before `older_than`, or all
        of them; returns how many files and bytes went. Only files wasmlint wrote are touched (the
        folder may be one a user named with --cache-dir): a name it gives, and in it what it
        writes (see `_written_here`)."""
        files = removed = 0
        for entry in self.directory.glob("*/*.json"):
            if not (_ENTRY.match(entry.name) or _TEMPORARY.match(entry.name)) or not _SHARD.match(entry.parent.name):
                continue
            if not _written_here(entry):
                continue
            try:
                stat = entry.stat()
                if older_than is None or stat.st_mtime < older_than:
                    entry.unlink()
                    files, removed = files + 1, removed + stat.st_size
            except OSError:
                pass  # another run removed or replaced it
        return files, removed
