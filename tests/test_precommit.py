"""The pre-commit hook, run by the real `pre-commit` on real `git commit`s in a throwaway crate.

pre-commit installs a hook repository from a git revision, so the test first snapshots this
checkout (committed files plus uncommitted and untracked ones, minus what .gitignore leaves out) into
a temporary git repository. That way the same test works in a fresh clone and in a working tree
with changes not yet committed. pre-commit gets its own PRE_COMMIT_HOME, so the user's cache is
never touched; the first commit builds the hook's virtualenv (`pip install` of wasmlint).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import unavailable

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 900  # the first commit installs wasmlint and its dependencies into a virtualenv

CARGO_TOML = """\
[package]
name = "hooked"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]
"""

CLEAN_LIB = """\
mod text;

static mut OUT: [u8; 64] = [0; 64];

#[no_mangle]
pub extern "C" fn shout(len: usize) -> usize {
    // SAFETY: wasm32 guests are single-threaded.
    let out = unsafe { &mut *core::ptr::addr_of_mut!(OUT) };
    text::upper_in_place(&mut out[..len.min(64)])
}
"""

FORMAT_LIB = CLEAN_LIB.replace(
    "    text::upper_in_place(&mut out[..len.min(64)])\n",
    '    let label = format!("{} bytes", len);\n'
    "    text::upper_in_place(&mut out[..len.min(64)]) + label.len()\n",
)

CLEAN_TEXT = """\
pub fn upper_in_place(bytes: &mut [u8]) -> usize {
    bytes.make_ascii_uppercase();
    bytes.len()
}
"""

FORMAT_TEXT = """\
pub fn upper_in_place(bytes: &mut [u8]) -> usize {
    bytes.make_ascii_uppercase();
    let note = format!("{} bytes", bytes.len());
    note.len()
}
"""

IS_BLANK = """
pub fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}
"""


def git(cwd: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check,
                          timeout=TIMEOUT)


def init_repo(path: Path, env: dict[str, str] | None = None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main", env=env)
    git(path, "config", "user.name", "wasmlint tests", env=env)
    git(path, "config", "user.email", "tests@wasmlint.invalid", env=env)
    git(path, "config", "commit.gpgsign", "false", env=env)


def snapshot_checkout(target: Path, env: dict[str, str]) -> str:
    """Copy this checkout's current files into a new git repo at `target`; returns its HEAD."""
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard", env=outer_git_env()).stdout
    init_repo(target, env)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # files deleted in the working tree are still listed by --cached
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "add", "-A", env=env)
    git(target, "commit", "-q", "--no-verify", "-m", "snapshot of the wasmlint checkout under test", env=env)
    return git(target, "rev-parse", "HEAD", env=env).stdout.strip()


def outer_git_env() -> dict[str, str]:
    # Variables git sets while it runs a hook would point every git command at that repository.
    return {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}


