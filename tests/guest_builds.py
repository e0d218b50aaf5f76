"""The shipped guests built for wasm32 by each compiler the suite tests with.

Users build with a current rustc, whose wasm32 output differs from Debian's rustc 1.63 (v0-mangled
std, `__rustc::` allocator symbols, padded `call_indirect` immediates, `memory.copy`): the module
layer must read both. Debian's rustc 1.63 builds as `wasmlint --build` does (`wasmlint.toolchain`);
the current rustc is rustc-web 1.96 unpacked by `scripts/setup-modern-rust.sh`, with std built from
source (`-Zbuild-std`, std's dependencies from rust-web-src's vendored copies). tests/conftest.py
gives them to the tests (the `compiler` fixture), bench/source_vs_module.py to its measurement.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from wasmlint import toolchain
from wasmlint.cache import user_cache_dir

GUESTS = Path(__file__).resolve().parents[1] / "guests"
TARGET = "wasm32-unknown-unknown"
CURRENT_VERSION = "1.96"
# Every package outside the guest's workspace, which with -Zbuild-std is std and its dependencies.
STD_OPT_LEVEL = 'profile.release.package."*".opt-level=3'


class CompilerMissing(RuntimeError):
    """The compiler is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Compiler:
    name: str  # the test id: "rustc-1.63", "rustc-1.96"
    version: tuple[int, int]
    current: bool  # rustc-web with -Zbuild-std (else Debian's rustc with its packaged std)

    def __str__(self) -> str:
        return self.name


DEBIAN_RUSTC = Compiler("rustc-1.63", (1, 63), current=False)
CURRENT_RUSTC = Compiler(f"rustc-{CURRENT_VERSION}", (1, 96), current=True)
COMPILERS = (DEBIAN_RUSTC, CURRENT_RUSTC)


def current_rustc_prefix() -> Path:
    """Where scripts/setup-modern-rust.sh unpacks rustc-web (the same default as the script)."""
    if os.environ.get("WASMLINT_MODERN_RUST"):
        return Path(os.environ["WASMLINT_MODERN_RUST"])
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local/share")
    return Path(data_home) / "wasmlint" / f"rust-web-{CURRENT_VERSION}"


def current_target_dir() -> Path:
    """One target folder for every guest the current rustc builds, shared with the setup script's
    probe: std is built from source once (about 40 s on 2 cores), then reused."""
    return user_cache_dir() / "target" / f"rustc-web-{CURRENT_VERSION}"


