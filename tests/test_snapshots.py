"""Whole reports compared byte for byte with the ones kept in tests/snapshots/.

A refactor of how findings are made, carried and rendered must not change a word of what users
read, in any format. These runs need no build: `check guests/` runs the source layer on every guest
crate, the module layer on `greeting.wat` and the host layer on every host file; the other runs
add `--confirm`, on hand-written modules (runtime evidence: growth, no growth, a trap, no call) and
on the guests (a host judged by its crate's source, which V8 cannot run).

When a change to the output is intended, regenerate the snapshots and review their diff:

    WASMLINT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_snapshots.py
"""

from __future__ import annotations

import difflib
import os

import pytest

from conftest import REPO, run_cli

SNAPSHOTS = REPO / "tests" / "snapshots"
UPDATE = os.environ.get("WASMLINT_UPDATE_SNAPSHOTS") == "1"
FORMATS = ("text", "json", "sarif", "github")
RUNS = {
    "check-guests": ("check", "guests/"),
    "check-modules-confirm": ("check", "guests/greeting-wat", "tests/wat/evidence", "--confirm"),
    "check-guests-confirm": ("check", "guests/", "--confirm"),
}
# The last run differs from the first by one evidence line: two formats show it.
CASES = [(run, form) for run in RUNS for form in FORMATS
         if run != "check-guests-confirm" or form in ("text", "json")]


def _difference(expected: str, actual: str, name: str) -> str:
    lines = difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                 f"tests/snapshots/{name}", "this run", n=2)
    shown = list(lines)
    more = f"\n... {len(shown) - 80} more diff lines" if len(shown) > 80 else ""
    return "".join(shown[:80]) + more


@pytest.mark.parametrize(("run", "form"), CASES, ids=[f"{run}.{form}" for run, form in CASES])
def test_the_report_is_byte_identical_to_its_snapshot(run, form):
    result = run_cli(*RUNS[run], "--format", form)
    assert result.returncode == 1, result.stderr  # every run finds something
    assert result.stderr == ""
    snapshot = SNAPSHOTS / f"{run}.{form}"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_bytes(result.stdout.encode("utf-8"))
    expected = snapshot.read_bytes().decode("utf-8")
    assert result.stdout == expected, _difference(expected, result.stdout, snapshot.name)
