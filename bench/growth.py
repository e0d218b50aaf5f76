"""How wasmlint's cost grows with adversarial inputs: each is made at n, 2n and 4n, checked in a
separate process, and the table gives the time each doubling takes and the peak memory per
input byte.

    python -m bench --only growth [--cases else-if call-indirect ...] [--runs N]

Each input is one that once cost time quadratic (or worse) in its size; see bench/README.md.
Targets: at most 2.3x the time per doubling, at most 30 bytes of peak memory per input byte
beyond what tree-sitter's parse trees of the input take (about 100 bytes a node: 20 to 120 bytes
per input byte, measured beside each run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

TIME_TARGET = 2.3  # per doubling of the input
MEMORY_TARGET = 30  # bytes of peak memory per input byte

CARGO_TOML = '[package]\nname = "adversary"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\ncrate-type = ["cdylib"]\n'


def _crate(folder: Path, lib: str) -> None:
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "Cargo.toml").write_text(CARGO_TOML)
    (folder / "src/lib.rs").write_text(lib)


def _export(name: str, body: str) -> str:
    return f'#[no_mangle]\npub extern "C" fn {name}(x: u32) -> u32 {{\n{body}\n}}\n'


# -- the inputs: each writes a project of size about proportional to n into `folder` -------------


def else_if_chain(folder: Path, n: int) -> None:
    """A `format!` in each branch of an `else if` chain n branches long (a tree 2n deep)."""
    branches = "".join(f" else if x == {i} {{ format!(\"{{}}\", {i}) }}\n" for i in range(1, n))
    _crate(folder, _export("pick", f'    let s = if x == 0 {{ format!("{{}}", 0) }}{branches} else {{ String::from("") }};\n'
                                   "    s.len() as u32"))


def plus_chain(folder: Path, n: int) -> None:
    """`format!(..) + &format!(..) + ...`, n terms on one line (a tree n deep)."""
    terms = " + &".join(f'format!("{{}}", {i})' for i in range(n))
    _crate(folder, _export("join", f"    let s = String::from(\"\") + &{terms};\n    s.len() as u32"))


def nested_functions(folder: Path, n: int) -> None:
    """n functions, each defined inside the one before, formatting and calling the next."""
    opening = [f"fn f{i}(x: u32) -> u32 {{ " for i in range(n)]
    closing = [f' let s = format!("{{}}", x); f{i + 1}(x) + s.len() as u32 }}' for i in reversed(range(n))]
    nested = "".join(opening) + f"fn f{n}(x: u32) -> u32 {{ x }}" + "".join(closing)
    _crate(folder, _export("deep", f"    {nested}\n    f0(x)"))


def call_indirect_module(folder: Path, n: int) -> None:
    """A module of n exported functions, each making a `call_indirect` whose index is its
    parameter (nothing in the module says which entry it is), over a table of all of them and of
    one function that grows memory."""
    import wasmtime

    functions = "\n".join(
        f'  (func $f{i} (export "f{i}") (type $t) (call_indirect (type $t) (local.get 0) (local.get 0)))'
        for i in range(n))
    table = " ".join(f"$f{i}" for i in range(n))
    text = (f'(module\n  (type $t (func (param i32) (result i32)))\n  (memory (export "memory") 1)\n'
            f"  (table {n + 1} funcref)\n{functions}\n"
            f"  (func $grow (type $t) (memory.grow (local.get 0)))\n"
            f"  (elem (i32.const 0) func {table} $grow))\n")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "indirect.wasm").write_bytes(wasmtime.wat2wasm(text))


def minified_bundle(folder: Path, n: int) -> None:
    """A minified host bundle on one line, n bytes: module-level views over the memory, and
    functions that call into the module and then read a view, their own or a module-level one."""
    head = ("var m=new WebAssembly.Memory({initial:1}),e;WebAssembly.instantiate(b,{env:{memory:m}})"
            ".then(function(r){e=r.instance.exports});")
    parts, size, i = [head], len(head), 0
    while size < n:
        part = (f"var v{i}=new Uint8Array(m.buffer);function g{i}(a){{e.f{i}(a);return v{i}[a]+{i}}}"
                f"function h{i}(a,b){{var c=new Uint8Array(m.buffer);e.k{i}(a);return c[b]||[{i},\"s{i}\",{{k:a}}]}}")
        parts.append(part)
        size += len(part)
        i += 1
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bundle.min.js").write_text("".join(parts) + "\n")


def nested_arrows(folder: Path, n: int) -> None:
    """n arrow functions, each the body of the one before; the innermost uses a view after the
    memory grew."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "arrows.js").write_text(
        "const memory = new WebAssembly.Memory({ initial: 1 });\nconst view = new Uint8Array(memory.buffer);\n"
        "export const f = " + "a => " * n + "(memory.grow(1), view[0]);\n")


