"""`-j 2` against `-j 1` on trees of small units (the shipped guests: many small crates, hosts and a
module; one crate alone), where starting workers used to cost more than it saved: never slower."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = Path("/usr/share/cargo/registry")
ONE_CRATE = "proc-macro2-"  # one unit of work: a pool cannot help


def jobs_rows(runs: int) -> list:
    from bench.run import Row, timed_command, wasmlint_command

    trees = [("the shipped guests (small crates, hosts, a module)", ROOT / "guests")]
    trees += [(f"one crate ({path.name})", path) for path in sorted(REGISTRY.glob(ONE_CRATE + "*"))[:1]]
    short = max(runs, 10)  # sub-second commands: more runs, so that the best one is undisturbed
    rows = []
    for label, tree in trees:
        check = wasmlint_command() + ["check", str(tree), "--no-cache", "--format", "json"]
        one = two = float("inf")
        for _ in range(short):  # alternated, so that a busy spell of the machine hits both alike
            one = min(one, timed_command(check + ["-j", "1"], 1, ok=(0, 1, 2)))
            two = min(two, timed_command(check + ["-j", "2"], 1, ok=(0, 1, 2)))
        rows.append(Row(f"wasmlint check, {label}, -j 2, no cache (command)", two, "the same with -j 1", one,
                        "-j 1 / -j 2", ">= 0.95 (never slower)"))
    return rows
