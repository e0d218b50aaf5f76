"""`--build` leaves the source tree as it was: read-only trees build, a killed build leaves nothing.

cargo builds a copy of the project in the user cache (wasmlint/buildcopy.py). These run the CLI
with file permissions in force (tests/unprivileged.py) on trees made read-only, and kill a build
while cargo is at work.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import GUESTS, REPO, unavailable
from unprivileged import run_unprivileged, wasmlint_unprivileged

from wasmlint.buildcopy import plan_copy, sync_copy
from wasmlint.toolchain import ToolchainError, find_toolchain


@pytest.fixture(scope="module", autouse=True)
def toolchain():
    find_toolchain.cache_clear()
    try:
        return find_toolchain()
    except ToolchainError as exc:
        unavailable(str(exc))


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under root: its kind, mode, modification time and bytes."""
    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else os.readlink(path) if path.is_symlink() else None
        found[path.relative_to(root).as_posix()] = (info.st_mode, info.st_mtime_ns, data)
    return found


def read_only(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)


def writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)


def assert_cannot_write(folder: Path) -> None:
    """The child really is refused the read-only tree (so a test below cannot pass by accident)."""
    probe = run_unprivileged([sys.executable, "-c", "import sys; open(sys.argv[1] + '/probe', 'w')", str(folder)], cwd=folder)
    assert probe.returncode != 0 and "PermissionError" in probe.stderr, probe.stderr


def module_findings(stdout: str) -> list[dict]:
    return [f for f in json.loads(stdout)["findings"] if f["layer"] == "module"]


@pytest.fixture
def project(tmp_path):
    """Room for a project (made writable again afterwards, for pytest to remove it) and a cache
    of its own for the builds."""
    root = tmp_path / "project"
    root.mkdir()
    yield root
    writable(root)


def cache_env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache")}


SCRIPT_WRITING_INTO_ITS_CRATE = 'fn main() { std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/generated.txt"), "made by build.rs").unwrap(); }\n'


@pytest.mark.parametrize("guest", ["greeting-alloc", "workspace-demo"])
def test_build_of_a_read_only_tree_succeeds_and_leaves_it_byte_for_byte(project, tmp_path, guest):
    shutil.copytree(GUESTS / guest, project / guest)
    read_only(project)
    before = snapshot(project)
    assert_cannot_write(project / guest)
    result = wasmlint_unprivileged("check", guest, "--build", "--no-cache", "--format", "json", cwd=project, env=cache_env(tmp_path))
    assert json.loads(result.stdout)["errors"] == [], result.stderr
    assert module_findings(result.stdout), "no module was built and checked"
    assert snapshot(project) == before  # no Cargo.lock, no target/, nothing else


def test_a_build_script_writing_into_its_crate_writes_into_the_copy(project, tmp_path):
    # The third shape: cargo itself writes nothing here, the crate's own build script tries to.
    crate = project / "scripted"
    shutil.copytree(GUESTS / "greeting-alloc", crate)
    (crate / "build.rs").write_text(SCRIPT_WRITING_INTO_ITS_CRATE)
    read_only(project)
    before = snapshot(project)
    result = wasmlint_unprivileged("check", "scripted", "--build", "--no-cache", "--format", "json", cwd=project, env=cache_env(tmp_path))
    assert json.loads(result.stdout)["errors"] == [], result.stderr
    assert module_findings(result.stdout)
    assert snapshot(project) == before
    (written,) = (tmp_path / "cache").rglob("generated.txt")
    assert written.read_text() == "made by build.rs"


