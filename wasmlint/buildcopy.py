"""The copy of a project that `--build` hands to cargo, kept in the user cache.

cargo writes `Cargo.lock` beside the workspace's manifest and has no option (in the cargo this
project supports, 1.63) to put it elsewhere; building in the source tree would write into it,
leave the file behind when the build is killed, and fail on a read-only tree. So cargo builds a
copy: the regular files of the project (its outermost `Cargo.toml` folder, widened to the path
dependencies it names, never beyond the project root of `reading.project_root`), with their
bytes and modification times, so that cargo's fingerprints see an unchanged file as unchanged
and rebuild only what changed.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import stat
import tomllib
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

from wasmlint.reading import Unreadable, inside, is_file, open_regular, outside, project_root
from wasmlint.tomlfiles import read_cargo_toml, value_at

# Never part of a build's input: cargo's output, JavaScript packages, and hidden folders (.git,
# editors' folders; cargo reads .cargo/config.toml from the folder it runs in, the tree itself).
_SKIPPED = ("target", "node_modules")
_DEPENDENCY_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")
# cargo writes it in the copy: kept between runs, never taken as a file the project removed.
_WRITTEN_BY_CARGO = "Cargo.lock"
_MAX_MANIFESTS = 1000  # the manifests followed for path dependencies (a bound on odd projects)


def _outermost_manifest_folder(crate_dir: Path, project: Path) -> Path:
    """The outermost folder holding a Cargo.toml from `crate_dir` up to `project` (its workspace):
    a git work tree may hold much else, which the build does not need."""
    top = crate_dir
    for above in crate_dir.parents:
        if not inside(above, project):
            break
        if is_file(above / "Cargo.toml"):
            top = above
    return top


def _path_dependencies(manifest: Path) -> list[Path]:
    """The folders a manifest's path dependencies, [patch] entries and workspace members name."""
    try:
        data = read_cargo_toml(manifest).data
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    tables = [value_at(data, name) for name in _DEPENDENCY_TABLES]
    targets = value_at(data, "target")
    for target in targets.values() if isinstance(targets, dict) else ():
        tables += [value_at(target, name) for name in _DEPENDENCY_TABLES]
    patches = value_at(data, "patch")
    tables += list(patches.values()) if isinstance(patches, dict) else []
    folders = [manifest.parent / spec["path"] for table in tables if isinstance(table, dict)
               for spec in table.values() if isinstance(spec, dict) and isinstance(spec.get("path"), str)]
    members = value_at(data, "workspace", "members")
    folders += [manifest.parent / member for member in members if "*" not in member] if isinstance(members, list) else []
    return folders


class CopyPlan(NamedTuple):
    root: Path  # the folder to copy
    outside: tuple[tuple[Path, Path], ...]  # (manifest, folder) for a path dependency or member outside the project


def plan_copy(crate_dir: Path) -> CopyPlan:
    """The folder whose files the build needs: the outermost one holding a Cargo.toml above
    `crate_dir` (its workspace), widened to take in the path dependencies and members named by the
    manifests met, but never beyond the crate's project root (`reading.project_root`: the git work
    tree, else that outermost folder): what lies outside the project is not read, and is listed."""
    crate_dir = Path(os.path.realpath(crate_dir))
    project = project_root(crate_dir)
    root = _outermost_manifest_folder(crate_dir, project)
    beyond: list[tuple[Path, Path]] = []
    queue = deque([crate_dir / "Cargo.toml", root / "Cargo.toml"])
    seen: set[Path] = set()
    while queue and len(seen) < _MAX_MANIFESTS:
        manifest = queue.popleft()
        # A Cargo.toml that is a symlink leading out of the project is not read either.
        if manifest in seen or not is_file(manifest) or outside(manifest, project) is not None:
            continue
        seen.add(manifest)
        for folder in _path_dependencies(manifest):
            real = Path(os.path.realpath(folder))
            if not inside(real, project):
                beyond.append((manifest, real))
                continue
            queue.append(real / "Cargo.toml")
            while not inside(real, root):
                root = root.parent
    return CopyPlan(root, tuple(beyond))


