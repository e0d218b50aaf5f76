"""Turn the paths a user gives into crates (with their .rs files) and module files to check."""

from __future__ import annotations

import fnmatch
import glob
import json
import os
import re
import tomllib
import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from wasmlint.cfg import BuildCfg, FeatureRequest, Features, crate_features
from wasmlint.crate_tree import NotRead, build_script, crate_roots, follow_crate
from wasmlint.findings import RunError
from wasmlint.ignored import IgnoredPaths
from wasmlint.reading import (CONFIG_LIMIT, SOURCE_LIMIT, exists, inside, is_dir, is_file, outside, problem_reading,
                              problem_with, project_root, read_regular, reason)
from wasmlint.tomlfiles import CargoToml, read_cargo_toml

MODULE_SUFFIXES = (".wasm", ".wat")
# JavaScript and TypeScript hosts (the host layer); declaration files hold no code.
HOST_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
_SKIPPED_FOLDERS = ("target", "node_modules")


def is_host_file(name: str) -> bool:
    return name.endswith(HOST_SUFFIXES) and not name.endswith((".d.ts", ".d.mts", ".d.cts"))


def display_path(path: Path) -> str:
    """POSIX path relative to the working directory when below it, else absolute: stable between runs."""
    return _display_path(path, os.getcwd())


@lru_cache(maxsize=65536)
def _display_path(path: Path, cwd: str) -> str:
    # Every file is shown several times a run (discovery, exclusion, reading, findings).
    shown = resolved(path).as_posix()
    base = _resolved_folder(Path(cwd), "").as_posix().rstrip("/") + "/"
    if shown.startswith(base):
        return shown[len(base):]
    return "." if shown + "/" == base else shown


def resolved(path: Path) -> Path:
    """`path.resolve()`, resolving each folder once: resolving costs a system call per path
    component, and a crate's files share their folders. A file that is a symlink is resolved itself.
    A path this returned is known to be resolved already (files are shown after discovery)."""
    if path in _ALREADY_RESOLVED:
        return path
    if path.name in ("", ".", "..") or os.path.islink(path):
        found = path.resolve()
    else:
        found = _resolved_folder(path.parent, "" if path.is_absolute() else os.getcwd()) / path.name
    _ALREADY_RESOLVED.add(found)
    return found


_ALREADY_RESOLVED: set[Path] = set()


@lru_cache(maxsize=4096)
def _resolved_folder(folder: Path, cwd: str) -> Path:  # cwd: a relative folder depends on it
    return folder.resolve()


def is_excluded(path: Path, patterns: tuple[str, ...]) -> bool:
    """An `exclude` glob matches the path as displayed (relative to the working folder) or its name."""
    if not patterns:
        return False
    shown = display_path(path)
    return any(fnmatch.fnmatch(shown, pattern) or fnmatch.fnmatch(path.name, pattern) for pattern in patterns)


@dataclass
class Crate:
    root: Path  # the directory holding Cargo.toml (or the folder of loose files)
    name: str
    manifest: Path | None
    files: list[Path] = field(default_factory=list)  # the files rustc compiles into it (all .rs files of loose ones)
    report_files: set[Path] | None = None  # None: report every file; else only these (pre-commit)
    cfg: BuildCfg = field(default_factory=BuildCfg)  # the build its cfgs are judged by (features)
    feature_request: FeatureRequest = FeatureRequest()  # the feature options it was judged with
    features: Features | None = None  # what the feature options turned on, and the names it lacks
    modules: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # file -> module path, from its `mod` tree
    conditions: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # file -> the cfgs its `mod` declarations needed
    sources: dict[Path, bytes] = field(default_factory=dict)  # bytes read while following the tree
    project: Path | None = None  # the project root its files must lie in (reading.project_root)
    # Files the folder walk found and reported as errors, as named (normalised, not resolved).
    unreadable: set[str] = field(default_factory=set)

    def module_path(self, file: Path) -> tuple[str, ...]:
        """The Rust module a file is: where its `mod` declarations put it (`#[path]` followed), else
        from its place under src/ (src/a/b.rs -> a::b)."""
        found = self.modules.get(file)
        if found is not None:
            return found
        # On strings: this runs for every file of every run, and pathlib's relative_to is slow.
        base = os.path.join(self.root, "src", "")
        text = str(file)
        if text.startswith(base):
            parts = os.path.splitext(text[len(base):])[0].split(os.sep)
        else:
            parts = [file.stem]
        if parts and parts[-1] in ("lib", "main", "mod"):
            parts.pop()
        return tuple(parts)