@pytest.mark.parametrize("table", ["target.wasm32-unknown-unknown", "build"])
def test_the_projects_cargo_config_applies_as_to_cargo_build_there(project, tmp_path, table):
    # cargo runs in the crate's own folder: a .cargo/config.toml there or above it is read, as
    # `cargo build` would read it (here: a memory maximum given at link time). The flags wasmlint
    # adds (build.rustflags) are joined to the project's, never in their place.
    crate = project / "capped"
    shutil.copytree(GUESTS / "greeting-alloc", crate)
    (project / ".cargo").mkdir()
    (project / ".cargo/config.toml").write_text(f'[{table}]\nrustflags = ["-C", "link-arg=--max-memory=4194304"]\n')
    read_only(project)
    before = snapshot(project)
    result = wasmlint_unprivileged("check", "capped", "--build", "--no-cache", "--format", "json", cwd=project, env=cache_env(tmp_path))
    findings = json.loads(result.stdout)["findings"]
    assert json.loads(result.stdout)["errors"] == [], result.stderr
    # The module was built and checked (its evidence joins the source finding), with a maximum.
    assert any(line.startswith("module: `set_name` reaches memory.grow") for f in findings for line in f["evidence"]), findings
    assert "memory-has-no-maximum" not in {f["rule_id"] for f in findings}
    assert snapshot(project) == before
    writable(project)
    (project / ".cargo/config.toml").unlink()
    result = wasmlint_unprivileged("check", "capped", "--build", "--no-cache", "--format", "json", cwd=project, env=cache_env(tmp_path))
    assert "memory-has-no-maximum" in {f["rule_id"] for f in module_findings(result.stdout)}


def test_a_path_dependency_beside_the_crate_is_copied_and_an_outside_one_is_not(project, tmp_path):
    (project / ".git").mkdir()  # the project: a git work tree holding the app and its shared crate
    app = project / "apps/app"
    shutil.copytree(GUESTS / "greeting-alloc", app)
    shared = project / "libs/shared"
    (shared / "src").mkdir(parents=True)
    (shared / "Cargo.toml").write_text('[package]\nname = "shared"\nversion = "0.1.0"\nedition = "2021"\n')
    (shared / "src/lib.rs").write_text("pub fn answer() -> u32 { 42 }\n")
    with (app / "Cargo.toml").open("a") as handle:
        handle.write('\n[dependencies]\nshared = { path = "../../libs/shared" }\n')
    (app / "src/lib.rs").write_text((app / "src/lib.rs").read_text() + "\n#[no_mangle]\npub extern \"C\" fn answer() -> u32 { shared::answer() }\n")
    assert plan_copy(app) == (project.resolve(), ())
    read_only(project)
    before = snapshot(project)
    result = wasmlint_unprivileged("check", "apps/app", "--build", "--no-cache", "--format", "json", cwd=project, env=cache_env(tmp_path))
    assert json.loads(result.stdout)["errors"] == [], result.stderr
    assert snapshot(project) == before
    # Outside the git work tree: not read, and the build says which dependency it lacks.
    writable(project)
    (app / "Cargo.toml").write_text((app / "Cargo.toml").read_text().replace("../../libs/shared", "../../../elsewhere"))
    shutil.copytree(shared, tmp_path / "elsewhere")
    read_only(project)
    result = wasmlint_unprivileged("check", "apps/app", "--build", "--no-cache", "--format", "json", cwd=project, env=cache_env(tmp_path))
    (error,) = json.loads(result.stdout)["errors"]
    assert error["path"] == "apps/app/Cargo.toml"
    assert error["message"] == (f"cannot build greeting-alloc ({app.resolve()}): {app.resolve()}/Cargo.toml names "
                                f"{(tmp_path / 'elsewhere').resolve()}, outside the project; --build copies only the project's own files")


@pytest.mark.parametrize("linked", ["libs/shared/Cargo.toml", "Cargo.toml"], ids=["dependency", "workspace-root"])
def test_a_manifest_linked_out_of_the_project_is_not_read_to_plan_the_copy(project, tmp_path, linked):
    # A path dependency's manifest, or the workspace's own, is a symlink to a file outside the git
    # work tree; that file names a folder further out. Read, it would be followed (and named in
    # the build's error); as it lies outside the project, it is not read at all.
    (project / ".git").mkdir()
    app = project / "apps/app"
    shutil.copytree(GUESTS / "greeting-alloc", app)
    (project / "libs/shared").mkdir(parents=True)
    with (app / "Cargo.toml").open("a") as handle:
        handle.write('\n[dependencies]\nshared = { path = "../../libs/shared" }\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "Cargo.toml").write_text('[package]\nname = "x"\nversion = "0.1.0"\n'
                                          '[dependencies]\nfar = { path = "../../../far" }\n[workspace]\nmembers = ["../../far"]\n')
    os.symlink(elsewhere / "Cargo.toml", project / linked)
    assert plan_copy(app) == (project.resolve(), ())


