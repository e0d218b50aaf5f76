"""Source-layer speed next to tree-sitter's parse-only speed, on the same real Rust files, in one run.

Usage: python bench/source_speed.py [CRATE_DIR ...] [--repeat N] [--jobs N]
Default crates: the regex, regex-syntax, serde and syn sources Debian installs under
/usr/share/cargo/registry (apt-get install librust-regex-dev librust-serde-dev librust-syn-dev).
Prints lines/s for parse-only and for the full source layer (every rule, call graph, macro
re-parsing, suppressions), their ratio (target >= 0.5 on one core), and the -j N wall time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import best_of  # noqa: E402
from wasmlint.check import CheckOptions, run_check, select_rules  # noqa: E402
from wasmlint.config import Config  # noqa: E402
from wasmlint.discover import discover  # noqa: E402
from wasmlint.rules import builtin_rules  # noqa: E402
from wasmlint.source.parsing import parser  # noqa: E402

REGISTRY = Path("/usr/share/cargo/registry")
DEFAULT_CRATES = ("regex-1", "regex-syntax-", "serde-1", "syn-1")


def default_crates() -> list[Path]:
    found = sorted(p for p in REGISTRY.glob("*") if p.is_dir() and p.name.startswith(DEFAULT_CRATES))
    if not found:
        sys.exit("no crate sources under /usr/share/cargo/registry: apt-get install librust-regex-dev librust-serde-dev librust-syn-dev")
    return found


def main() -> None:
    parser_args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser_args.add_argument("crates", nargs="*", type=Path)
    parser_args.add_argument("--repeat", type=int, default=3)
    parser_args.add_argument("--jobs", type=int, default=0, help="workers for the -j run (0: one per core)")
    args = parser_args.parse_args()
    crates = args.crates or default_crates()
    targets = discover(crates)
    files = [p for crate in targets.crates for p in crate.files]
    sources = [p.read_bytes() for p in files]
    lines = sum(s.count(b"\n") for s in sources)
    rules = select_rules(builtin_rules(), Config())
    print(f"{len(files)} files, {lines:,} lines in {', '.join(c.name for c in crates)}")

    ts = parser()
    parse_only = best_of(args.repeat, lambda: [ts.parse(s) for s in sources])
    # Every rule on every function (--all-functions): none of these crates exports wasm functions,
    # so this is the mode that makes the layer do all its work.
    options = CheckOptions(all_functions=True, jobs=1)
    report = None

    def full() -> None:
        nonlocal report
        report = run_check(targets, rules, rules, options)

    layer = best_of(args.repeat, full)
    jobs = args.jobs or __import__("os").cpu_count() or 1
    parallel = best_of(args.repeat, lambda: run_check(targets, rules, rules, CheckOptions(all_functions=True, jobs=jobs)))

    print(f"parse only (tree-sitter)        {parse_only:7.3f} s  {lines / parse_only:>10,.0f} lines/s")
    print(f"source layer, 1 core            {layer:7.3f} s  {lines / layer:>10,.0f} lines/s  ({len(report.findings)} findings)")
    print(f"source layer, -j {jobs:<2}            {parallel:7.3f} s  {lines / parallel:>10,.0f} lines/s")
    print(f"ratio source layer / parse only {parse_only / layer:7.2f}   (target >= 0.50)")
    print(f"speed-up with -j {jobs}              {layer / parallel:7.2f}x")


if __name__ == "__main__":
    main()