def isolated_env(base: Path) -> dict[str, str]:
    """Our own pre-commit cache, and no global git config (hooksPath, templates, signing) of the user."""
    (base / "gitconfig").write_text("")
    return {
        **outer_git_env(),
        "PRE_COMMIT_HOME": str(base / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "NO_COLOR": "1",
        "GIT_CONFIG_GLOBAL": str(base / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }


class Crate:
    """A small cdylib crate in its own git repo, with the wasmlint hook installed."""

    def __init__(self, path: Path, env: dict[str, str]):
        self.path, self.env = path, env
        self.first_commit: tuple[bool, str] = (False, "")

    def write(self, name: str, text: str) -> None:
        (self.path / name).parent.mkdir(parents=True, exist_ok=True)
        (self.path / name).write_text(text)

    def commit(self, message: str) -> tuple[bool, str]:
        """`git commit` with the hook; returns whether it went through and everything printed."""
        git(self.path, "add", "-A", env=self.env)
        before = self.head()
        done = subprocess.run(["git", "commit", "-m", message], cwd=self.path, env=self.env,
                              capture_output=True, text=True, timeout=TIMEOUT)
        output = done.stdout + done.stderr
        committed = done.returncode == 0
        assert committed == (self.head() != before), output
        return committed, output

    def head(self) -> str:
        return git(self.path, "rev-parse", "--verify", "-q", "HEAD", env=self.env, check=False).stdout.strip()

    def discard_changes(self) -> None:
        if not self.head():
            pytest.fail("the clean crate was never committed (see test_a_clean_crate_commits)")
        git(self.path, "reset", "-q", "--hard", "HEAD", env=self.env)


@dataclass
class HookRepo:
    """This checkout as a hook repository, and the environment every commit runs in."""

    path: Path
    rev: str
    env: dict[str, str]
    base: Path

    def project(self, name: str, files: dict[str, str]) -> Crate:
        """A new git repository holding `files`, with the wasmlint hook installed (not committed yet)."""
        project = Crate(self.base / name, self.env)
        init_repo(project.path, self.env)
        for file, text in files.items():
            project.write(file, text)
        project.write(".pre-commit-config.yaml",
                      f"repos:\n  - repo: {self.path}\n    rev: {self.rev}\n    hooks:\n      - id: wasmlint\n")
        installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project.path, env=self.env,
                                   capture_output=True, text=True, timeout=TIMEOUT)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        return project


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> HookRepo:
    if shutil.which("git") is None:
        unavailable("git is not installed")
    import pre_commit  # noqa: F401  (a test dependency: a missing one is an error)
    base = tmp_path_factory.mktemp("precommit")
    env = isolated_env(base)
    rev = snapshot_checkout(base / "wasmlint-repo", env)
    return HookRepo(base / "wasmlint-repo", rev, env, base)


@pytest.fixture(scope="module")
def crate(hook_repo) -> Crate:
    crate = hook_repo.project("crate", {"Cargo.toml": CARGO_TOML, "src/lib.rs": CLEAN_LIB, "src/text.rs": CLEAN_TEXT})
    # The first commit runs the hook on the whole clean crate (and builds the hook's virtualenv).
    crate.first_commit = crate.commit("a clean crate")
    return crate


def test_a_clean_crate_commits(crate):
    committed, output = crate.first_commit
    assert committed, output
    assert "wasmlint" in output and "Passed" in output, output


def test_format_in_an_exported_fn_is_rejected(crate):
    crate.discard_changes()
    crate.write("src/lib.rs", FORMAT_LIB)
    committed, output = crate.commit("build a label with format!")
    assert not committed, f"the commit went through:\n{output}"
    assert "error[format-in-export]" in output and "--> src/lib.rs:9:" in output, output


def test_format_in_a_helper_in_another_file_is_rejected(crate):
    # Only src/text.rs changes, so pre-commit passes only that file; wasmlint must still read
    # src/lib.rs to know that the export `shout` reaches `upper_in_place`.
    crate.discard_changes()
    crate.write("src/text.rs", FORMAT_TEXT)
    committed, output = crate.commit("count with format!")
    assert not committed, f"the commit went through:\n{output}"
    assert "error[format-in-export]" in output and "--> src/text.rs:3:" in output, output
    assert "shout" in output, output  # the export that reaches the helper


def test_a_clean_change_commits(crate):
    crate.discard_changes()
    crate.write("src/text.rs", CLEAN_TEXT + IS_BLANK)
    committed, output = crate.commit("add is_blank")
    assert committed, output
    assert "Passed" in output, output


def test_findings_in_files_not_being_committed_do_not_block(crate):
    # A finding that is already in the history (committed with --no-verify) is not in the staged
    # files, so a commit that touches only another file goes through.
    crate.discard_changes()
    crate.write("src/lib.rs", FORMAT_LIB)
    git(crate.path, "add", "-A", env=crate.env)
    git(crate.path, "commit", "-q", "--no-verify", "-m", "format! slipped in", env=crate.env)
    crate.write("src/text.rs", CLEAN_TEXT + IS_BLANK + "\n// a comment\n")
    committed, output = crate.commit("touch only text.rs")
    assert committed, output


def test_a_file_that_is_not_part_of_the_crate_is_named_and_checked_alone(crate):
    # An old version of lib.rs kept beside it: no `mod` reaches it, so rustc never compiles it.
    # pre-commit passes it by name: wasmlint says it is not part of the crate, and checks it alone
    # instead of reporting nothing.
    crate.discard_changes()
    crate.write("src/lib_old.rs", FORMAT_LIB.replace("mod text;\n", ""))
    try:
        committed, output = crate.commit("keep the old lib.rs around")
    finally:
        (crate.path / "src/lib_old.rs").unlink(missing_ok=True)
        crate.discard_changes()
    assert not committed, f"the commit went through:\n{output}"
    assert ("info: src/lib_old.rs is not part of crate hooked (no mod declaration reaches it); checked alone"
            in output), output
    assert "error[format-in-export]" in output and "--> src/lib_old.rs:" in output, output


# -- a wasm-bindgen crate and the JavaScript/TypeScript hosts that load it --------------------------

BINDGEN_CARGO_TOML = """\
[package]
name = "life"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
wasm-bindgen = "0.2"
"""

BINDGEN_LIB = """\
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Universe {
    cells: [u8; 64],
}

#[wasm_bindgen]
impl Universe {
    pub fn new() -> Universe {
        Universe { cells: [0; 64] }
    }

    pub fn cells(&self) -> *const u8 {
        self.cells.as_ptr()
    }

    pub fn tick(&mut self) {
        let next = self.cells.to_vec();
        self.cells[0] = next[1];
    }
}
"""

# The package.json maps the package the hosts import to wasm-pack's pkg/, as in the rustwasm tutorial.
PACKAGE_JSON = '{\n  "private": true,\n  "dependencies": { "life": "file:../pkg" }\n}\n'

FRESH_JS = """\
import { Universe } from "life";
import { memory } from "life/life_bg";

const universe = Universe.new();

function frame() {
  universe.tick();
  const cells = new Uint8Array(memory.buffer, universe.cells(), 64);
  return cells[0];
}

requestAnimationFrame(frame);
"""

# The view is made once, before the loop: `tick()` may grow memory and detach it.
STALE_JS = """\
import { Universe } from "life";
import { memory } from "life/life_bg";

const universe = Universe.new();
const cells = new Uint8Array(memory.buffer, universe.cells(), 64);

function frame() {
  universe.tick();
  return cells[0];
}

requestAnimationFrame(frame);
"""

FRESH_TS = """\
import { Universe } from "life";
import { memory } from "life/life_bg";

const universe: Universe = Universe.new();

export function firstCell(): number {
  universe.tick();
  return new DataView(memory.buffer, universe.cells(), 64).getUint8(0);
}
"""

STALE_TS = """\
import { Universe } from "life";
import { memory } from "life/life_bg";

const universe: Universe = Universe.new();
const view: DataView = new DataView(memory.buffer, universe.cells(), 64);

export function firstCell(): number {
  universe.tick();
  return view.getUint8(0);
}
"""


def without_node_or_cargo(env: dict[str, str], base: Path) -> dict[str, str]:
    """PATH with only what git and pre-commit's hook script need: the hook must not reach for Node.js,
    cargo or rustc (the host and source layers need neither)."""
    tools = base / "hook-path"
    tools.mkdir(exist_ok=True)
    for name in ("git", "bash", "sh", "env"):
        found = shutil.which(name)
        if found and not (tools / name).exists():
            (tools / name).symlink_to(found)
    return {**env, "PATH": str(tools)}


@pytest.fixture(scope="module")
def app(hook_repo) -> Crate:
    app = hook_repo.project("app", {
        "Cargo.toml": BINDGEN_CARGO_TOML, "src/lib.rs": BINDGEN_LIB,
        "www/package.json": PACKAGE_JSON, "www/index.js": FRESH_JS, "www/render.ts": FRESH_TS,
    })
    app.first_commit = app.commit("a wasm-bindgen crate whose hosts make fresh views")
    return app


def test_a_wasm_bindgen_crate_whose_hosts_make_fresh_views_commits(app):
    committed, output = app.first_commit
    assert committed, output
    assert "Passed" in output and "error[" not in output, output
    # The hook saw the allocation, and reported it as info: its hosts never hold a view across the call.
    shown = verbose_run(app, "src/lib.rs", "www/index.js", "www/render.ts")
    assert shown.returncode == 0, shown.stdout
    assert "info[to-owned-in-export]" in shown.stdout and "--> src/lib.rs:19:" in shown.stdout, shown.stdout
    assert "3 files checked" in shown.stdout, shown.stdout


def verbose_run(project: Crate, *files: str) -> subprocess.CompletedProcess:
    """`pre-commit run --verbose` of the hook on `files`: its output even when it passes."""
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "wasmlint", "--verbose", "--files", *files],
                          cwd=project.path, env=project.env, capture_output=True, text=True, timeout=TIMEOUT)