def test_a_build_killed_while_cargo_works_leaves_nothing_in_the_tree(project, tmp_path):
    crate = project / "slow"
    shutil.copytree(GUESTS / "greeting-alloc", crate)
    # A build script that takes its time, so that the kill lands while cargo is working.
    (crate / "build.rs").write_text("fn main() { std::thread::sleep(std::time::Duration::from_secs(30)); }\n")
    before = snapshot(project)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), **cache_env(tmp_path)}
    run = subprocess.Popen([sys.executable, "-m", "wasmlint", "check", "slow", "--build", "--no-cache"], cwd=project,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # cargo has compiled the build script and runs it (for 30 s): Cargo.lock is written by
        # now, wherever cargo writes it. Kill wasmlint, cargo and the script a second later.
        deadline = time.monotonic() + 120
        while not list((tmp_path / "cache").rglob("build-script-build")):
            assert run.poll() is None and time.monotonic() < deadline, "the build never started"
            time.sleep(0.05)
        time.sleep(1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert snapshot(project) == before  # no Cargo.lock, no target/
    assert not list((tmp_path / "cache").rglob("*.wasm"))  # it was killed before it ended
    # The next run repairs whatever the kill left in the copy and builds.
    (crate / "build.rs").write_text("fn main() {}\n")
    before = snapshot(project)
    result = wasmlint_unprivileged("check", "slow", "--build", "--no-cache", "--format", "json", cwd=project, env=cache_env(tmp_path))
    assert json.loads(result.stdout)["errors"] == [] and module_findings(result.stdout), result.stderr
    assert snapshot(project) == before


def test_the_copy_follows_the_tree_and_keeps_unchanged_files_as_they_were(tmp_path):
    root = tmp_path / "tree"
    (root / "src/nested").mkdir(parents=True)
    (root / "Cargo.toml").write_text("[package]\n")
    (root / "src/lib.rs").write_text("// one\n")
    (root / "src/nested/old.rs").write_text("// old\n")
    (root / "target/debug").mkdir(parents=True)
    (root / "target/debug/big").write_bytes(b"x" * 1000)
    (root / ".git").mkdir()
    (root / ".git/config").write_text("")
    os.mkfifo(root / "src/fifo")
    os.symlink("lib.rs", root / "src/inside.rs")
    os.symlink(str(tmp_path), root / "src/outside")
    copy = tmp_path / "copy"
    sync_copy(root, copy)
    files = {p.relative_to(copy).as_posix() for p in copy.rglob("*") if not p.is_dir() or p.is_symlink()}
    assert files == {"Cargo.toml", "src/lib.rs", "src/nested/old.rs", "src/inside.rs"}
    assert os.readlink(copy / "src/inside.rs") == "lib.rs"
    assert (copy / "src/lib.rs").stat().st_mtime_ns == (root / "src/lib.rs").stat().st_mtime_ns
    # A second sync copies only what changed and removes what the tree no longer has; the lock
    # file cargo wrote in the copy stays.
    (copy / "Cargo.lock").write_text("# cargo's\n")
    kept = (copy / "Cargo.toml").stat().st_ino
    (root / "src/nested/old.rs").unlink()
    (root / "src/lib.rs").write_text("// two, longer\n")
    (root / "src/nested").rmdir()
    (root / "src/nested").write_text("// a file where a folder was\n")
    sync_copy(root, copy)
    assert (copy / "src/lib.rs").read_text() == "// two, longer\n"
    assert (copy / "src/nested").read_text() == "// a file where a folder was\n"
    assert (copy / "Cargo.toml").stat().st_ino == kept and (copy / "Cargo.lock").exists()


def test_help_and_readme_say_that_build_runs_the_projects_code():
    result = subprocess.run([sys.executable, "-m", "wasmlint", "check", "--help"], cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "400", "PYTHONPATH": str(REPO)})
    help_text = " ".join(result.stdout.split())
    assert "Like `cargo build`, this runs the crates' build scripts and proc macros" in help_text
    assert "only on code you trust" in help_text
    readme = " ".join((REPO / "README.md").read_text().split())
    assert "Like `cargo build`, `--build` runs the project's own code**: its build scripts (`build.rs`), its proc macros" in readme
    assert "the tree is never written, even when the build is killed, and may be read-only" in readme
