"""What the benchmarks share: best-of-N timing, and large real modules fetched from npm into the cache."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from wasmlint.cache import user_cache_dir


def best_of(runs: int, action) -> float:
    """The fastest of `runs` timings: the least disturbed by whatever else the machine is doing."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def cache_dir() -> Path:
    directory = user_cache_dir() / "bench"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def npm_wasm(package: str, suffix: str = ".wasm") -> Path:
    """The largest file whose name ends in `suffix` (a .wasm, or a JS bundle's whole name) in an
    npm package, fetched with `npm pack` on first use (never into the repo)."""
    target = cache_dir() / package.replace("@", "").replace("/", "-")
    found = sorted(target.glob("*" + suffix), key=lambda p: (p.name != suffix, -p.stat().st_size)) if target.is_dir() else []
    if found:
        return found[0]
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to fetch the module")
    target.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([npm, "pack", "--silent", package], cwd=target, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        sys.exit(f"npm pack {package} failed: {out.stderr.strip()}")
    tarball = target / out.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        # Kept flat, by file name: the lookup above finds them so.
        members = [m for m in archive.getmembers() if m.isfile() and Path(m.name).name.endswith(suffix)]
        if not members:
            sys.exit(f"{package} contains no {suffix} file")
        for member in members:
            (target / Path(member.name).name).write_bytes(archive.extractfile(member).read())
    tarball.unlink()
    return npm_wasm(package, suffix)