@pytest.mark.parametrize("host, stale, line", [("www/index.js", STALE_JS, 9), ("www/render.ts", STALE_TS, 9)])
def test_a_staged_host_that_keeps_a_view_across_a_growing_call_is_rejected(app, hook_repo, host, stale, line):
    app.discard_changes()
    app.write(host, stale)
    git(app.path, "add", "-A", env=app.env)
    done = subprocess.run(["git", "commit", "-m", "make the view once"], cwd=app.path,
                          env=without_node_or_cargo(app.env, hook_repo.base), capture_output=True, text=True,
                          timeout=TIMEOUT)
    output = done.stdout + done.stderr
    assert done.returncode != 0, f"the commit went through:\n{output}"
    assert "error[stale-memory-view]" in output and f"--> {host}:{line}:" in output, output
    # Judged by the crate's source (no module built): `tick` allocates.
    assert "`universe_tick` may have grown memory" in output and "src/lib.rs:19" in output, output
    assert "--> src/lib.rs" not in output, output  # lib.rs is not staged: not reported


def test_a_staged_lib_rs_fails_with_the_error_its_hosts_contract_sets(app):
    # The stale host is already in the history (committed with --no-verify); only lib.rs is staged.
    app.discard_changes()
    app.write("www/index.js", STALE_JS)
    git(app.path, "add", "-A", env=app.env)
    git(app.path, "commit", "-q", "--no-verify", "-m", "stale view slipped in", env=app.env)
    app.write("src/lib.rs", BINDGEN_LIB.replace("    pub fn cells", "    /// The cells, row by row.\n    pub fn cells"))
    committed, output = app.commit("document cells()")
    try:
        assert not committed, f"the commit went through:\n{output}"
        assert "error[to-owned-in-export]" in output and "--> src/lib.rs:20:" in output, output
        assert "= host: www/index.js:9 keeps a view over memory.buffer across a call to `universe_tick`" in output, output
        assert "--> www/index.js" not in output, output  # the host is not staged: not reported
    finally:
        git(app.path, "reset", "-q", "--hard", "HEAD~1", env=app.env)


def test_a_staged_lib_rs_whose_hosts_make_fresh_views_commits(app):
    app.discard_changes()
    app.write("src/lib.rs", BINDGEN_LIB.replace("    pub fn tick", "    /// One generation.\n    pub fn tick"))
    committed, output = app.commit("document tick()")
    assert committed, output
    shown = verbose_run(app, "src/lib.rs")
    assert "info[to-owned-in-export]" in shown.stdout and "--> src/lib.rs:20:" in shown.stdout, shown.stdout


def test_the_hook_environment_holds_no_wasmtime(crate, hook_repo):
    # pre-commit installs wasmlint without extras: the runtime layer's wasmtime (a large wheel the
    # source and host layers never use) is not in the hook's environment.
    pythons = sorted(Path(hook_repo.env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*/bin/python"))
    assert pythons, "pre-commit made no environment for the hook"
    for python in pythons:
        probe = subprocess.run([str(python), "-c", "import importlib.util as u; print(u.find_spec('wasmtime') is None,"
                                " u.find_spec('tree_sitter') is not None)"], capture_output=True, text=True, timeout=60)
        assert probe.stdout.split() == ["True", "True"], probe.stdout + probe.stderr
