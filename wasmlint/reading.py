"""Reading a file that the project, its configuration or the user names: the one guard every read
goes through, and the project's boundary.

The tree wasmlint checks is untrusted (a pull request). A name in it may point anywhere: at a FIFO
that blocks a read forever, at `/dev/zero`, which never ends, at `/proc/self/environ`, whose
secrets a report would quote. So a file is read only when it is a regular file, opened without
blocking and checked again once open (it may have been swapped since), and read only up to a size
cap. Which files the project may name at all is its boundary: see `project_root`.

Questions about a path (`is_file`, `is_dir`, `exists`) never raise either: pathlib's raise
PermissionError for a path under a folder the user may not enter, which in a tree from a pull
request is bad input, not a bug. Such a path reads as absent; the folder walk (`discover.py`)
names the folder it could not read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MIB = 1 << 20
GIB = 1 << 30
# Caps well above any real input of each kind; beyond them a file is refused, not read in part.
SOURCE_LIMIT = 64 * MIB  # a .rs, .js or .ts file (a bundled host can be tens of MB)
CONFIG_LIMIT = 16 * MIB  # Cargo.toml, package.json, wasmlint.toml, scenario and rule files
BASELINE_LIMIT = 256 * MIB
MODULE_LIMIT = 512 * MIB  # .wasm / .wat modules (real ones reach about 50 MB)
CACHE_LIMIT = 512 * MIB  # one results-cache entry

_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symlink"}


class Unreadable(OSError):
    """A file the guard refused or could not read. `str(exc)` is the reason, in words that follow
    the file's name in a one-line error: "not a regular file (a FIFO); not read"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def _mode(path: Path | str) -> int | None:
    """The type and permission bits of what `path` names (a symlink: its target), or None when
    nothing can be seen there (missing, a broken link, under a folder that cannot be entered)."""
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL byte in a name taken from the tree
        return None


def is_file(path: Path | str) -> bool:
    """Whether `path` names a regular file (a symlink: its target); never raises."""
    mode = _mode(path)
    return mode is not None and stat.S_ISREG(mode)


def is_dir(path: Path | str) -> bool:
    """Whether `path` names a folder (a symlink: its target); never raises."""
    mode = _mode(path)
    return mode is not None and stat.S_ISDIR(mode)


def exists(path: Path | str) -> bool:
    """Whether `path` names something (a symlink: its target), as Path.exists; never raises."""
    return _mode(path) is not None


def problem_with(path: Path | str, follow_links: bool = True) -> str | None:
    """Why `path` cannot be read as a file (missing, a broken or looping symlink, a FIFO or a
    device, ...; with `follow_links` False, also a symlink), or None. It looks without reading,
    so it never blocks."""
    try:
        mode = (os.stat if follow_links else os.lstat)(path).st_mode
    except ValueError:
        return "cannot read: a NUL character in the name"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"symlink loop ({exc.strerror})"
        if os.path.islink(path):
            return f"broken symlink to {os.readlink(path)} ({exc.strerror or exc})"
        return f"cannot read: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'of an unknown kind')}); not read"
    return None


# Files whose text comes from somewhere else than the disk: `check - --stdin-filename PATH` (an
# editor's unsaved buffer). Keyed by the resolved path; empty in every other run.
_STANDING_IN: dict[str, bytes] = {}


def stand_in(path: Path, data: bytes) -> None:
    """Every read of `path` in this process gives `data` instead of the file's bytes."""
    _STANDING_IN[os.path.realpath(path)] = data