def copy_folder(root: Path) -> Path:
    """Where the copy of `root` lives in the user cache (one per project)."""
    from wasmlint.cache import user_cache_dir

    digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return user_cache_dir() / "build-copies" / digest


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Held while a copy is brought up to date and built: two runs never write one copy at once."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def sync_copy(root: Path, into: Path) -> None:
    """Make `into` hold the regular files under `root` (hidden folders, target/ and node_modules/
    skipped) with the same bytes and modification times; a file already there with the same size
    and time is left alone, one the project no longer has is removed. A symlink whose target lies
    inside `root` is made again, pointing at the copy of that target; any other link, and anything
    that is not a regular file (a FIFO, a device), is not copied. Unreadable files and folders are
    left out: if the build needs them, cargo names them."""
    wanted: set[Path] = set()
    for folder, subdirs, files in os.walk(root):
        here = Path(folder)
        subdirs[:] = [d for d in subdirs if not d.startswith(".") and d not in _SKIPPED
                      and not _copy_link(here / d, root, into, wanted)]
        for name in files:
            source = here / name
            if _copy_link(source, root, into, wanted):
                continue
            try:
                info = os.stat(source)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                target = into / source.relative_to(root)
                wanted.add(target)
                if not _same_file(target, info):
                    _copy(source, target, into)
    _remove_others(into, wanted)


def _copy_link(source: Path, root: Path, into: Path, wanted: set[Path]) -> bool:
    """Whether `source` is a symlink; if so, the copy gets one to the copy of its target when that
    lies inside `root` (else nothing: it leads out of the project)."""
    if not os.path.islink(source):
        return False
    real = Path(os.path.realpath(source))
    if real == root or root not in real.parents:
        return True
    target = into / source.relative_to(root)
    text = os.path.relpath(into / real.relative_to(root), target.parent)
    wanted.add(target)
    try:
        if os.readlink(target) == text:
            return True
    except OSError:
        pass
    _make_folder(target.parent, into)
    _remove(target)
    os.symlink(text, target)
    return True


def _same_file(target: Path, info: os.stat_result) -> bool:
    try:
        mine = os.lstat(target)
    except OSError:
        return False
    return stat.S_ISREG(mine.st_mode) and mine.st_size == info.st_size and mine.st_mtime_ns == info.st_mtime_ns


def _copy(source: Path, target: Path, into: Path) -> None:
    """Copy a regular file's bytes, permission bits and modification time. Opened through the
    read guard, links not followed: a FIFO or a link put in its place since the walk must not hang
    the copy nor bring in a file from outside the project."""
    _make_folder(target.parent, into)
    _remove(target)
    try:
        handle = open_regular(source, follow_links=False)
    except Unreadable:
        return  # unreadable: left out
    with open(handle, "rb") as reading:
        info = os.fstat(reading.fileno())
        try:
            with open(target, "xb") as writing:
                shutil.copyfileobj(reading, writing)
            os.chmod(target, stat.S_IMODE(info.st_mode))
            # The time last: a copy cut short keeps a time of its own and is copied again next run.
            os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
        except OSError:
            _remove(target)


def _make_folder(folder: Path, into: Path) -> None:
    """mkdir -p below `into`, removing a file or link of the copy that stands where the project
    now has a folder."""
    current = into
    for part in folder.relative_to(into).parts:
        current = current / part
        if os.path.islink(current) or os.path.lexists(current) and not os.path.isdir(current):
            os.unlink(current)
    folder.mkdir(parents=True, exist_ok=True)


def _remove(path: Path) -> None:
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass


def _remove_others(into: Path, wanted: set[Path]) -> None:
    for folder, subdirs, files in os.walk(into):
        here = Path(folder)
        for name in files + [d for d in subdirs if os.path.islink(here / d)]:
            path = here / name
            if path not in wanted and name != _WRITTEN_BY_CARGO:
                os.unlink(path)