def _required_rust(crate_dir: Path) -> tuple[int, int] | None:
    """The `rust-version` a guest's Cargo.toml asks for, as (major, minor)."""
    with (crate_dir / "Cargo.toml").open("rb") as fh:
        wanted = tomllib.load(fh).get("package", {}).get("rust-version")
    found = re.match(r"(\d+)\.(\d+)", wanted or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


def _has_dependencies(crate_dir: Path) -> bool:
    with (crate_dir / "Cargo.toml").open("rb") as fh:
        return bool(tomllib.load(fh).get("dependencies"))


def buildable_guests(compiler: Compiler) -> list[Path]:
    """The guest crates `compiler` builds here.

    A guest with a SOURCE_ONLY file is not built, unless all that stops it is a `rust-version`
    newer than Debian's rustc that this compiler meets (`unsafe-no-mangle`). The current rustc
    does not build guests with dependencies: those are the wasm-bindgen guests, and Debian's
    wasm-bindgen 0.2.83 (the one available offline) is refused by rustc itself ("older versions of
    the `wasm-bindgen` crate are incompatible with current versions of Rust"), so they are built by
    rustc 1.63 only.
    """
    found = []
    for crate in sorted(p for p in GUESTS.iterdir() if (p / "Cargo.toml").is_file()):
        required = _required_rust(crate)
        if (crate / "SOURCE_ONLY").exists() and not (required and compiler.version >= required):
            continue
        if required and compiler.version < required:
            continue
        if compiler.current and _has_dependencies(crate):
            continue
        found.append(crate)
    return found


@functools.cache
def build_guest(crate_dir: Path, compiler: Compiler, debug_info: bool = False) -> dict[str, Path]:
    """The modules of one guest (a crate or a workspace), by package name; built once a session
    (and cached across sessions, outside the tree). `debug_info` (the current rustc only) adds
    DWARF for the crate's own code, not for std, whose build is shared."""
    if not compiler.current:
        if debug_info:
            raise ValueError("rustc 1.63 debug builds: set CARGO_PROFILE_RELEASE_DEBUG for toolchain.build")
        try:
            return {artifact.package: artifact.path for artifact in toolchain.build(crate_dir)}
        except toolchain.ToolchainError as exc:
            raise CompilerMissing(str(exc)) from None
    # Cargo strips debug info from release builds whose profile has none: keep it.
    return _build_with_current_rustc(crate_dir, ["-Cdebuginfo=2", "-Cstrip=none"] if debug_info else [])


def _current_env(prefix: Path) -> dict[str, str]:
    rustc, cargo = prefix / "bin/rustc", prefix / "bin/cargo"
    if not (rustc.is_file() and cargo.is_file() and (prefix / "cargo-home/config.toml").is_file()):
        raise CompilerMissing(f"rustc {CURRENT_VERSION} is not unpacked in {prefix} "
                              "(scripts/setup-modern-rust.sh installs it)")
    # CARGO_HOME's config replaces crates.io by std's vendored sources; RUSTC_BOOTSTRAP opens
    # -Zbuild-std and -Zlockfile-path on this stable compiler.
    return {**os.environ, "CARGO_HOME": str(prefix / "cargo-home"), "RUSTC": str(rustc), "RUSTC_BOOTSTRAP": "1"}


def _cdylib_packages(cargo: Path, manifest: Path, env: dict[str, str]) -> list[str]:
    """The packages of a crate or workspace that build a cdylib (`cargo rustc` takes one at a time)."""
    proc = subprocess.run([str(cargo), "metadata", "--no-deps", "--offline", "--format-version", "1",
                           "--manifest-path", str(manifest)],
                          env=env, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"cargo metadata failed for {manifest}: {proc.stderr.strip()[-2000:]}")
    return [package["name"] for package in json.loads(proc.stdout)["packages"]
            if any("cdylib" in target["crate_types"] for target in package["targets"])]


def _build_with_current_rustc(crate_dir: Path, rustc_args: list[str]) -> dict[str, Path]:
    prefix = current_rustc_prefix()
    env = _current_env(prefix)
    cargo, manifest = prefix / "bin/cargo", crate_dir / "Cargo.toml"
    target_dir = current_target_dir()
    # Artefacts land in the shared target folder under their crate's name, which another checkout's
    # guest of the same name overwrites: each build copies its modules out to a folder of its own,
    # under a lock held from the build to the copy.
    key = hashlib.sha256(str(crate_dir.resolve()).encode()).hexdigest()[:16]
    own = target_dir / "guests" / key / ("debug" if rustc_args else "")
    own.mkdir(parents=True, exist_ok=True)
    modules: dict[str, Path] = {}
    with (target_dir / "guests" / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for package in _cdylib_packages(cargo, manifest, env):
            built = _cargo_rustc(cargo, manifest, package, target_dir, own / "Cargo.lock", env, rustc_args)
            copy = own / built.name
            data = built.read_bytes()
            if not copy.is_file() or copy.read_bytes() != data:
                temporary = copy.with_suffix(".tmp")
                temporary.write_bytes(data)
                os.replace(temporary, copy)
            modules[package] = copy
    return modules


def _cargo_rustc(cargo: Path, manifest: Path, package: str, target_dir: Path, lockfile: Path,
                 env: dict[str, str], rustc_args: list[str]) -> Path:
    """Build one cdylib package; the path of its module in the target folder."""
    # The crate's own code is mangled as a stable toolchain mangles it (legacy), std as it ships
    # (v0); RUSTC_BOOTSTRAP alone would make rustc mangle everything v0, as nightly does. std is
    # compiled at opt-level 3 whatever the guest's profile says, as the std a toolchain ships is:
    # one std build then serves every guest. The lock file goes beside the copies: building never
    # writes into the tree.
    cmd = [str(cargo), "rustc", "--offline", "--lib", "--release", "--target", TARGET,
           "--message-format=json", "--manifest-path", str(manifest), "--target-dir", str(target_dir),
           "-p", package, "-Zbuild-std=std,panic_abort", "--config", STD_OPT_LEVEL,
           "-Zlockfile-path", "--config", f"resolver.lockfile-path={json.dumps(str(lockfile))}",
           "--", "-Csymbol-mangling-version=legacy", "-Zunstable-options", *rustc_args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    messages = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    wasm = [Path(name) for message in messages if message.get("reason") == "compiler-artifact"
            for name in message.get("filenames", []) if name.endswith(".wasm")]
    if proc.returncode != 0 or len(wasm) != 1:
        errors = [message["message"].get("rendered", "") for message in messages
                  if message.get("reason") == "compiler-message" and message["message"].get("level") == "error"]
        raise RuntimeError(f"rustc {CURRENT_VERSION} could not build {package} ({manifest}):\n"
                           + "\n".join(errors or [proc.stderr.strip()[-3000:]]))
    return wasm[0]

