"""wasmlint installs as a Python tool: the sdist is complete for what it ships, and a plain `pip
install` of a clone (or of the sdist) into a fresh virtual environment gives a `wasmlint` that checks
a crate from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import REPO

TIMEOUT = 900


def run(*args: str | Path, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: nothing pointing at this checkout or its virtualenv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GITHUB_ACTIONS", "PYTHONHOME")}
    return {**env, "NO_COLOR": "1", **extra}


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    run(sys.executable, "-m", "build", "--sdist", "--outdir", out, REPO)
    (archive,) = out.glob("wasmlint-*.tar.gz")
    return archive


def test_the_sdist_ships_the_package_rules_and_licence_and_no_half_test_suite(sdist):
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    tops = {name.split("/")[0] for name in names}
    assert {"wasmlint", "rules", "README.md", "LICENSE", "pyproject.toml", "PKG-INFO"} <= tops, tops
    assert not tops & {"tests", "guests", "bench", "fuzz", "scripts"}, tops
    rules = {name for name in names if name.startswith("rules/")}
    assert rules == {f"rules/{p.name}" for p in (REPO / "rules").glob("*.toml")}
