"""Hostile guests through the command line: each run ends within its limit, says which limit it
hit, leaves no worker process behind, and the report around it is complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from conftest import REPO

WAT = "tests/wat/runtime"


def leftover_processes(marker: str) -> list[str]:
    """Processes still alive whose environment carries `marker` (the CLI passes its environment
    on to the runtime worker, so a worker left behind would show here)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    found.append(f"{entry.name}: {command}")
            except OSError:
                pass  # gone meanwhile, or not ours to read
    return found


def wasmlint(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the CLI in its own process (one that outlives `timeout` fails the test); assert it left
    no process behind."""
    marker = f"WASMLINT_TEST_RUN={uuid.uuid4().hex}"
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), marker.split("=")[0]: marker.split("=")[1]}
    env.pop("GITHUB_ACTIONS", None)
    result = subprocess.run([sys.executable, "-m", "wasmlint", *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    assert leftover_processes(marker) == []
    return result


@pytest.mark.parametrize("wat, limits, shown", [
    ("infinite_loop", ["--fuel", "5000000"], "trap: out of fuel: stopped after 5000000 units (fuel_per_call)"),
    ("stub_loop", ["--seconds", "0.3"], "trap: interrupted: ran longer than 0.3 s (seconds_per_call)"),
    ("recursion", [], "trap: call stack exhausted: more than 524288 bytes of wasm stack (max_wasm_stack)"),
    ("start_loop", ["--fuel", "1000000"], "instantiate  pages     0 -> 0     trap: out of fuel"),
    ("huge_table", [], "exceeds table limits (the sandbox allows 10000000 table elements)"),
])
def test_run_stops_a_runaway_guest_and_names_the_limit(wat, limits, shown):
    result = wasmlint("run", f"{WAT}/{wat}.wat", *limits, timeout=60)
    assert result.returncode == 0, result.stderr  # the module was run; what stopped it is reported
    assert shown in result.stdout


def test_run_reports_the_stub_calls_of_a_guest_that_loops_on_an_import():
    result = wasmlint("run", f"{WAT}/stub_loop.wat", "--seconds", "0.3", "--format", "json")
    data = json.loads(result.stdout)
    assert data["imports_called"]["env::tick"] > 100
    assert [step["limit"] for step in data["steps"]] == ["seconds_per_call"]


@pytest.mark.parametrize("wat, why", [
    ("import_v128", "wasmtime's Python API cannot pass v128 values between host and guest: "
                    "import env::lanes is a v128 global"),
    ("stack_switching", "cannot define continuation types when stack switching is disabled"),
])
def test_run_says_why_a_module_cannot_run(wat, why):
    result = wasmlint("run", f"{WAT}/{wat}.wat")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {WAT}/{wat}.wat: ") and why in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_worker_that_outlives_its_timeout_is_killed_and_gone():
    result = wasmlint("run", f"{WAT}/infinite_loop.wat", "--fuel", str(10**18), "--seconds", "600",
                      "--timeout", "2", timeout=60)
    assert result.returncode == 2
    assert "the runtime worker did not finish within 2 s (worker_timeout) and was killed" in result.stderr


def test_check_confirm_reports_what_a_limit_kept_it_from_checking():
    result = wasmlint("check", f"{WAT}/huge_table.wat", f"{WAT}/recursion.wat", "--confirm", "--format", "json")
    assert result.returncode == 2
    errors = {error["path"]: error["message"] for error in json.loads(result.stdout)["errors"]}
    assert errors == {
        f"{WAT}/huge_table.wat": "runtime: the module could not be instantiated, so no export ran: table minimum "
                                 "size of 100000000 elements exceeds table limits (the sandbox allows 10000000 "
                                 "table elements)",
        f"{WAT}/recursion.wat": "runtime: recurse(0) was stopped by a sandbox limit, so its growth is unknown: "
                                "call stack exhausted: more than 524288 bytes of wasm stack (max_wasm_stack); "
                                "a scenario with real arguments may avoid it",
    }
    assert result.stderr.count("\n") == 2  # one line each


def test_check_confirm_keeps_static_findings_of_a_module_wasmtime_refuses():
    result = wasmlint("check", f"{WAT}/import_v128.wat", f"{WAT}/stack_switching.wat", "--confirm",
                         "--format", "json")
    assert result.returncode == 0, result.stderr  # runtime-unsupported is an info finding
    unsupported = {f["path"]: f["message"] for f in json.loads(result.stdout)["findings"]
                   if f["rule_id"] == "runtime-unsupported"}
    assert set(unsupported) == {f"{WAT}/import_v128.wat", f"{WAT}/stack_switching.wat"}
