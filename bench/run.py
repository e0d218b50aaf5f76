"""Every wasmlint benchmark in one run: our time next to a reference's time on the same input.

    python -m bench                 (or: python bench/run.py)
    python -m bench --only source   (source | module | runtime | host | hook)
    python -m bench --only host-differential [--programs N] [--seed S] [--gate]
                                    (the host layer judged by V8 on generated programs: bench/hostgen)
    python -m bench --only source-vs-module   (not timed: the source layer's verdicts against the
                                               module's, bench/source_vs_module.py)
    python -m bench --only growth   (adversarial inputs at n, 2n, 4n: bench/growth.py; not run by default)

Inputs: the Rust crates Debian installs under /usr/share/cargo/registry (apt-get install
librust-regex-dev librust-serde-dev librust-syn-dev ...), `@biomejs/wasm-nodejs` and
`@resvg/resvg-wasm` fetched with `npm pack` into the user cache directory (never the repository).
References: tree-sitter parse-only, ast-grep (`pip install ast-grep-cli`), wasm-objdump (Debian
wabt). Commands run as a user runs them: a separate process, bytecode compiled as by pip install.
Each figure is the best of --runs runs; the machine is shared, so read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script too, from anywhere

from bench.common import best_of, npm_wasm  # noqa: E402
from bench.hostgen.command import DEFAULT_PROGRAMS, DEFAULT_SEED, TARGET_PRECISION, TARGET_RECALL  # noqa: E402
from bench.jobs import jobs_rows  # noqa: E402

REGISTRY = Path("/usr/share/cargo/registry")
SMALL_CRATE = "proc-macro2-"  # about 5.5k lines: the "normal crate" of the start-up target
BIG_MODULE = "@biomejs/wasm-nodejs"
COMPILE_MODULE = "@resvg/resvg-wasm@2.6.2"


@dataclass
class Row:
    name: str
    ours: float | None
    reference: str
    theirs: float | None
    ratio: str  # how the ratio is formed, e.g. "parse / ours"
    target: str
    ours_on_top: bool = False  # the ratio is ours / theirs (else theirs / ours)

    def ratio_value(self) -> float | None:
        if not self.ours or not self.theirs:
            return None
        return self.ours / self.theirs if self.ours_on_top else self.theirs / self.ours


# -- helpers ---------------------------------------------------------------------------------------


def wasmlint_command() -> list[str]:
    script = Path(sys.executable).with_name("wasmlint")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wasmlint"]


def user_env() -> dict[str, str]:
    """The environment of a user's shell: bytecode is cached, as after `pip install`."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("WASMLINT_CACHE_DIR", None)
    env["NO_COLOR"] = "1"
    return env


def timed_command(args: list[str], runs: int, ok=(0, 1)) -> float:
    def once() -> None:
        result = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=user_env())
        if result.returncode not in ok:
            raise SystemExit(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.decode()[-400:]}")
    return best_of(runs, once)


def crates(names: list[str] | None) -> list[Path]:
    found = sorted(p for p in REGISTRY.glob("*") if p.is_dir() and any(p.rglob("*.rs")))
    if names:
        found = [p for p in found if any(p.name.startswith(n) for n in names)]
    if not found:
        raise SystemExit(f"no crate sources under {REGISTRY}: apt-get install librust-regex-dev librust-serde-dev librust-syn-dev")
    return found


def rust_files(folders: list[Path]) -> list[Path]:
    return [f for folder in folders for f in sorted(folder.rglob("*.rs")) if "/target/" not in f.as_posix()]


def count_lines(files: list[Path]) -> int:
    return sum(f.read_bytes().count(b"\n") for f in files)


