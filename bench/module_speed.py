"""Time the module layer against `wasm-objdump -d` on a large real module (default: @biomejs/wasm-nodejs).

    python bench/module_speed.py [--package NAME] [--module PATH] [--runs N]

The npm package is fetched once with `npm pack` into the user cache directory (never the repo).
Prints the time of `analyze_module`, of the whole `inspect` path (read, decode, analyse, render
text and JSON), of `wasmlint inspect` as a command when the CLI has it, and of
`wasm-objdump -d > /dev/null`, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import best_of, npm_wasm  # noqa: E402
from wasmlint.module import analyze_module, analyze_module_file, render_inspect_text  # noqa: E402

DEFAULT_PACKAGE = "@biomejs/wasm-nodejs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default=DEFAULT_PACKAGE)
    parser.add_argument("--module", type=Path, help="a local .wasm instead of the npm package")
    parser.add_argument("--runs", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args()
    path = args.module or npm_wasm(args.package)
    data = path.read_bytes()
    print(f"module: {path} ({len(data) / 2**20:.1f} MiB)")

    analyze = best_of(args.runs, lambda: analyze_module(data))

    def inspect_path() -> None:
        facts = analyze_module_file(path)
        render_inspect_text(facts, str(path))
        json.dumps(facts.to_dict())

    inspect = best_of(args.runs, inspect_path)
    facts = analyze_module(data)
    print(f"  {facts.function_count} functions, {len(facts.grow_sites)} grow sites, "
          f"{sum(1 for e in facts.exports if e.status == 'grows')} of "
          f"{sum(1 for e in facts.exports if e.kind == 'func')} exported functions reach memory.grow")

    command = None
    probe = subprocess.run([sys.executable, "-m", "wasmlint", "inspect", "--help"], capture_output=True)
    if probe.returncode == 0:
        command = best_of(args.runs, lambda: subprocess.run(
            [sys.executable, "-m", "wasmlint", "inspect", str(path)], stdout=subprocess.DEVNULL, check=True))

    objdump_bin = shutil.which("wasm-objdump")
    objdump = None
    if objdump_bin:
        def run_objdump() -> None:
            with open(os.devnull, "wb") as sink:
                subprocess.run([objdump_bin, "-d", str(path)], stdout=sink, check=True)
        objdump = best_of(1, run_objdump)  # slow and steady: one run is enough

    rows = [("analyze_module", analyze), ("inspect path (in process)", inspect)]
    if command is not None:
        rows.append(("wasmlint inspect (command)", command))
    for label, seconds in rows:
        ratio = f"  {objdump / seconds:5.1f}x faster than wasm-objdump -d" if objdump else ""
        print(f"  {label:<28} {seconds:7.2f} s{ratio}")
    if objdump is not None:
        print(f"  {'wasm-objdump -d > /dev/null':<28} {objdump:7.2f} s")
    else:
        print("  wasm-objdump not installed (Debian package wabt): no comparison")


if __name__ == "__main__":
    main()
