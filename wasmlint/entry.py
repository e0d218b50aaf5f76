"""The `wasmlint` command's entry point: make the run reproducible, then hand over to the CLI.

Python salts the hash of every string with a per-process random seed, so sets and frozensets of
strings iterate in an order that changes from run to run. The analyses visit such sets (the host
layer's values, for one) and stop at work budgets, so with a random seed two runs on the same tree
could name a different culprit or keep a different finding. A linter must print the same report
for the same input: the command runs with the seed fixed, restarting itself once if need be,
before anything heavy is imported.
"""

from __future__ import annotations

import os
import sys

FIXED_SEED = "0"
RESTARTED = "WASMLINT_RESTARTED_WITH_FIXED_SEED"


def _must_restart() -> bool:
    if sys.flags.hash_randomization == 0 and os.environ.get("PYTHONHASHSEED") == FIXED_SEED:
        return False  # already ours (any other fixed seed is restarted too: every run uses the same one)
    # Never twice, and not where the interpreter would ignore the variable (`python -E`, `-I`).
    return not os.environ.get(RESTARTED) and not sys.flags.ignore_environment and bool(sys.executable)


def main() -> None:
    if _must_restart():
        os.environ["PYTHONHASHSEED"] = FIXED_SEED
        os.environ[RESTARTED] = "1"
        try:
            os.execv(sys.executable, [sys.executable, "-m", "wasmlint", *sys.argv[1:]])
        except OSError:
            pass  # cannot restart (no interpreter path we may run): go on with this process's seed
    from wasmlint.cli import main as run_cli

    run_cli()
