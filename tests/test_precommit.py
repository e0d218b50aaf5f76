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


@pytest.fixture(scope="module")
def crate(tmp_path_factory) -> Crate:
    if shutil.which("git") is None:
        unavailable("git is not installed")
    import pre_commit  # noqa: F401  (a test dependency: a missing one is an error)
    base = tmp_path_factory.mktemp("precommit")
    env = isolated_env(base)
    hook_repo = base / "wasmlint-repo"
    rev = snapshot_checkout(hook_repo, env)

    crate = Crate(base / "crate", env)
    init_repo(crate.path, env)
    crate.write("Cargo.toml", CARGO_TOML)
    crate.write("src/lib.rs", CLEAN_LIB)
    crate.write("src/text.rs", CLEAN_TEXT)
    crate.write(".pre-commit-config.yaml",
                f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: wasmlint\n")
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=crate.path, env=env,
                               capture_output=True, text=True, timeout=TIMEOUT)
    assert installed.returncode == 0, installed.stdout + installed.stderr
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
