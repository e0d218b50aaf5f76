"""Shared test helpers: where the repository is, and running the CLI for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

import wasmlint
from wasmlint.cli import app

REPO = Path(__file__).resolve().parents[1]
GUESTS = REPO / "guests"


def run_cli(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m wasmlint` as a user would, in a separate process."""
    full_env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None) if "GITHUB_ACTIONS" not in (env or {}) else None
    return subprocess.run(
        [sys.executable, "-m", "wasmlint", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="session", autouse=True)
def results_cache(tmp_path_factory) -> Path:
    """The suite's own results cache (it shares it across tests, as runs on one machine do):
    never the user's, whose entries another version of the code may have written."""
    directory = tmp_path_factory.mktemp("results-cache")
    os.environ["WASMLINT_CACHE_DIR"] = str(directory)
    return directory


@pytest.fixture
def cli(monkeypatch):
    """Run the CLI in-process (fast), from the repository root. Returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def invoke(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, list(args))
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return invoke


def wasmlint_lines_run(action: Callable[[], object]) -> int:
    """How many lines of wasmlint's own code `action` runs (comprehension turns included): a count
    of work done that, unlike a time, does not depend on what else the machine is doing."""
    package = str(Path(wasmlint.__file__).resolve().parent)
    count = 0

    def in_frame(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return in_frame

    def on_call(frame, event, arg):
        return in_frame if frame.f_code.co_filename.startswith(package) else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        action()
    finally:
        sys.settrace(previous)
    return count


def unavailable(reason: str) -> None:
    """Something a test needs is missing: a failure in CI (which must have everything), a skip
    that says why on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required in CI: scripts/setup.sh --dev installs it)")
    pytest.skip(reason)


def guest_module(name: str) -> Path:
    """The module of a shipped guest: a crate built for wasm32 (cached by the toolchain), or the
    hand-written `greeting-wat` as its text file."""
    from wasmlint import toolchain

    if name == "greeting-wat":
        return GUESTS / name / "greeting.wat"
    try:
        (artifact,) = toolchain.build(GUESTS / name)
    except toolchain.ToolchainError as exc:
        unavailable(str(exc))
    return artifact.path


def npm_pack(packages, directory: Path) -> list[Path]:
    """`npm pack` the packages into `directory` (the registry is reachable here); their tarballs."""
    import shutil

    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed (scripts/setup.sh --dev installs it)")
    try:
        proc = subprocess.run([npm, "pack", "--silent", *packages], cwd=directory,
                              capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        unavailable("npm pack timed out (no network?)")
    if proc.returncode != 0:
        unavailable(f"npm pack failed (no network?): {proc.stderr.strip().splitlines()[-1:]}")
    return sorted(directory.glob("*.tgz"))


def json_findings(stdout: str) -> list[dict]:
    return json.loads(stdout)["findings"]


# The OASIS schema ships with the tests (tests/data/README.md says where it comes from), so a plain
# clone validates its SARIF output.
SARIF_SCHEMA = REPO / "tests/data/sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator():
    """A validator for the OASIS SARIF 2.1.0 schema."""
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)