def open_regular(path: Path | str, follow_links: bool = True) -> int:
    """A file descriptor open for reading on the regular file at `path` (the caller closes it);
    raises Unreadable. Looked at first (a device may act on being opened), opened without
    blocking (a FIFO put there since would block the open) and checked again once open. With
    `follow_links` False a symlink is refused too (a copy makes links of its own)."""
    problem = problem_with(path, follow_links)
    if problem is not None:
        raise Unreadable(problem)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    try:
        handle = os.open(path, flags)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise Unreadable("not a regular file (it was replaced while being opened); not read")
    return handle


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file at `path`, opened by `open_regular`; raises Unreadable (an
    OSError) with the reason. At most `limit` bytes are taken: a file growing, or one whose size
    the kernel does not know (`/proc`), cannot make the read unbounded."""
    if _STANDING_IN:
        data = _STANDING_IN.get(os.path.realpath(path))
        if data is not None:
            if len(data) > limit:
                raise Unreadable(too_large(limit, len(data)))
            return data
    handle = open_regular(path)
    try:
        known = os.fstat(handle).st_size
        if known > limit:
            raise Unreadable(too_large(limit, known))
        chunks: list[bytes] = []
        size = 0
        while True:
            # os.read allocates all it is asked for before it reads: ask for what the file's size
            # leaves (and a little, to see its end or that it grew), not 8 MiB for a 100 KB module.
            chunk = _read(handle, min(limit + 1 - size, 8 * MIB, max(known - size, 0) + 64 * 1024))
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise Unreadable(too_large(limit))  # it grew past the cap as it was read (or /proc)
            chunks.append(chunk)
    finally:
        os.close(handle)


def read_start(path: Path | str, size: int) -> bytes:
    """The first `size` bytes (fewer in a shorter file) of the regular file at `path`, read as
    `read_regular` reads; raises Unreadable."""
    handle = open_regular(path)
    try:
        return _read(handle, size)
    finally:
        os.close(handle)


def problem_reading(path: Path | str) -> str | None:
    """`problem_with`, and then whether the file's first byte can be read (a symlink's target may
    refuse to be read though it can be looked at)."""
    try:
        handle = open_regular(path)
    except Unreadable as exc:
        return exc.reason
    try:
        _read(handle, 1)
    except Unreadable as exc:
        return exc.reason
    finally:
        os.close(handle)
    return None


def _read(handle: int, size: int) -> bytes:
    try:
        return os.read(handle, size)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None


def read_regular_text(path: Path | str, limit: int) -> str:
    """`read_regular` decoded as UTF-8; raises Unreadable or UnicodeDecodeError."""
    return read_regular(path, limit).decode("utf-8")


def too_large(limit: int, size: int | None = None) -> str:
    """Why a file over the cap of `limit` bytes is not read, in words that follow its name:
    "31.2 MiB, over the 16 MiB cap for one file; not read". `size`: the file's, when known (a
    file whose size the kernel does not say, or one growing as it is read, is only known to pass
    the cap)."""
    cap = f"{limit / MIB:g} MiB"
    if size is None:
        return f"over the {cap} cap for one file; not read"
    unit, name = (GIB, "GiB") if size >= GIB else (MIB, "MiB")
    shown = f"{size / unit:.1f} {name}"
    if round(size / unit, 1) * unit <= limit:  # just over the cap: rounded, it would not look over
        shown = f"{size:,} bytes"
    return f"{shown}, over the {cap} cap for one file; not read"


def reason(exc: OSError) -> str:
    """An OSError as the words after a file's name: the guard's own reason, else "cannot read: ..."."""
    return exc.reason if isinstance(exc, Unreadable) else f"cannot read: {exc.strerror or exc}"


# -- the project's boundary --------------------------------------------------------------------------


def project_root(path: Path) -> Path:
    """The folder the project at `path` lives in; files it names are read only inside it.

    `path` is resolved first (a path given on the command line is the user's: it counts where it
    points). Then the nearest folder at or above it holding `.git` (the git work tree; a folder or,
    in a worktree or submodule, a file), else the outermost folder at or above it holding a
    `Cargo.toml` (the workspace), else the folder itself (a file's own folder)."""
    start = path.resolve()
    if not is_dir(start):
        start = start.parent
    folders = [start, *start.parents]
    for folder in folders:
        if os.path.lexists(folder / ".git"):
            return folder
    manifests = [folder for folder in folders if is_file(folder / "Cargo.toml")]
    return manifests[-1] if manifests else start


def outside(path: Path | str, root: Path) -> str | None:
    """Where `path` really is when that is outside `root` (a symlink leading out, `..` climbing
    out, an absolute path elsewhere), else None."""
    real = os.path.realpath(path)
    return None if inside(real, root) else real


def leads_out(path: Path) -> bool:
    """Whether a file found by its name in a project folder (`scenario.toml` beside Cargo.toml)
    resolves outside that folder's project."""
    return outside(path, project_root(path.parent)) is not None


def inside(real: Path | str, root: Path) -> bool:
    """Whether the resolved path `real` is `root` or lies below it."""
    text, base = str(real), str(root)
    return text == base or text.startswith(base.rstrip(os.sep) + os.sep)
