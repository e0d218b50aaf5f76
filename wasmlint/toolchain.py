"""Find a Rust toolchain that can target wasm32-unknown-unknown and build cdylib guests with it."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from wasmlint.buildcopy import copy_folder, locked, plan_copy, sync_copy
from wasmlint.tomlfiles import read_cargo_toml, value_at

TARGET = "wasm32-unknown-unknown"
_SETUP_HINT = (
    "run scripts/setup-toolchain.sh (or `rustup target add wasm32-unknown-unknown`)"
)


class ToolchainError(RuntimeError):
    """No usable wasm32 toolchain was found."""


class BuildError(RuntimeError):
    """`cargo build` failed; the message starts with one line naming the crate."""


@dataclass(frozen=True)
class Toolchain:
    cargo: str
    rustc: str
    origin: str  # "env", "rustup", "path" or "debian"
    version: tuple[int, int] | None = None  # rustc's (major, minor), None when it does not say
    choice: str = ""  # which toolchain was chosen and why, one line: "rustup 1.95 lacks wasm32; using ..."

    @property
    def name(self) -> str:
        """`rustup 1.95`, `/usr/bin/cargo 1.63`: as the choice line and errors name it."""
        return _label(self.cargo, self.origin, self.version)


def _label(cargo: str, origin: str, version: tuple[int, int] | None) -> str:
    shown = "rustup" if origin == "rustup" else cargo
    return f"{shown} {version[0]}.{version[1]}" if version else shown


@functools.lru_cache(maxsize=None)
def rustc_version(rustc: str) -> tuple[int, int] | None:
    """`rustc --version`'s (major, minor): (1, 95) for `rustc 1.95.0 (59807616e 2026-04-14)`."""
    try:
        out = subprocess.run([rustc, "--version"], capture_output=True, text=True, timeout=30, env=_probe_env())
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.match(r"rustc (\d+)\.(\d+)", out.stdout.strip())
    return (int(found.group(1)), int(found.group(2))) if found else None


@dataclass(frozen=True)
class Artifact:
    package: str
    path: Path  # the .wasm file
    manifest_path: Path
    crate_dir: Path


def _probe_env() -> dict[str, str]:
    env = dict(os.environ)
    # A rustup proxy would otherwise try to download a missing toolchain, which hangs offline.
    env.setdefault("RUSTUP_AUTO_INSTALL", "0")
    return env


