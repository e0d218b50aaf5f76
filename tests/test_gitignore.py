"""Folder walks skip what .gitignore and .ignore leave out (git decides, as for ruff); an option brings
those files back, and a path given on the command line is always checked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli, unavailable

CARGO = '[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\ncrate-type = ["cdylib"]\n'
ALLOCATING = '#[no_mangle]\npub extern "C" fn {name}() -> usize {{\n    format!("{{}}", 1).len()\n}}\n'
CLEAN = '#[no_mangle]\npub extern "C" fn app() -> usize {\n    1\n}\n'
STALE_HOST = """\
const { instance } = await WebAssembly.instantiate(bytes);
const view = new Uint8Array(instance.exports.memory.buffer);
instance.exports.grow_it();
console.log(view[0]);
"""

# file -> whether `check .` (with the ignore files respected) reports it
FILES = {
    "app/src/lib.rs": False,  # the project's own crate: clean
    "www/app.js": True,  # a host that is not ignored
    "dist/bundle.js": False,  # /dist/ in .gitignore
    "third_party/vendored/src/lib.rs": False,  # third_party/ in .gitignore: a vendored crate
    "web/keep.generated.js": True,  # *.generated.js ignored, but !keep.generated.js brings it back
    "web/drop.generated.js": False,
    "web/local/dev.js": False,  # local/ in web/.gitignore (a nested ignore file)
    "scratch/old.rs": False,  # scratch/ in .ignore (ruff's and ripgrep's own file)
    "tools/gen.js": False,  # tools/ in .git/info/exclude
    "vendor/forced.js": True,  # vendor/ is ignored, but this file is tracked (added with -f): git checks it
}


def git(root: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, timeout=60)


def make_project(root: Path, with_git: bool = True) -> Path:
    (root / "app" / "src").mkdir(parents=True)
    (root / "app" / "Cargo.toml").write_text(CARGO.format(name="app"))
    (root / "app" / "src" / "lib.rs").write_text(CLEAN)
    vendored = root / "third_party" / "vendored"
    (vendored / "src").mkdir(parents=True)
    (vendored / "Cargo.toml").write_text(CARGO.format(name="vendored"))
    (vendored / "src" / "lib.rs").write_text(ALLOCATING.format(name="vendored"))
    (root / "scratch").mkdir()
    (root / "scratch" / "old.rs").write_text(ALLOCATING.format(name="old"))
    for name in FILES:
        if name.endswith(".js"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(STALE_HOST)
    (root / ".gitignore").write_text("/dist/\nthird_party/\n*.generated.js\n!keep.generated.js\nvendor/\n")
    (root / "web" / ".gitignore").write_text("local/\n")
    (root / ".ignore").write_text("scratch/\n")
    if with_git:
        if shutil.which("git") is None:
            unavailable("git is not installed")
        git(root, "init", "-q")
        (root / ".git" / "info").mkdir(exist_ok=True)
        (root / ".git" / "info" / "exclude").write_text("tools/\n")
        git(root, "add", "-f", "vendor/forced.js")
    return root


def reported(*args: str, cwd: Path, env: dict | None = None) -> set[str]:
    done = run_cli("check", *args, "--format", "json", "--no-cache", cwd=cwd, env=env)
    assert done.returncode in (0, 1), done.stderr
    return {finding["path"] for finding in json.loads(done.stdout)["findings"]}


def test_check_skips_what_the_ignore_files_leave_out(tmp_path):
    project = make_project(tmp_path / "project")
    assert reported(".", cwd=project) == {name for name, shown in FILES.items() if shown}


def test_no_respect_gitignore_brings_them_back(tmp_path):
    project = make_project(tmp_path / "project")
    everything = {name for name in FILES if name != "app/src/lib.rs"}
    assert reported(".", "--no-respect-gitignore", cwd=project) == everything


@pytest.mark.parametrize("given, expected", [
    ("dist/bundle.js", {"dist/bundle.js"}),  # an ignored file, named
    ("third_party/vendored", {"third_party/vendored/src/lib.rs"}),  # an ignored folder, named
    ("web", {"web/keep.generated.js"}),  # a folder holding ignored files: they stay ignored
])
def test_a_path_given_is_checked_whatever_the_ignore_files_say(tmp_path, given, expected):
    project = make_project(tmp_path / "project")
    assert reported(given, cwd=project) == expected


def test_from_a_subfolder_the_work_tree_rules_still_apply(tmp_path):
    project = make_project(tmp_path / "project")
    assert reported(".", cwd=project / "web") == {"keep.generated.js"}


def test_outside_a_git_work_tree_nothing_is_ignored(tmp_path):
    project = make_project(tmp_path / "project", with_git=False)
    assert reported(".", cwd=project) == {name for name in FILES if name != "app/src/lib.rs"}


def test_without_git_nothing_is_ignored_and_the_summary_says_why(tmp_path):
    project = make_project(tmp_path / "project")
    tools = tmp_path / "bin"
    tools.mkdir()  # a PATH with no git on it
    done = run_cli("check", ".", "--no-cache", cwd=project, env={"PATH": str(tools)})
    assert done.returncode == 1, done.stderr
    assert ".gitignore and .ignore not applied (git is not installed)" in done.stdout, done.stdout
    assert "third_party/vendored/src/lib.rs" in done.stdout