@dataclass
class Targets:
    crates: list[Crate] = field(default_factory=list)
    modules: list[Path] = field(default_factory=list)
    hosts: list[Path] = field(default_factory=list)  # JavaScript/TypeScript files (the host layer)
    errors: list[RunError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # .rs files found that are not part of their crate
    # Hosts analysed only for what they tell of the crates beside them (the hosts of a crate whose
    # file was named): their views decide the crate's severities; their own findings are not reported.
    context_hosts: set[Path] = field(default_factory=set)
    context_crates: set[Path] = field(default_factory=set)  # roots of the crates named hosts load, read as context

    def with_context(self, other: "Targets") -> "Targets":
        """These targets and what `discover(..., reported=False)` found for context: the crates not
        here yet (nothing of them reported), their hosts, the errors met reading them."""
        known = {crate.root for crate in self.crates}
        added = [crate for crate in other.crates if crate.root not in known]
        new_hosts = [host for host in other.hosts if host not in self.hosts]
        return dataclasses.replace(
            self,
            crates=self.crates + added,
            context_crates=self.context_crates | {crate.root for crate in added},
            hosts=self.hosts + new_hosts,
            context_hosts=self.context_hosts | set(new_hosts),
            errors=self.errors + [error for error in other.errors if error not in self.errors],
        )


class ManifestError(Exception):
    """A Cargo.toml that cannot be read or is not TOML, as a RunError naming the file and the line."""

    def __init__(self, error: RunError) -> None:
        super().__init__(error.one_line())
        self.error = error


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _read_manifest(manifest: Path) -> CargoToml:
    """A Cargo.toml with the keys wasmlint reads in their shapes; raises ManifestError."""
    shown = display_path(manifest)
    try:
        return read_cargo_toml(manifest)
    except OSError as exc:
        raise ManifestError(RunError(shown, f"cannot read Cargo.toml: {exc.strerror or exc}")) from None
    except UnicodeDecodeError as exc:
        raise ManifestError(RunError(shown, "Cargo.toml is not valid UTF-8", offset=exc.start)) from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib ends its message with "(at line N, column M)": move that into the position.
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line, column = (int(found.group(1)), int(found.group(2))) if found else (None, None)
        detail = message[: found.start()] if found else message
        raise ManifestError(RunError(shown, f"Cargo.toml is not valid TOML: {detail}", line=line, column=column)) from None


def _manifest_or_none(manifest: Path) -> dict | None:
    try:
        return _read_manifest(manifest).data
    except ManifestError:
        return None


# Cargo builds these crate folders as separate targets, never into the library (the wasm module).
NOT_IN_LIBRARY = ("tests", "examples", "benches")


class _Refused:
    """The paths the folder walks met that lead out of the project (symlinked files and folders),
    each said once at the end of discovery: by the declaration that names it or a file in it,
    else by its own note."""

    def __init__(self) -> None:
        self.why: dict[str, str] = {}  # path as named (normalised) -> why it was not read
        self.said: set[str] = set()

    def covering(self, named: str) -> str | None:
        """Why `named` (normalised) was not read when it is, or lies in, a refused path (the
        refused path is then said)."""
        for path, why in self.why.items():
            if named == path:
                self.said.add(path)
                return why
            if named.startswith(path + os.sep):
                self.said.add(path)
                return f"in {named_path(path)}, {why}"
        return None

    def notes(self) -> list[str]:
        return [f"{named_path(path)}: {why}" for path, why in self.why.items() if path not in self.said]


class _Boundary:
    """The project root that discovery stays inside, and what it refused to follow out of it."""

    def __init__(self, root: Path, refused: _Refused) -> None:
        self.root = root
        self.refused = refused

    def why_outside(self, path: Path, real: Path | str | None = None) -> str | None:
        """Why `path` (as the tree names it; `real`: where it resolves, when known) is not read
        when it leads out of the project, else None."""
        if real is None:
            if outside(path, self.root) is None:
                return None
        elif inside(real, self.root):
            return None
        link = f"a symlink to {os.readlink(path)}, " if os.path.islink(path) else ""
        return f"{link}outside the project ({display_path(self.root)}); not read"

    def leaves(self, path: Path, real: Path | str | None = None) -> bool:
        """Whether `path`, met by a folder walk, leads out of the project; if so it is refused."""
        why = self.why_outside(path, real)
        if why is not None:
            self.refused.why.setdefault(os.path.normpath(path), why)
        return why is not None


def named_path(path: Path | str) -> str:
    """A path as it was named (a symlink as itself, `..` folded), relative to the working folder
    when below it: for messages about files that were not read."""
    shown = os.path.abspath(path)
    base = os.path.join(os.getcwd(), "")
    return shown[len(base):] if shown.startswith(base) else shown


def _walk(root: Path, errors: list[RunError], boundary: _Boundary):
    """os.walk that also enters symlinked folders, each real folder once; a link back to a folder
    above it (a loop) and a folder that cannot be listed (no permission) are reported in `errors`
    and not followed, and one leading out of the project is a note in `boundary`. Callers filter
    `subdirs` in place as with os.walk."""
    # The real path of each folder walked: a folder that is not a link is its parent's real
    # path plus its name, so only links need realpath (a system call per path component).
    real = {str(root): os.path.realpath(root)}
    seen = {real[str(root)]}

    def unlisted(exc: OSError) -> None:
        folder = Path(exc.filename) if exc.filename else root
        errors.append(RunError(_shown_as_named(folder), f"cannot read this folder ({exc.strerror or exc}); "
                               "the files in it were not checked"))

    for directory, subdirs, files in os.walk(root, followlinks=True, onerror=unlisted):
        yield Path(directory), subdirs, files
        here = real.get(directory) or os.path.realpath(directory)
        keep = []
        for name in subdirs:
            path = os.path.join(directory, name)
            target = os.path.realpath(path) if os.path.islink(path) else os.path.join(here, name)
            real[path] = target
            if here == target or here.startswith(target.rstrip(os.sep) + os.sep):
                errors.append(RunError(_shown_as_named(Path(path)), f"symlink loop: points to {display_path(Path(target))}, "
                                       "a folder above it (not followed)"))
            elif target not in seen and not boundary.leaves(Path(path), target):
                seen.add(target)
                keep.append(name)
        subdirs[:] = keep


def _walk_rs(root: Path, excluded, errors: list[RunError], boundary: _Boundary, crate: bool = True) -> list[Path]:
    """.rs files below root, skipping target/, hidden folders and nested crates (they are crates of
    their own); in a crate, also its tests/, examples/ and benches/ folders."""
    found: list[Path] = []
    for here, subdirs, files in _walk(root, errors, boundary):
        subdirs[:] = sorted(
            d for d in subdirs
            if not d.startswith(".") and d != "target" and not is_file(here / d / "Cargo.toml")
            and not (crate and here == root and d in NOT_IN_LIBRARY)
            and not excluded(here / d)
        )
        found.extend(here / f for f in sorted(files) if f.endswith(".rs") and not excluded(here / f))
    return found


def _shown_as_named(path: Path) -> str:
    """How to name a path that may be a symlink: the link itself, not what it points to."""
    folder = display_path(path.parent)
    return path.name if folder == "." else f"{folder}/{path.name}"


def _unreadable(path: Path) -> str | None:
    """Why an input file cannot be read as a file (a broken link, a FIFO that would block the
    read forever...), or None."""
    if os.path.islink(path):
        # Files are read through their resolved path later; a link whose target cannot be read
        # is found now, so that the error names the link the user knows.
        return problem_reading(path)
    return problem_with(path)


def _enclosing_crate(path: Path) -> Path | None:
    for directory in [path, *path.parents] if is_dir(path) else path.parents:
        manifest = directory / "Cargo.toml"
        if is_file(manifest):
            data = _manifest_or_none(manifest)
            # A Cargo.toml that cannot be read still marks the crate (the crate reports it).
            if data is None or "package" in data:
                return directory
    return None


class _Collector:
    def __init__(self, exclude: tuple[str, ...], reported: bool = True, respect_ignore: bool = True) -> None:
        self.exclude = exclude
        self.ignore = IgnoredPaths() if respect_ignore else None
        self.given = Path("/")  # the command-line path being collected (resolved)
        self.reported = reported  # False: everything is collected as context, nothing reported
        self.targets = Targets()
        self.context_hosts: list[Path] = []  # the hosts of crates whose files were named
        self.crates: dict[Path, Crate] = {}
        self.named: set[Path] = set()  # .rs files given on the command line (resolved)
        # The project of the command-line path being collected: what the tree names is read
        # only inside it.
        self.refused = _Refused()
        self.boundary = _Boundary(Path("/"), self.refused)
        self.manifests_read: set[Path] = set()  # each Cargo.toml's problems are reported once
        self.entered: list[Path] = []  # the folders directory() is inside of: a workspace member among them is a cycle

    def manifest(self, manifest: Path) -> dict | None:
        """A Cargo.toml's data, its problems (unreadable, not TOML, a key of the wrong shape)
        reported the first time it is read; None when it cannot be read."""
        first = manifest not in self.manifests_read
        self.manifests_read.add(manifest)
        try:
            found = _read_manifest(manifest)
        except ManifestError as exc:
            if first:
                self.targets.errors.append(exc.error)
            return None
        if first:
            self.targets.errors.extend(RunError(display_path(manifest), problem) for problem in found.problems)
        return found.data

    def excluded(self, path: Path) -> bool:
        """Whether a folder walk skips `path`: an `exclude` glob matches it, or the work tree's
        .gitignore / .ignore files do (see ignored.py)."""
        if is_excluded(path, self.exclude):
            return True
        if self.ignore is None or self.boundary.root == Path("/"):
            return False
        real = _resolved_folder(path.parent, "" if path.is_absolute() else os.getcwd()) / path.name
        return self.ignore.ignored(real, self.boundary.root, self.given)

    def crate(self, root: Path, files: set[Path] | None) -> None:
        root = root.resolve()
        crate = self.crates.get(root)
        created = crate is None
        if crate is None:
            manifest = root / "Cargo.toml"
            has_manifest = is_file(manifest)
            # A Cargo.toml that cannot be read is reported; its .rs files are still checked.
            data = self.manifest(manifest) if has_manifest else None
            name = ((data or {}).get("package") or {}).get("name") or root.name
            found = _walk_rs(root, self.excluded, self.targets.errors, self.boundary)
            crate = Crate(root, name, manifest if has_manifest else None, found, set(), project=self.boundary.root)
            self.crates[root] = crate
            self.targets.crates.append(crate)
        # Its hosts: reported with the whole crate; with only some of its files named, they still
        # decide those files' severities (the host contract), as when the whole crate is checked.
        if files is None and (created or crate.report_files is not None):
            self.targets.hosts.extend(self.host_files(root))
        elif created:
            self.context_hosts.extend(self.host_files(root))
        if files is None:
            crate.report_files = None
        elif crate.report_files is not None:
            crate.report_files |= files

    def host_files(self, root: Path) -> list[Path]:
        """JavaScript/TypeScript files below a crate or project folder (its www/, pkg/...), skipping
        target/, node_modules/, hidden folders and nested crates (they collect their own)."""
        found: list[Path] = []
        for here, subdirs, files in _walk(root, self.targets.errors, self.boundary):  # repeats of _walk_rs's are dropped at the end
            subdirs[:] = sorted(
                d for d in subdirs
                if not d.startswith(".") and d not in _SKIPPED_FOLDERS and not is_file(here / d / "Cargo.toml")
                and not self.excluded(here / d)
            )
            found.extend(here / f for f in sorted(files) if is_host_file(f) and not self.excluded(here / f))
        return found

    def directory(self, path: Path) -> None:
        manifest = path / "Cargo.toml"
        if is_file(manifest):
            if self.boundary.leaves(manifest):
                return  # a crate whose manifest lies elsewhere is not this project's
            data = self.manifest(manifest)
            if data is None:
                self.crate(path, None if self.reported else set())  # still checks the .rs files
                return
            workspace = data.get("workspace")
            if workspace is not None:
                self.entered.append(path.resolve())
                try:
                    self.workspace(path, workspace, is_package="package" in data)
                finally:
                    self.entered.pop()
            if "package" in data:
                self.crate(path, None if self.reported else set())
            elif workspace is None:
                self.targets.errors.append(RunError(display_path(manifest), "Cargo.toml has neither [package] nor [workspace]"))
            return
        enclosing = _enclosing_crate(path)
        if enclosing is not None:
            # A folder inside a crate (`src/`): analyse the crate, report this folder's files.
            inside = {f.resolve() for f in _walk_rs(path, self.excluded, self.targets.errors, self.boundary, crate=False)}
            self.crate(enclosing, inside)
            self.targets.hosts.extend(self.host_files(path))
            return
        loose: list[Path] = []
        for here, subdirs, files in _walk(path, self.targets.errors, self.boundary):
            keep = []
            for d in sorted(subdirs):
                if d.startswith(".") or d in _SKIPPED_FOLDERS or self.excluded(here / d):
                    continue
                if is_file(here / d / "Cargo.toml"):
                    if not self.boundary.leaves(here / d):
                        self.directory(here / d)
                else:
                    keep.append(d)
            subdirs[:] = keep
            loose.extend(here / f for f in sorted(files) if f.endswith(".rs") and not self.excluded(here / f))
            # Modules lying in a plain folder (a hand-written .wat, a wasm-pack pkg/) are checked too,
            # and so are the hosts that load them.
            self.targets.modules.extend(
                here / f for f in sorted(files) if f.endswith(MODULE_SUFFIXES) and not self.excluded(here / f)
            )
            self.targets.hosts.extend(here / f for f in sorted(files) if is_host_file(f) and not self.excluded(here / f))
        if loose:
            self.loose_files(path, loose)

    def workspace(self, root: Path, workspace: dict, is_package: bool) -> None:
        """Each member once. The root may list itself (`members = ["."]` beside its [package]: it is
        checked as that package); a member that is a workspace being read already, the root of a
        virtual manifest or one above it (`members = [".."]`), is a cycle: named, not followed."""
        excluded = {(root / e).resolve() for e in workspace.get("exclude", [])}
        shown = display_path(root / "Cargo.toml")
        for pattern in workspace.get("members", []):
            matches = sorted(glob.glob(str(root / pattern)))
            if not matches:
                self.targets.errors.append(RunError(shown, f"workspace member {pattern!r} matches no folder"))
            for member in map(Path, matches):
                why = self.boundary.why_outside(member)
                if why is not None:
                    self.targets.notes.append(f"{shown}: workspace member {json.dumps(pattern)} names {named_path(member)}: {why}")
                    continue
                real = member.resolve()
                if real in excluded:
                    continue
                if not is_file(member / "Cargo.toml"):
                    if is_dir(member) and not os.access(member, os.R_OK | os.X_OK, effective_ids=True):
                        self.targets.errors.append(RunError(shown, f"workspace member {pattern!r}: cannot "
                                                            f"read {display_path(member)} (permission denied); not checked"))
                    continue
                if real == self.entered[-1] and is_package:
                    continue  # the root package, checked by directory() once its members are
                if real in self.entered:
                    self.targets.errors.append(RunError(shown, f"workspace member {pattern!r} is "
                                                        f"{display_path(real)}: the workspace itself, or one that lists this one "
                                                        "(a cycle); not followed"))
                    continue
                self.directory(member)

    def loose_files(self, root: Path, files: list[Path]) -> None:
        # The files are resolved once found readable: a broken link is named as itself.
        crate = Crate(root.resolve(), root.resolve().name, None, list(files), None, project=self.boundary.root)
        self.targets.crates.append(crate)

    def file(self, path: Path) -> None:
        if path.suffix in MODULE_SUFFIXES:
            self.targets.modules.append(path)
            return
        # A file named on the command line is checked whatever the ignore files say; `exclude` still applies.
        if path.name.endswith(HOST_SUFFIXES):
            if not is_excluded(path, self.exclude):
                self.targets.hosts.append(path)
            return
        if path.suffix != ".rs":
            self.targets.errors.append(RunError(display_path(path), "not a Rust source, crate folder, .wasm/.wat module or JavaScript/TypeScript host"))
            return
        if is_excluded(path, self.exclude):
            return
        enclosing = _enclosing_crate(path.resolve())
        if enclosing is None:
            self.loose_files(path.parent, [path])
        else:
            self.named.add(path.resolve())
            self.crate(enclosing, {path.resolve()})


def discover(paths: list[Path], exclude: tuple[str, ...] = (),
             features: FeatureRequest | Callable[[Path], FeatureRequest] = FeatureRequest(),
             reported: bool = True, respect_ignore: bool = True) -> Targets:
    """Find what to check. Paths that do not exist are errors; the others are still collected.

    A crate's files are those rustc compiles for wasm32 with the features `features` asks for (one
    request for all crates, or one per crate root): its roots and the `mod` declarations they reach.
    `reported=False` collects crate folders as context only (see `Targets.with_context`).
    Folder walks skip what the git work tree's .gitignore and .ignore files leave out, unless
    `respect_ignore` is False; the paths given are checked whatever those files say.
    """
    collector = _Collector(exclude, reported, respect_ignore)
    targets = collector.targets
    for path in paths:
        if not exists(path) and not os.path.islink(path):  # a broken link is named as such below
            targets.errors.append(RunError(display_path(path), "no such file or directory"))
            continue
        # Paths given here are the user's: each one's project is found from where it points.
        collector.boundary = _Boundary(project_root(path), collector.refused)
        collector.given = path.resolve()
        modules, hosts = len(targets.modules), len(targets.hosts)
        if is_dir(path):
            collector.directory(path)
        else:
            collector.file(path)
        # A module or host the walk found through a symlink leading out of the project is not read.
        for found, start in ((targets.modules, modules), (targets.hosts, hosts)):
            found[start:] = [file for file in found[start:] if file == path or not collector.boundary.leaves(file)]
    for crate in targets.crates:
        crate.files = _crate_files(crate, targets.errors, collector.refused)
    request_of = features if callable(features) else (lambda _root: features)
    for crate in list(targets.crates):
        _keep_compiled_files(crate, request_of(crate.root), targets, collector.named, exclude, collector.refused)
    targets.modules = _readable(targets.modules, targets.errors, resolve=False)
    reported_hosts = _readable(targets.hosts, targets.errors)
    context = [host for host in _readable(collector.context_hosts, targets.errors) if host not in reported_hosts]
    targets.hosts = reported_hosts + context
    targets.context_hosts = set(context)
    targets.notes += collector.refused.notes()
    targets.notes += collector.ignore.notes if collector.ignore is not None else []
    targets.notes[:] = list(dict.fromkeys(targets.notes))  # a workspace given twice says it once
    empty = set()
    for crate in targets.crates:
        if crate.manifest is not None and not crate.files and crate.report_files is None and not exclude:
            targets.errors.append(RunError(display_path(crate.manifest), "the crate has no Rust files (.rs) to check"))
            empty.add(crate.root)
    for path in paths:
        if is_dir(path) and path.resolve() not in empty and not _has_input(path, targets):
            targets.errors.append(RunError(display_path(path), "no Rust files (.rs), modules or hosts found here"))
    # A folder that cannot be read is met by each walk over it (a crate's .rs files, its hosts).
    targets.errors = list({error.one_line(): error for error in targets.errors}.values())
    return targets


def _keep_compiled_files(crate: Crate, request: FeatureRequest, targets: Targets, named: set[Path],
                         exclude: tuple[str, ...], refused: _Refused) -> None:
    """Keep only the files rustc compiles into the crate, with their module paths; say which of the
    others are not part of it. A file named on the command line that is not part of its crate is
    checked alone, as its own crate root."""
    crate.feature_request = request
    if crate.manifest is None:
        crate.cfg = BuildCfg(frozenset(request.features))  # loose files: no [features] to resolve
        return
    manifest = crate.manifest
    data = _manifest_or_none(manifest)
    crate.features = crate_features(data, request, crate.name)
    crate.cfg = BuildCfg(crate.features.enabled)
    roots = crate_roots(crate.root, data, crate.name, lambda value: _place_in_manifest(manifest, value))
    if not roots:
        return  # nothing for rustc to start from (no src/lib.rs...): every file is read, as before
    known = set(crate.files)
    under_crate = os.path.join(crate.root, "")
    boundary = _Boundary(crate.project or Path("/"), refused)
    beyond: list[Path] = []  # files the declarations reach beyond the crate folder (`../shared/x.rs`)

    def read(path: Path) -> tuple[Path, bytes] | NotRead | None:
        named = os.path.normpath(path)
        if named in crate.unreadable:
            return None  # the folder walk said why already
        why = refused.covering(named)
        if why is not None:
            return NotRead(why)
        real = _resolved_or_none(path)
        if real not in known:
            # Not one the walk found and checked: look at it before anything else.
            if not os.path.lexists(path):
                return NotRead("no such file")
            problem = _unreadable(path)
            if problem is not None:
                return NotRead(problem)
            real = resolved(path)
            why = boundary.why_outside(path, real)
            if why is not None:
                return NotRead(why)
            # Under the crate folder, discovery skipped it on purpose (excluded, hidden, target/).
            if str(real).startswith(under_crate) or named.startswith(under_crate) or is_excluded(path, exclude):
                return None
            known.add(real)
            beyond.append(real)
        try:
            return real, read_regular(real, SOURCE_LIMIT)
        except OSError as exc:
            targets.errors.append(RunError(_shown_as_named(path), reason(exc)))
            return None

    tree = follow_crate(roots, crate.cfg, read, display_path, named_path)
    script = build_script(crate.root, data)
    script = resolved(script) if script is not None and is_file(script) else None
    orphans = [path for path in crate.files if path not in tree.files and path != script]
    crate.files = [path for path in crate.files if path in tree.files] + [p for p in beyond if p in tree.files]
    crate.modules = tree.files
    crate.conditions = tree.conditions
    crate.sources = tree.sources
    in_scope = crate.report_files
    for path in orphans:
        if in_scope is not None and path not in in_scope:
            continue
        why = tree.cut.get(path, "no mod declaration reaches it")
        note = f"{display_path(path)} is not part of crate {crate.name} ({why})"
        if in_scope is not None:
            in_scope.discard(path)
        if path in named:
            note += "; checked alone"
            targets.crates.append(Crate(path.parent, path.stem, None, [path], None, cfg=crate.cfg, modules={path: ()}))
        targets.notes.append(note)
    if in_scope is None:
        targets.notes.extend(tree.notes)
    elif not in_scope and any(path in named for path in orphans):
        targets.crates.remove(crate)  # only files that are not part of it were asked for


def _resolved_or_none(path: Path) -> Path | None:
    try:
        return resolved(path)
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return None


def _readable(paths: list[Path], errors: list[RunError], resolve: bool = True) -> list[Path]:
    """The paths that are regular files (resolved, each once); the others become errors naming them."""
    kept: dict[Path, None] = {}
    for path in paths:
        problem = _unreadable(path)
        if problem is not None:
            errors.append(RunError(_shown_as_named(path), problem))
        else:
            kept[resolved(path) if resolve else path] = None
    return list(kept)


def _crate_files(crate: Crate, errors: list[RunError], refused: _Refused) -> list[Path]:
    """The crate's files found by the folder walk that may be read, resolved, each once. One that
    is not a regular file is an error naming it; a symlink leading out of the project is refused,
    to be said once: by the declaration that names it, else alone."""
    kept: dict[Path, None] = {}
    boundary = _Boundary(crate.project or Path("/"), refused)
    for path in crate.files:
        problem = _unreadable(path)
        if problem is not None:
            errors.append(RunError(_shown_as_named(path), problem))
            crate.unreadable.add(os.path.normpath(path))
            continue
        real = resolved(path)
        if not boundary.leaves(path, real):
            kept[real] = None
    return list(kept)


def _place_in_manifest(manifest: Path, value: str) -> str:
    """Where a Cargo.toml writes a path value: `Cargo.toml:LINE` (the first line holding it
    quoted), else the file alone."""
    shown = display_path(manifest)
    try:
        lines = read_regular(manifest, CONFIG_LIMIT).decode("utf-8", errors="replace").split("\n")
    except OSError:
        return shown
    quoted = (json.dumps(value), f"'{value}'")
    line = next((number for number, text in enumerate(lines, 1) if any(q in text for q in quoted)), None)
    return shown if line is None else f"{shown}:{line}"


def _has_input(folder: Path, targets: Targets) -> bool:
    """Whether discovery found any .rs file or module under `folder` (or the crate it lies in)."""
    root = folder.resolve()
    if any(root in module.resolve().parents for module in targets.modules):
        return True
    if any(root in host.parents for host in targets.hosts):
        return True
    for crate in targets.crates:
        if crate.files and (crate.root == root or root in crate.root.parents or crate.root in root.parents):
            return True
    return False