def findings_next_to_hosts(folder: Path, n: int) -> None:
    """A crate of n exports that each format (every other one allowed by a comment), and a host
    in the project that keeps one view across a call to each of them: findings meet suppressions,
    the host contract and the host's own findings."""
    exports = "".join(
        _export(f"f{i}", '    format!("{}", x).len() as u32' + ("  // wasmlint: allow(format-in-export) -- measured" if i % 2 else ""))
        for i in range(n))
    _crate(folder, exports)
    (folder / "host").mkdir(exist_ok=True)
    (folder / "host/package.json").write_text('{"name": "host", "private": true, "type": "commonjs"}\n')
    calls = "".join(f"function use{i}() {{ wasm.f{i}(1); return view[{i}]; }}\n" for i in range(n))
    (folder / "host/index.js").write_text(
        "const fs = require('fs');\nconst path = require('path');\n"
        "const wasmPath = path.join(__dirname, '../target/wasm32-unknown-unknown/release/adversary.wasm');\n"
        "const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)), {});\n"
        "const view = new Uint8Array(wasm.memory.buffer);\n" + calls)


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    make: Callable[[Path, int], None]
    sizes: tuple[int, int, int]  # n, 2n, 4n


CASES = (
    Case("else-if", "`format!` in each branch of an `else if` chain (branches)", else_if_chain, (3000, 6000, 12000)),
    Case("plus-chain", "a `+` chain of `format!` on one line (terms)", plus_chain, (8000, 16000, 32000)),
    Case("nested-fns", "Rust fns nested in each other, each calling the next (fns)", nested_functions, (1000, 2000, 4000)),
    Case("call-indirect", "module functions making `call_indirect` with unknowable indices (functions)",
         call_indirect_module, (4000, 8000, 16000)),
    Case("minified-bundle", "a minified host bundle on one line (bytes)", minified_bundle, (2 << 20, 4 << 20, 8 << 20)),
    Case("nested-arrows", "arrow functions nested in each other (arrows; past 50,000: a note)", nested_arrows,
         (25000, 50000, 100000)),
    Case("findings-hosts", "exports with findings (half allowed) next to a host keeping a view across calls (exports)",
         findings_next_to_hosts, (2000, 4000, 8000)),
)


# -- measuring -------------------------------------------------------------------------------------


def input_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


# The child's own peak is read from /proc (VmHWM) as it exits: ru_maxrss would also count the memory
# of the process it was forked from (Linux keeps the larger high-water mark across exec).
PEAK = """
import atexit, re, sys

def peak():
    with open("/proc/self/status") as status:
        print("peak-kib", re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1), file=sys.stderr)

atexit.register(peak)
"""
CHECK = PEAK + """
sys.argv = ["wasmlint", "check", "--no-cache", sys.argv[1]]
from wasmlint.cli import main
main()
"""


