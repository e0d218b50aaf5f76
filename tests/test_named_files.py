"""A file named on the command line (as pre-commit names the staged ones) is judged as `check` of its
crate judges it: a `.rs` file with its crate's hosts (they set the severities), a host with the crate
it loads. Only the named files are reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import GUESTS, run_cli


def findings(*args: str, cwd: Path) -> tuple[int, list[tuple[str, str, int, str]]]:
    done = run_cli("check", *args, "--layer", "source,host", "--format", "json", cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    data = json.loads(done.stdout)
    return done.returncode, sorted((f["rule_id"], f["path"], f["line"], f["severity"]) for f in data["findings"])


@pytest.mark.parametrize("guest, files", [
    ("game-of-life-stale", ["src/lib.rs", "www/index.js"]),  # wasm-bindgen crate, a host that keeps a view
    ("game-of-life", ["src/lib.rs", "www/index.js"]),  # the same crate, a host that makes fresh views
    ("raw-alloc-host", ["src/lib.rs", "host/index.js", "host/text.js"]),  # raw exports, a host importing a helper
])
def test_each_named_file_gets_what_check_of_the_crate_gives_it(tmp_path, guest, files):
    crate = tmp_path / guest
    shutil.copytree(GUESTS / guest, crate, ignore=shutil.ignore_patterns("target", "Cargo.lock", "pkg"))
    _, whole = findings(".", cwd=crate)
    assert whole, "the guest has findings"
    for file in files:
        code, alone = findings(file, cwd=crate)
        assert alone == [f for f in whole if f[1] == file], file
        assert code == (1 if any(f[3] != "info" for f in alone) else 0), (file, alone)


def test_a_named_host_reads_only_the_crates_of_its_own_project(tmp_path):
    # The host's package.json maps the package to a crate outside the host's git work tree: that
    # crate is not read (its source cannot say the export grows), so the view is only a warning.
    outside = tmp_path / "elsewhere" / "game-of-life-stale"
    shutil.copytree(GUESTS / "game-of-life-stale", outside, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "www").mkdir()
    shutil.copy(outside / "www" / "index.js", project / "www" / "index.js")
    (project / "www" / "package.json").write_text(
        json.dumps({"dependencies": {"game-of-life-stale": f"file:{outside / 'pkg'}"}}))
    code, alone = findings("www/index.js", cwd=project)
    # Unlinked, every export may grow: line 10 builds its view over `memory.buffer` read before
    # `universe.cells()` runs (arguments are evaluated in order, issue 21), line 18 reads it later.
    assert alone == [("stale-memory-view", "www/index.js", 10, "warning"),
                     ("stale-memory-view", "www/index.js", 18, "warning")], alone
    # Inside the project, the same host is an error: the crate's source shows `tick` allocates.
    shutil.copytree(outside, project / "game-of-life-stale")
    (project / "www" / "package.json").write_text(json.dumps({"dependencies": {"game-of-life-stale": "file:../game-of-life-stale/pkg"}}))
    code, alone = findings("www/index.js", cwd=project)
    assert code == 1 and alone == [("stale-memory-view", "www/index.js", 18, "error")], alone
