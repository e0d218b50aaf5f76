"""wasmlint installs as a Python tool: the sdist is complete for what it ships, and a plain `pip
install` of a clone (or of the sdist) into a fresh virtual environment gives a `wasmlint` that checks
a crate from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import REPO, unavailable

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


# -- a fresh clone, installed as the README says ----------------------------------------------------


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """This checkout as a fresh clone would have it (its files, committed or not, in a new git repo)."""
    from test_precommit import isolated_env, snapshot_checkout

    if shutil.which("git") is None:
        unavailable("git is not installed")
    base = tmp_path_factory.mktemp("clone")
    snapshot_checkout(base / "wasmlint", isolated_env(base))
    return base / "wasmlint"


def base_python() -> str:
    """The interpreter this test venv was made from: what `python3` is for a user."""
    return getattr(sys, "_base_executable", sys.executable)


def assert_checks_a_crate_from_elsewhere(wasmlint: Path, clone: Path, elsewhere: Path) -> None:
    elsewhere.mkdir(exist_ok=True)
    crate = clone / "guests" / "greeting-alloc"
    done = subprocess.run([str(wasmlint), "check", str(crate), "--no-cache"], cwd=elsewhere, env=clean_env(),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "error[format-in-export]" in done.stdout and done.stderr == "", done.stderr
    rules = subprocess.run([str(wasmlint), "rules"], cwd=elsewhere, env=clean_env(), capture_output=True, text=True,
                           timeout=TIMEOUT)
    assert rules.returncode == 0 and "format-in-export" in rules.stdout  # the rule files ship in the package


def test_pip_install_of_a_clone_in_a_fresh_venv_checks_a_crate_from_another_folder(clone, tmp_path):
    venv = tmp_path / "venv"
    run(base_python(), "-m", "venv", venv, env=clean_env())
    run(venv / "bin" / "pip", "install", "--quiet", ".", cwd=clone, env=clean_env())  # the README's `pip install .`
    assert_checks_a_crate_from_elsewhere(venv / "bin" / "wasmlint", clone, tmp_path / "elsewhere")
    # wasmtime is an extra: --confirm says so in one line, and how to add it.
    confirm = subprocess.run([str(venv / "bin" / "wasmlint"), "check", str(clone / "guests" / "greeting-alloc"),
                              "--confirm"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert confirm.returncode == 2 and confirm.stdout == "" and confirm.stderr.count("\n") == 1, confirm.stderr
    assert "pip install 'wasmlint[runtime]'" in confirm.stderr
    wat = subprocess.run([str(venv / "bin" / "wasmlint"), "check", str(clone / "guests" / "greeting-wat" / "greeting.wat")],
                         cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert wat.returncode == 2 and "reading WebAssembly text needs wasmtime: pip install 'wasmlint[runtime]'" in wat.stderr


def test_pipx_install_of_a_clone_and_its_runtime_extra(clone, tmp_path):
    tools = tmp_path / "pipx-venv"
    run(base_python(), "-m", "venv", tools, env=clean_env())
    run(tools / "bin" / "pip", "install", "--quiet", "pipx", env=clean_env())
    env = clean_env(PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(tmp_path / "bin"),
                    PIPX_MAN_DIR=str(tmp_path / "man"), PIPX_DEFAULT_PYTHON=base_python())
    run(tools / "bin" / "pipx", "install", ".", cwd=clone, env=env)  # the README's `pipx install .`
    wasmlint = tmp_path / "bin" / "wasmlint"
    assert_checks_a_crate_from_elsewhere(wasmlint, clone, tmp_path / "elsewhere")
    # What the --confirm message advises for pipx: inject wasmtime, then the runtime layer runs.
    run(tools / "bin" / "pipx", "inject", "wasmlint", "wasmtime", env=env)
    confirmed = subprocess.run([str(wasmlint), "run", str(clone / "guests" / "greeting-wat" / "greeting.wat")],
                               cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert confirmed.returncode == 0 and "pages" in confirmed.stdout, confirmed.stdout + confirmed.stderr


def test_setup_sh_without_any_toolchain_still_makes_a_working_venv(clone, tmp_path):
    # A PATH with the shell tools setup.sh uses and Python, but no cargo, rustc, rustup or apt-get;
    # WASMLINT_CARGO names a cargo that does not exist, so Debian's /usr/bin pair is not tried either.
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("bash", "dirname", "id", "mktemp", "mkdir", "rm", "timeout", "cat", "env"):
        found = shutil.which(name)
        assert found, name
        (tools / name).symlink_to(found)
    (tools / "python3").symlink_to(base_python())
    env = clean_env(PATH=str(tools), WASMLINT_CARGO=str(tmp_path / "no-cargo"), WASMLINT_RUSTC=str(tmp_path / "no-rustc"))
    shutil.rmtree(clone / ".venv", ignore_errors=True)
    done = subprocess.run(["bash", "scripts/setup.sh"], cwd=clone, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert "setup: not set up: a wasm32 Rust toolchain: `wasmlint check --build` will not work" in done.stderr, done.stderr
    assert done.stderr.rstrip().splitlines()[-1].startswith("setup: not set up:")
    wasmlint = clone / ".venv" / "bin" / "wasmlint"
    assert_checks_a_crate_from_elsewhere(wasmlint, clone, tmp_path / "elsewhere")
    build = subprocess.run([str(wasmlint), "check", "guests/greeting-alloc", "--build"], cwd=clone, env=env,
                           capture_output=True, text=True, timeout=TIMEOUT)
    assert build.returncode == 2 and build.stderr.count("\n") == 1 and "cannot build for wasm32" in build.stderr, build.stderr