def run_child(script: str, folder: Path, ok=(0,)) -> tuple[float, int]:
    """Run a Python script on the folder in its own process: wall seconds and its peak RSS in bytes."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("WASMLINT_CACHE_DIR", None)
    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script, str(folder)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    seconds = time.perf_counter() - began
    stderr = result.stderr.decode(errors="replace")
    peaks = [line.split()[1] for line in stderr.splitlines() if line.startswith("peak-kib ")]
    if result.returncode not in ok or not peaks:
        raise SystemExit(f"{folder}: failed ({result.returncode}): {stderr[-400:]}")
    return seconds, int(peaks[-1]) * 1024


def run_once(folder: Path) -> tuple[float, int]:
    """One `wasmlint check` of the folder in its own process (0: clean, 1: findings)."""
    return run_child(CHECK, folder, ok=(0, 1))


def measure(folder: Path, runs: int) -> tuple[float, int]:
    best, peak = float("inf"), 0
    for _ in range(runs):
        seconds, rss = run_once(folder)
        best, peak = min(best, seconds), max(peak, rss)
    return best, peak


# The parse trees alone, as the layers hold them (a crate's files all at once): tree-sitter's nodes
# take about 100 bytes each, and dense code has one every two bytes.
# Parses every source under argv[1] and keeps the trees (`kept`); both child scripts below run it.
PARSE_ALL = """
from pathlib import Path
from wasmlint.host.parsing import HOST_SUFFIXES, parse_host
from wasmlint.source.parsing import parse_rust_file
kept = []
for path in sorted(Path(sys.argv[1]).rglob("*")):
    if path.suffix == ".rs":
        kept.append(parse_rust_file(path.name, path.read_bytes()))
    elif path.suffix in HOST_SUFFIXES:
        kept.append(parse_host(path.name, path.read_bytes()))
"""
PARSE_ONLY = PEAK + PARSE_ALL


def parse_only_peak(folder: Path) -> int:
    """Peak RSS, in bytes, of a process that only parses the folder's sources and keeps the trees."""
    return run_child(PARSE_ONLY, folder)[1]


# Python's own allocations (tracemalloc) instead of RSS: the same number on every run and
# machine, so a test can bound it. py-tree-sitter allocates its trees through Python's allocator,
# so they are counted too; they are set apart as above, by parsing alone. One process checks an
# empty crate first, so that imports, rules and compiled queries (and their transient peak) are
# not counted, then checks the folder with tracemalloc on, then parses it alone.
TRACED = """
import os, sys, tracemalloc
from pathlib import Path
sys.stdout = open(os.devnull, "w")
from wasmlint.cli import app

def check(folder):
    try:
        app(["check", "--no-cache", folder], standalone_mode=False)
    except SystemExit:
        pass

check(sys.argv[2])
tracemalloc.start()
check(sys.argv[1])
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
tracemalloc.start()
""" + PARSE_ALL + """
print("traced", peak, tracemalloc.get_traced_memory()[0], file=sys.stderr)
"""


def traced_beyond_trees(folder: Path, empty: Path) -> float:
    """Python's peak allocations while checking `folder`, beyond what its parse trees take, per
    input byte (after a check of the crate at `empty` has warmed up what every run holds)."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("WASMLINT_CACHE_DIR", None)
    result = subprocess.run([sys.executable, "-c", TRACED, str(folder), str(empty)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    stderr = result.stderr.decode(errors="replace")
    found = [line.split()[1:] for line in stderr.splitlines() if line.startswith("traced ")]
    if result.returncode != 0 or not found:
        raise SystemExit(f"{folder}: failed ({result.returncode}): {stderr[-400:]}")
    peak, trees = map(int, found[-1])
    return (peak - trees) / input_bytes(folder)


def empty_crate(folder: Path) -> Path:
    """A crate with nothing to find: what every run costs, whatever its input."""
    _crate(folder, "pub fn nothing() {}\n")
    return folder


def warm_host_project(folder: Path) -> Path:
    """`empty_crate` with a host beside it that keeps a view across a growth: a warm-up with it
    loads the host layer's code before a host input is measured. Without it, the layer's own code
    (its classes, functions and tables, loaded once per process) counted against the input: about
    66 bytes per input byte for 25 KB of arrows, and every line added to the layer moved the figure."""
    empty_crate(folder)
    (folder / "host.mjs").write_text(
        "const memory = new WebAssembly.Memory({ initial: 1 });\nconst view = new Uint8Array(memory.buffer);\n"
        "export function f() { memory.grow(1); return view[0]; }\n")
    return folder


@dataclass
class Growth:
    case: Case
    sizes: list[int]  # input bytes at n, 2n, 4n
    seconds: list[float]
    peaks: list[int]  # peak RSS, bytes
    trees: int  # peak RSS of parsing the 4n input alone, above an empty parse's
    baseline: int  # peak RSS of a run on an empty crate

    def factors(self) -> list[float]:
        return [later / earlier for earlier, later in zip(self.seconds, self.seconds[1:])]

    def bytes_per_input_byte(self) -> float:
        """Peak memory above an empty run's, per input byte, at the largest size."""
        return (self.peaks[-1] - self.baseline) / self.sizes[-1]

    def tree_bytes_per_input_byte(self) -> float:
        return self.trees / self.sizes[-1]