def tool(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


# -- source layer ----------------------------------------------------------------------------------


def source_rows(corpus: list[Path], runs: int) -> list[Row]:
    from wasmlint.cache import digest
    from wasmlint.check import run_check
    from wasmlint.options import CheckOptions
    from wasmlint.rules import select_rules
    from wasmlint.config import Config
    from wasmlint.discover import discover
    from wasmlint.rules import builtin_rules
    from wasmlint.source.parsing import parser

    files = rust_files(corpus)
    sources = [f.read_bytes() for f in files]
    lines = sum(s.count(b"\n") for s in sources)
    label = f"{len(corpus)} crates, {lines // 1000}k lines"
    rows: list[Row] = []

    # In process, one core: the layer's own speed, without start-up or output.
    ts = parser()
    parse_only = best_of(runs, lambda: [ts.parse(s) for s in sources])
    targets = discover(corpus)
    rules = select_rules(builtin_rules(), Config())
    layer = best_of(runs, lambda: run_check(targets, rules, rules, CheckOptions(all_functions=True, jobs=1)))
    rows.append(Row(f"source layer, every rule + call graph, 1 core ({label})", layer,
                    "tree-sitter parse only", parse_only, "parse / ours", ">= 0.50"))

    command = wasmlint_command()
    check = command + ["check", *map(str, corpus), "--all-functions", "--format", "json"]
    subprocess.run(check + ["--no-cache"], stdout=subprocess.DEVNULL, env=user_env())  # writes bytecode
    one_job = timed_command(check + ["--no-cache", "-j", "1"], runs)
    ast_grep = tool("ast-grep")
    if ast_grep:
        pattern = [ast_grep, "run", "-p", "format!($$$)", "-l", "rust", "-j", "1", *map(str, corpus)]
        theirs = timed_command(pattern, runs)
    else:
        theirs = None
        print("ast-grep not found: pip install ast-grep-cli", file=sys.stderr)
    rows.append(Row("wasmlint check, all rules, -j 1, no cache (command)", one_job,
                    "ast-grep run -p 'format!($$$)' -j 1", theirs, "ast-grep / ours", ">= 1.0"))
    cores = len(os.sched_getaffinity(0))
    parallel = timed_command(check + ["--no-cache", "-j", str(cores)], runs)
    rows.append(Row(f"wasmlint check, -j {cores}, no cache (command)", parallel, "the same with -j 1", one_job,
                    "-j 1 / -j N", "> 1.0"))

    # The cache: a cold run fills a fresh folder, a warm one reads it back.
    with tempfile.TemporaryDirectory(prefix="wasmlint-bench-cache-") as folder:
        cached = check + ["--cache-dir", folder]
        cold = warm = float("inf")
        for _ in range(runs):
            shutil.rmtree(folder, ignore_errors=True)
            cold = min(cold, timed_command(cached, 1))
            warm = min(warm, timed_command(cached, 1))
    rows.append(Row("warm re-run, unchanged tree (command)", warm, "cold run, empty cache", cold,
                    "warm / cold", "<= 0.10", ours_on_top=True))
    hashing = best_of(runs, lambda: [digest(f.read_bytes()) for f in files])
    rows.append(Row("  of which: read + hash every file (in process)", hashing, "the warm run", warm,
                    "hash / warm", "(share)", ours_on_top=True))
    short = max(runs, 10)  # sub-second commands: more runs, so that the best one is undisturbed
    interpreter = timed_command(command + ["--version"], short)
    rows.append(Row("  of which: start-up (wasmlint --version)", interpreter, "the warm run", warm,
                    "start-up / warm", "(share)", ours_on_top=True))

    small = [p for p in corpus if p.name.startswith(SMALL_CRATE)] or crates([SMALL_CRATE])
    small_lines = count_lines(rust_files(small))
    label = f"{small_lines / 1000:.1f}k-line crate ({small[0].name})"
    with tempfile.TemporaryDirectory(prefix="wasmlint-bench-") as folder:
        crate = Path(folder) / small[0].name
        shutil.copytree(small[0], crate)
        check_small = command + ["check", str(crate), "--cache-dir", str(Path(folder) / "cache")]
        subprocess.run(check_small, stdout=subprocess.DEVNULL, env=user_env())
        lib = crate / "src" / "lib.rs"
        edits = iter(range(10**6))

        def edited() -> None:
            # What a pre-commit run usually meets: one file changed since the last run, so the
            # crate is analysed again (the rule files come from the cache).
            with lib.open("a") as out:
                out.write(f"// edit {next(edits)}\n")
            subprocess.run(check_small, stdout=subprocess.DEVNULL, env=user_env())

        for mode, seconds in (
            ("no cache at all", timed_command(check_small + ["--no-cache"], short)),
            ("one file edited since the last run", best_of(short, edited)),
            ("unchanged since the last run", timed_command(check_small, short)),
        ):
            rows.append(Row(f"{label}, {mode}, end to end", seconds, "target", 0.300, "ours / target",
                            "<= 1.0", ours_on_top=True))
    return rows


# -- module layer ----------------------------------------------------------------------------------


def module_rows(runs: int) -> list[Row]:
    path = npm_wasm(BIG_MODULE)
    size = path.stat().st_size / 2**20
    ours = timed_command(wasmlint_command() + ["inspect", "--no-cache", str(path)], runs)
    objdump = tool("wasm-objdump")
    theirs = None
    if objdump:
        theirs = timed_command([objdump, "-d", str(path)], 1)  # slow and steady: one run is enough
    else:
        print("wasm-objdump not found: apt-get install wabt", file=sys.stderr)
    return [Row(f"wasmlint inspect, {BIG_MODULE} ({size:.1f} MiB) (command)", ours,
                "wasm-objdump -d", theirs, "objdump / ours", ">= 1.0, ours <= 2 s")]


# -- host layer ------------------------------------------------------------------------------------

# Large real bundles that host Wasm: pdf.js's worker (2.2 MB; it runs an Emscripten-built
# OpenJPEG decoder), and sql.js's Emscripten glue, where nearly every line touches memory (the
# hardest case for the host layer: little of it can be skipped).
HOST_BUNDLES = (("pdfjs-dist@4.10.38", "build/pdf.worker.mjs"), ("sql.js@1.13.0", "dist/sql-wasm-debug.js"))


def host_rows(runs: int) -> list[Row]:
    """The host layer on large real JavaScript files, next to tree-sitter's parse alone (1 core)."""
    from wasmlint.host import analyze_host
    from wasmlint.host.parsing import parse_host

    def best(work) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return min(times)

    rows = []
    for package, inside in HOST_BUNDLES:
        path = npm_wasm(package, inside.rsplit("/", 1)[-1])
        source = path.read_bytes()
        lines = source.count(b"\n") + 1
        name = path.name
        parse = best(lambda: parse_host(name, source))  # noqa: B023 (best() calls it before the loop moves on)
        ours = best(lambda: analyze_host(name, source))  # noqa: B023
        rows.append(Row(f"host layer, {inside} of {package} ({len(source) / 2**20:.1f} MiB, {lines:,} lines, "
                        f"{lines / ours:,.0f} lines/s)", ours, "tree-sitter parse only", parse, "parse / ours", ">= 0.5"))
    return rows


# -- runtime layer ---------------------------------------------------------------------------------


def runtime_rows() -> list[Row]:
    from wasmlint.runtime.limits import Limits
    from wasmlint.runtime.sandbox import compile_module
    from wasmlint.runtime.worker import module_shape

    data = npm_wasm(COMPILE_MODULE).read_bytes()
    code_size, _ = module_shape(data)
    times: dict[str, float] = {}
    for compiler in ("cranelift", "winch"):
        began = time.perf_counter()
        compiled = compile_module(data, Limits(compiler=compiler, cache=False), code_size=code_size)
        times[compiler] = time.perf_counter() - began if compiled.compiler == compiler else float("nan")
    with tempfile.TemporaryDirectory(prefix="wasmlint-bench-cache-") as home:
        saved = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = home
        try:
            compile_module(data, Limits(compiler="winch", cache=True), code_size=code_size)
            began = time.perf_counter()
            compile_module(data, Limits(compiler="winch", cache=True), code_size=code_size)
            warm = time.perf_counter() - began
        finally:
            if saved is None:
                os.environ.pop("XDG_CACHE_HOME")
            else:
                os.environ["XDG_CACHE_HOME"] = saved
    size = len(data) / 2**20
    return [
        Row(f"compile {COMPILE_MODULE} ({size:.1f} MiB) with Winch", times["winch"], "Cranelift",
            times["cranelift"], "ref / ours", "(speed-up)"),
        Row("  again from wasmtime's code cache", warm, "Winch, no cache", times["winch"], "ref / ours", "(speed-up)"),
    ]


# -- table -----------------------------------------------------------------------------------------


def seconds(value: float | None) -> str:
    return "-" if value is None else (f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s")


def table(rows: list[Row]) -> str:
    header = ("benchmark", "wasmlint", "reference", "reference time", "ratio", "", "target")
    body = []
    for row in rows:
        value = row.ratio_value()
        body.append((row.name, seconds(row.ours), row.reference, seconds(row.theirs),
                     "-" if value is None else f"{value:.2f}", row.ratio, row.target))
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("source", "module", "runtime", "host", "hook", "host-differential", "source-vs-module", "growth"), action="append")
    parser.add_argument("--crates", nargs="*", help="registry crate name prefixes (default: every installed crate)")
    parser.add_argument("--guests", nargs="*", help="source-vs-module: these guests only (default: every one)")
    parser.add_argument("--cases", nargs="*", help="growth: which adversarial inputs (default: all)")
    parser.add_argument("--runs", type=int, default=3, help="best of N runs (default 3)")
    differential = parser.add_argument_group("host-differential (not part of the default run)")
    differential.add_argument("--programs", type=int, default=DEFAULT_PROGRAMS, help=f"programs to generate (default {DEFAULT_PROGRAMS})")
    differential.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the batch's seed (default {DEFAULT_SEED})")
    differential.add_argument("--gate", action="store_true",
                              help=f"exit 1 below precision {TARGET_PRECISION} or recall {TARGET_RECALL}")
    differential.add_argument("--keep", type=Path, help="keep the programs and per-site verdicts in this folder")
    differential.add_argument("--jobs", type=int, default=1, help="wasmlint's -j (default 1)")
    args = parser.parse_args()
    if args.only and "host-differential" in args.only:
        from bench.hostgen.command import Options, run

        code = run(Options(args.programs, args.seed, args.gate, args.keep, args.jobs))
        if code or args.only == ["host-differential"]:
            sys.exit(code)
    parts = [part for part in args.only or ["source", "module", "runtime", "host", "hook"] if part != "host-differential"]
    if "source-vs-module" in parts:
        from bench.source_vs_module import report

        print(report(args.guests))
        parts = [part for part in parts if part != "source-vs-module"]
        if not parts:
            return
        print()
    if "growth" in parts:
        from bench.growth import growth_table

        print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
              f"Python {platform.python_version()}\n")
        print(growth_table(args.cases, args.runs))
        parts = [part for part in parts if part != "growth"]
        if not parts:
            return
    rows: list[Row] = []
    if "source" in parts:
        rows += source_rows(crates(args.crates), args.runs)
        rows += jobs_rows(args.runs)
    if "module" in parts:
        rows += module_rows(args.runs)
    if "runtime" in parts:
        rows += runtime_rows()
    if "host" in parts:
        rows += host_rows(args.runs)
    if "hook" in parts:
        from bench.hook import hook_rows

        rows += hook_rows(REGISTRY, max(args.runs, 10), wasmlint_command(), user_env(), Row)
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
          f"Python {platform.python_version()}, best of {args.runs}\n")
    print(table(rows))


if __name__ == "__main__":
    main()
