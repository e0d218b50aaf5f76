"""Benchmark the runtime layer: greeting guests end to end, and compiling one large real module.

    python bench/runtime_speed.py [--package @resvg/resvg-wasm@2.6.2] [--repeat 5] [--skip-large]

The large module is fetched with `npm pack` into the user's cache directory (never the repository)
and compiled with Cranelift and Winch, without wasmtime's code cache, with a cold cache and with a
warm one. Figures are printed side by side with their ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import npm_wasm  # noqa: E402
from wasmlint.runtime import Limits, load_scenario, run_module  # noqa: E402
from wasmlint.runtime.sandbox import compile_module  # noqa: E402
from wasmlint.runtime.worker import module_shape  # noqa: E402

GUESTS = ("greeting-alloc", "greeting-static", "greeting-wat")
DEFAULT_PACKAGE = "@resvg/resvg-wasm@2.6.2"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms" if seconds < 10 else f"{seconds:8.2f} s "


def secs(seconds: float | None) -> str:
    return "       n/a" if seconds is None else f"{seconds:9.3f}s"


def guest_module(name: str) -> Path | None:
    if name == "greeting-wat":
        return ROOT / "guests" / name / "greeting.wat"
    try:
        from wasmlint.toolchain import build

        return build(ROOT / "guests" / name)[0].path
    except Exception as exc:  # no toolchain: report and go on with the others
        print(f"  {name}: not built ({str(exc).splitlines()[0]})")
        return None


def bench_guests(repeat: int) -> None:
    print(f"greeting guests: scenario run in the worker, median of {repeat}")
    header = f"  {'guest':<16}{'compile':>12}{'compile':>12}{'instantiate':>13}{'scenario':>12}{'pinpoint':>12}{'worker':>12}"
    print(header)
    print(f"  {'':<16}{'(no cache)':>12}{'(cached)':>12}{'':>13}{'':>12}{'':>12}{'total':>12}")
    for name in GUESTS:
        module = guest_module(name)
        if module is None:
            continue
        scenario = load_scenario(ROOT / "guests" / name / "scenario.toml")
        rows: dict[str, list[float]] = {"nocache": [], "compile": [], "instantiate": [], "run": [],
                                        "pinpoint": [], "total": []}
        for _ in range(repeat):
            cold = run_module(module, scenario, Limits(cache=False), pinpoint=False)
            rows["nocache"].append(cold.timings.get("compile", 0.0))
            began = time.perf_counter()
            warm = run_module(module, scenario)
            rows["total"].append(time.perf_counter() - began)
            if warm.error or warm.failures:
                print(f"  {name}: run failed: {warm.error or warm.failures}")
                break
            for key in ("compile", "instantiate", "run", "pinpoint"):
                rows[key].append(warm.timings.get(key, 0.0))
        med = {key: statistics.median(values) if values else 0.0 for key, values in rows.items()}
        print(f"  {name:<16}{ms(med['nocache']):>12}{ms(med['compile']):>12}{ms(med['instantiate']):>13}"
              f"{ms(med['run']):>12}{ms(med['pinpoint']):>12}{ms(med['total']):>12}")


def time_compile(data: bytes, code_size: int, compiler: str, cache_home: str | None) -> float | None:
    saved = os.environ.get("XDG_CACHE_HOME")
    if cache_home:
        os.environ["XDG_CACHE_HOME"] = cache_home
    try:
        began = time.perf_counter()
        compiled = compile_module(data, Limits(compiler=compiler, cache=cache_home is not None),
                                  code_size=code_size)
        elapsed = time.perf_counter() - began
        if compiled.compiler != compiler:
            return None  # Winch refused the module and Cranelift stepped in
        return elapsed
    finally:
        if saved is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved


def bench_large(package: str) -> None:
    try:
        path = npm_wasm(package)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"large module: could not fetch {package} ({exc})")
        return
    data = path.read_bytes()
    code_size, _ = module_shape(data)
    print(f"\nlarge module: {package} {path.name}, {len(data) / 1e6:.1f} MB, code section "
          f"{code_size / 1e6:.1f} MB (compile only, one run each)")
    print(f"  {'compiler':<12}{'no cache':>11}{'cold cache':>12}{'warm cache':>12}{'no cache / warm':>18}")
    results = {}
    for compiler in ("cranelift", "winch"):
        with tempfile.TemporaryDirectory(prefix="wasmlint-bench-cache-") as cache_home:
            plain = time_compile(data, code_size, compiler, None)
            cold = time_compile(data, code_size, compiler, cache_home)
            warm = time_compile(data, code_size, compiler, cache_home)
        results[compiler] = plain
        ratio = f"{plain / warm:16.0f}x" if plain and warm else f"{'n/a':>17}"
        print(f"  {compiler:<12}{secs(plain):>11}{secs(cold):>12}{secs(warm):>12}{ratio:>18}")
    if results.get("cranelift") and results.get("winch"):
        print(f"  Cranelift / Winch without cache: {results['cranelift'] / results['winch']:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default=DEFAULT_PACKAGE, help="npm package holding a large .wasm")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    bench_guests(args.repeat)
    if not args.skip_large:
        bench_large(args.package)


if __name__ == "__main__":
    main()
