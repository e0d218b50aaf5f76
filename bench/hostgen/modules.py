"""The two modules the programs load, built when a run starts: `module.wat` with `wat2wasm`, and
the Rust guest `guests/differential` with the project's toolchain (same imports and exports)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

WAT = Path(__file__).with_name("module.wat")
RUST_GUEST = Path(__file__).resolve().parents[2] / "guests" / "differential"


class ModuleUnavailable(RuntimeError):
    pass


def wat_module(folder: Path) -> Path:
    tool = shutil.which("wat2wasm")
    if tool is None:
        raise ModuleUnavailable("wat2wasm is not installed (Debian: apt-get install wabt)")
    out = folder / "module.wasm"
    proc = subprocess.run([tool, str(WAT), "-o", str(out)], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise ModuleUnavailable(f"wat2wasm failed on {WAT.name}: {proc.stderr.strip()}")
    return out


def rust_module() -> Path:
    from wasmlint import toolchain

    try:
        (artifact,) = toolchain.build(RUST_GUEST)
    except toolchain.ToolchainError as exc:
        raise ModuleUnavailable(f"the Rust guest {RUST_GUEST.name} cannot be built: {exc}") from exc
    return artifact.path


def build_modules(folder: Path, wanted: tuple[str, ...] = ("wat", "rust")) -> dict[str, Path]:
    """Module name -> .wasm file, for each of `wanted`."""
    builders = {"wat": lambda: wat_module(folder), "rust": rust_module}
    return {name: builders[name]() for name in wanted}