def _has_wasm_std(rustc: str) -> bool:
    """True when `rustc` has the wasm32 standard library installed (never downloads it)."""
    try:
        out = subprocess.run(
            [rustc, "--print", "target-libdir", "--target", TARGET],
            capture_output=True, text=True, timeout=30, env=_probe_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    # rustup's rustc prints the directory even when the target is not installed, so look inside.
    libdir = Path(out.stdout.strip())
    return out.returncode == 0 and libdir.is_dir() and any(libdir.glob("libstd-*.rlib"))


def _sibling_or_path(known: str, name: str) -> str | None:
    """The `name` binary next to `known`, else the one on PATH."""
    sibling = Path(known).parent / name
    return str(sibling) if sibling.is_file() else shutil.which(name)


def _candidates() -> list[tuple[str | None, str | None, str]]:
    on_path = (shutil.which("cargo"), shutil.which("rustc"))
    path_origin = "path"
    if on_path[1] and Path(on_path[1]).parent.joinpath("rustup").exists():
        path_origin = "rustup"
    elif on_path[1] == "/usr/bin/rustc":
        path_origin = "debian"
    return [(*on_path, path_origin), ("/usr/bin/cargo", "/usr/bin/rustc", "debian")]


@functools.lru_cache(maxsize=None)
def find_toolchain() -> Toolchain:
    """Return the first toolchain with the wasm32 std: env override, PATH, then Debian's /usr/bin.

    Cached per process; call `find_toolchain.cache_clear()` after changing the environment.
    """
    env_cargo, env_rustc = os.environ.get("WASMLINT_CARGO"), os.environ.get("WASMLINT_RUSTC")
    if env_cargo or env_rustc:
        # One of the two is set: each missing one is looked for beside the other.
        rustc = env_rustc or _sibling_or_path(env_cargo or "", "rustc")
        cargo = env_cargo or _sibling_or_path(env_rustc or "", "cargo")
        # An explicit choice that does not work is an error, not something to silently replace.
        if not (cargo and rustc and _has_wasm_std(rustc)):
            raise ToolchainError(
                f"WASMLINT_CARGO/WASMLINT_RUSTC (cargo={cargo}, rustc={rustc}) cannot build for "
                f"{TARGET}; {_SETUP_HINT}"
            )
        version = rustc_version(rustc)
        return Toolchain(cargo=cargo, rustc=rustc, origin="env", version=version,
                         choice=f"using {_label(cargo, 'env', version)} (WASMLINT_CARGO/WASMLINT_RUSTC)")
    passed: list[str] = []  # the candidates looked at before the one chosen, and why they were not
    seen: set[tuple[str, str]] = set()
    for cargo, rustc, origin in _candidates():
        if not (cargo and rustc and Path(cargo).is_file()) or (cargo, rustc) in seen:
            continue
        seen.add((cargo, rustc))
        version = rustc_version(rustc)
        if _has_wasm_std(rustc):
            using = f"using {_label(cargo, origin, version)} (has {TARGET.split('-')[0]})"
            return Toolchain(cargo=cargo, rustc=rustc, origin=origin, version=version,
                             choice="; ".join([*passed, using]))
        passed.append(f"{_label(cargo, origin, version)} lacks {TARGET.split('-')[0]}")
    looked = f" ({'; '.join(passed)})" if passed else ""
    raise ToolchainError(f"no Rust toolchain with the {TARGET} target found{looked}; {_SETUP_HINT}")


def default_target_dir(crate_dir: Path) -> Path:
    """Per-crate cargo target directory under the user cache dir (never inside the source tree)."""
    from wasmlint.cache import user_cache_dir

    digest = hashlib.sha256(str(crate_dir.resolve()).encode()).hexdigest()[:16]
    return user_cache_dir() / "target" / digest


def _package_name(manifest: Path, fallback: str) -> str:
    try:
        name = value_at(read_cargo_toml(manifest).data, "package", "name")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return fallback
    return name if isinstance(name, str) else fallback


# The first rustc that knows each edition.
EDITION_NEEDS = {"2015": (1, 0), "2018": (1, 31), "2021": (1, 56), "2024": (1, 85)}


def rust_needed(manifest: Path) -> tuple[tuple[int, int], str] | None:
    """The oldest rustc the crate says it builds with, and why: its `rust-version`, or its
    `edition` (also through `edition.workspace = true`); None when it says neither."""
    try:
        package = value_at(read_cargo_toml(manifest).data, "package")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(package, dict):
        return None
    needs: list[tuple[tuple[int, int], str]] = []
    for key in ("edition", "rust-version"):
        value = package.get(key)
        if isinstance(value, dict) and value.get("workspace") is True:
            value = _from_workspace(manifest.parent, key)
        if key == "edition" and isinstance(value, str) and value in EDITION_NEEDS:
            needs.append((EDITION_NEEDS[value], f"edition {value}"))
        elif key == "rust-version" and isinstance(value, str):
            found = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?", value.strip())
            if found:
                needs.append(((int(found.group(1)), int(found.group(2))), f"rust-version {value.strip()}"))
    return max(needs) if needs else None


def _from_workspace(folder: Path, key: str) -> object:
    """`[workspace.package] key` of the nearest workspace above `folder`."""
    for above in [folder, *folder.parents]:
        manifest = above / "Cargo.toml"
        if not manifest.is_file():
            continue
        try:
            workspace = value_at(read_cargo_toml(manifest).data, "workspace")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if isinstance(workspace, dict):
            return value_at(workspace, "package", key)
    return None


def build(
    crate_dir: Path,
    *,
    toolchain: Toolchain | None = None,
    target_dir: Path | None = None,
    offline: bool = True,
    timeout: float | None = 900,
    features: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Artifact]:
    """Build a crate or workspace for wasm32 in release mode; one Artifact per cdylib package.

    cargo builds a copy of the project in the user cache (`buildcopy.py`), so the source tree is
    never written, even when the build is killed, and may be read-only. It runs in the crate's own
    folder, so the project's `.cargo/config.toml` applies as with `cargo build` there; like
    `cargo build`, it runs the crate's build scripts and proc macros.

    `offline` keeps cargo from touching the network (`wasmlint check --build` passes False unless
    `--offline`: cargo fetches what it lacks, unless its own configuration says offline).
    `features`, when given, is exactly the set of features to build with (the source layer's).
    `progress` gets each line cargo writes to stderr as it comes (`Compiling x v0.1.0 (...)`).
    A crate whose edition or `rust-version` is newer than the toolchain is a BuildError naming both,
    before cargo runs.
    """
    crate_dir = Path(crate_dir).resolve()
    if crate_dir.name == "Cargo.toml":
        crate_dir = crate_dir.parent
    toolchain = toolchain or find_toolchain()
    target_dir = Path(target_dir) if target_dir else default_target_dir(crate_dir)
    manifest = crate_dir / "Cargo.toml"
    label = f"{_package_name(manifest, crate_dir.name)} ({crate_dir})"
    if not manifest.is_file():
        raise BuildError(f"cannot build {crate_dir}: no Cargo.toml there")
    needed = rust_needed(manifest)
    if needed is not None and toolchain.version is not None and toolchain.version < needed[0]:
        (major, minor), why = needed
        raise BuildError(f"cannot build {label} with {toolchain.name}: its {why} needs Rust {major}.{minor} or newer; "
                         f"install a newer Rust with the {TARGET} target (`rustup target add {TARGET}`), or point "
                         "WASMLINT_CARGO / WASMLINT_RUSTC at one")

    root, outside = plan_copy(crate_dir)
    if outside:
        (named_in, folder), *_ = outside
        raise BuildError(f"cannot build {label}: {named_in} names {folder}, outside the project; "
                         "--build copies only the project's own files")
    copy = copy_folder(root)
    tree = copy / "tree"
    cmd = [toolchain.cargo, "build", "--release", "--target", TARGET,
           "--message-format=json", "--manifest-path", str(tree / crate_dir.relative_to(root) / "Cargo.toml"),
           "--target-dir", str(target_dir)]
    if "=" not in str(root):
        # Debug info names the files rustc compiled: the project's, not the copy's. Given as
        # build.rustflags, which cargo joins with the project's own; a project that sets
        # target.<triple>.rustflags (or RUSTFLAGS) keeps only those, and its debug info names the copy.
        cmd[1:1] = ["--config", "build.rustflags=" + json.dumps([f"--remap-path-prefix={tree}={root}"])]
    if offline:
        cmd.append("--offline")
    if features is not None:
        cmd.append("--no-default-features")
        if features:
            cmd += ["--features", ",".join(features)]
    env = _probe_env()
    env["RUSTC"] = toolchain.rustc
    # cargo writes the copy's paths: the user is shown the project's own.
    shown = None if progress is None else (lambda line: progress(line.replace(str(tree), str(root))))
    try:
        with locked(copy):
            sync_copy(root, tree)
            proc = _run_cargo(cmd, crate_dir, env, timeout, shown)
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"cargo build of {label} timed out after {exc.timeout:.0f} s") from None
    except OSError as exc:
        raise BuildError(f"cargo build of {label} could not start: {exc}") from None

    def in_tree(path: str) -> Path:
        """The project's own path for a path in the copy (cargo names the copy's files)."""
        return root / Path(path).relative_to(tree) if Path(path).is_relative_to(tree) else Path(path)

    artifacts: list[Artifact] = []
    errors: list[str] = []
    for line in proc.stdout.splitlines():
        if not line.startswith("{"):
            continue
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-message":
            diag = msg.get("message") or {}
            if diag.get("level") in ("error", "error: internal compiler error"):
                errors.append((diag.get("rendered") or diag.get("message", "")).rstrip().replace(str(tree), str(root)))
        elif (msg.get("reason") == "compiler-artifact"
              and "cdylib" in msg.get("target", {}).get("crate_types", [])):
            member_manifest = in_tree(msg["manifest_path"])
            for filename in msg.get("filenames", []):
                if filename.endswith(".wasm"):
                    artifacts.append(Artifact(
                        package=_package_name(member_manifest, msg["target"]["name"]),
                        path=Path(filename),
                        manifest_path=member_manifest,
                        crate_dir=member_manifest.parent,
                    ))

    if proc.returncode != 0:
        detail = "\n\n".join(errors) or "\n".join(proc.stderr.replace(str(tree), str(root)).strip().splitlines()[-20:])
        raise BuildError(f"cargo build failed for {label} with {toolchain.name}\n{detail}".rstrip())
    return artifacts


def _run_cargo(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float | None,
               progress: Callable[[str], None] | None) -> subprocess.CompletedProcess:
    """Run cargo, collecting stdout (its JSON messages) and stderr, each stderr line handed to
    `progress` as it comes; raises subprocess.TimeoutExpired after killing it."""
    process = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, errors="replace")
    out: list[str] = []
    err: list[str] = []

    def pump(stream, into: list[str], echo: Callable[[str], None] | None) -> None:
        for line in stream:
            into.append(line)
            if echo is not None:
                echo(line.rstrip("\n"))

    readers = [threading.Thread(target=pump, args=(process.stdout, out, None), daemon=True),
               threading.Thread(target=pump, args=(process.stderr, err, progress), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    finally:
        for reader in readers:
            reader.join()
    return subprocess.CompletedProcess(cmd, process.returncode, "".join(out), "".join(err))
