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

from guest_builds import COMPILERS, DEBIAN_RUSTC, Compiler, CompilerMissing, build_guest, buildable_guests
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


# Module scope, so that a test module's shared fixtures (one `check` run, one runtime run) can
# take it too: each compiler's tests then run together.
@pytest.fixture(scope="module", params=COMPILERS, ids=str)
def compiler(request) -> Compiler:
    """Each compiler the guests are built with: Debian's rustc 1.63 and a current rustc. Tests of
    what wasmlint reads in a built module take it, so both compilers' output is checked."""
    return request.param


def guest_module(name: str | Path, compiler: Compiler = DEBIAN_RUSTC) -> Path:
    """The module of a guest (a shipped guest's name, or a crate folder): built for wasm32 by
    `compiler` (cached outside the tree), or the hand-written `greeting-wat` as its text file."""
    if name == "greeting-wat":
        return GUESTS / name / "greeting.wat"
    crate = REPO / name if isinstance(name, Path) else GUESTS / name
    modules = guest_modules(compiler, [crate.resolve()])
    (module,) = modules.values()
    return module


def module_options(crate: str | Path, compiler: Compiler) -> list[str]:
    """The options that give `check` the module of `crate` (a folder, relative to the repository
    or absolute) as `compiler` builds it: `--build`, as users run it, with Debian's rustc; the
    module as `--wasm` (and the crate's scenario, which `--build` would find) with the current one,
    which `--build` cannot drive here: no wasm32 std is packaged for it, the suite builds std from
    source (tests/guest_builds.py)."""
    if not compiler.current:
        return ["--build"]
    folder = REPO / crate
    options = ["--wasm", str(guest_module(Path(folder), compiler))]
    if (folder / "scenario.toml").is_file():
        options += ["--scenario", str(folder / "scenario.toml")]
    return options


def guest_modules(compiler: Compiler = DEBIAN_RUSTC, crates: list[Path] | None = None) -> dict[str, Path]:
    """The modules of `crates` (default: every guest `compiler` builds here), by package name."""
    modules: dict[str, Path] = {}
    for crate in buildable_guests(compiler) if crates is None else crates:
        try:
            modules.update(build_guest(crate, compiler))
        except CompilerMissing as exc:
            unavailable(f"no {compiler} for wasm32: {exc}")
    return modules


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


def npm_unpacked(packages, directory: Path) -> Path:
    """`npm pack` the packages and unpack each into `directory/<tarball stem>`; the directory."""
    import tarfile

    for tarball in npm_pack(packages, directory):
        with tarfile.open(tarball) as archive:
            archive.extractall(directory / tarball.stem, filter="data")
        tarball.unlink()
    return directory


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


def wasmlint_on_a_terminal(*args: str, cwd: Path, env: dict[str, str]) -> str:
    """Run wasmlint with a pseudo-terminal as its stdout, as in a user's shell; what it wrote there
    (line ends as the terminal got them: CR LF). `env` is laid over this environment, without the
    colour and CI variables."""
    import pty

    main, secondary = pty.openpty()
    full_env = {key: value for key, value in os.environ.items()
                if key not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TERM", "GITHUB_ACTIONS")}
    full_env.update({"PYTHONPATH": str(REPO), **env})
    process = subprocess.Popen([sys.executable, "-m", "wasmlint", *args], cwd=cwd, env=full_env,
                               stdout=secondary, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=300)
    os.close(main)
    return b"".join(chunks).decode()


@pytest.fixture(scope="module")
def wasm_toolchain():
    """The wasm32 toolchain --build uses (none: a failure in CI, a skip elsewhere)."""
    from wasmlint.toolchain import ToolchainError, find_toolchain

    find_toolchain.cache_clear()
    try:
        return find_toolchain()
    except ToolchainError as exc:
        unavailable(str(exc))
