"""The analyzer on the shipped hosts (guests/hosts/): exactly their `// expect:` lines with a module
that grows memory, nothing with the two that cannot. The hosts were written apart from the
analyzer, and tests/test_host_fixtures_node.py proves in Node that each expectation is a real break."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, run_cli

HOSTS = GUESTS / "hosts"
EXPECT = re.compile(r"//\s*expect:\s*([a-z0-9, -]+)")


def _expected() -> set[tuple[str, int]]:
    found = set()
    for path in sorted(HOSTS.rglob("*")):
        if path.suffix not in (".js", ".mjs", ".cjs", ".ts"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = EXPECT.search(line)
            if match and "stale-memory-view" in match.group(1):
                found.add((path.relative_to(HOSTS).as_posix(), number))
    return found


def _findings(module: Path) -> list[dict]:
    proc = run_cli("check", ".", "--layer", "host", "--wasm", str(module), "--format", "json", cwd=HOSTS)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def test_growing_module_flags_exactly_the_expected_lines(compiler):
    findings = _findings(guest_module("greeting-alloc", compiler))
    reported = {(f["path"], f["line"]) for f in findings if f["rule_id"] == "stale-memory-view"}
    expected = _expected()
    assert len(expected) >= 12
    # helper-split*/ make the view or call the export in a file they import: followed across files.
    assert {path for path, _ in expected} >= {"helper-split/main.mjs", "helper-split-cjs/index.js"}
    assert reported == expected, f"missing: {sorted(expected - reported)}; noisy: {sorted(reported - expected)}"
    assert {f["severity"] for f in findings} == {"error"}
    assert all(f["symbol"] == "set_name" for f in findings)


@pytest.mark.parametrize("guest", ["greeting-static", "greeting-wat"])
def test_module_that_cannot_grow_flags_nothing(guest, compiler):
    assert _findings(guest_module(guest, compiler)) == []