def empty_run_peaks(workdir: Path, runs: int) -> tuple[int, int]:
    """Peak RSS of a check of an empty crate, and of parsing it alone."""
    folder = empty_crate(workdir / "empty")
    return measure(folder, runs)[1], parse_only_peak(folder)


def grow(case: Case, workdir: Path, runs: int, baselines: tuple[int, int]) -> Growth:
    sizes, seconds, peaks = [], [], []
    trees = 0
    for n in case.sizes:
        folder = workdir / f"{case.name}-{n}"
        case.make(folder, n)
        took, peak = measure(folder, runs)
        sizes.append(input_bytes(folder))
        seconds.append(took)
        peaks.append(peak)
        if n == case.sizes[-1]:
            trees = max(0, parse_only_peak(folder) - baselines[1])
        shutil.rmtree(folder)
    return Growth(case, sizes, seconds, peaks, trees, baselines[0])


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KiB"


def table(results: list[Growth]) -> str:
    header = ("input (n, 2n, 4n)", "input sizes", "wall time", "x per doubling", f"<= {TIME_TARGET}",
              "peak RSS at 4n", "bytes per input byte", "of which parse trees", f"the rest <= {MEMORY_TARGET}")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for result in results:
        factors = result.factors()
        per_byte, trees = result.bytes_per_input_byte(), result.tree_bytes_per_input_byte()
        lines.append("| " + " | ".join((
            f"{result.case.what}: {', '.join(f'{n:,}' for n in result.case.sizes)}",
            ", ".join(_size(n) for n in result.sizes),
            ", ".join(f"{s:.2f} s" for s in result.seconds),
            ", ".join(f"{f:.2f}" for f in factors),
            "yes" if max(factors) <= TIME_TARGET else "no",
            f"{result.peaks[-1] / 2**20:.0f} MiB",
            f"{per_byte:.0f}",
            f"{trees:.0f}",
            "yes" if per_byte - trees <= MEMORY_TARGET else "no",
        )) + " |")
    return "\n".join(lines)


def growth_table(names: list[str] | None, runs: int) -> str:
    chosen = [case for case in CASES if not names or case.name in names]
    if not chosen:
        raise SystemExit(f"no such case; the cases: {', '.join(case.name for case in CASES)}")
    with tempfile.TemporaryDirectory(prefix="wasmlint-growth-") as directory:
        workdir = Path(directory)
        baselines = empty_run_peaks(workdir, runs)
        results = []
        for case in chosen:
            results.append(grow(case, workdir, runs, baselines))
            print(f"  {case.name}: {', '.join(f'{s:.2f} s' for s in results[-1].seconds)}", file=sys.stderr, flush=True)
    return (f"peak RSS of a check of an empty crate: {baselines[0] / 2**20:.0f} MiB, of parsing it alone: "
            f"{baselines[1] / 2**20:.0f} MiB (each subtracted); best of {runs}\n\n" + table(results))
