"""Nothing lost, nothing written: a run with good and failed inputs reports every good finding in
every format and exits 2; and `check` never changes the tree it checks."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import GUESTS, run_cli, unavailable

DIRTY = '#[no_mangle]\npub extern "C" fn greet(n: i32) -> usize {\n    format!("{}", n).len()\n}\n'


@pytest.fixture
def mixed(tmp_path) -> Path:
    """A folder with a good crate (one finding), a malformed module and a crate with a broken
    source (a dangling link, not readable) and a binary one (a parse-error, partial)."""
    good = tmp_path / "good"
    (good / "src").mkdir(parents=True)
    (good / "Cargo.toml").write_text('[package]\nname = "good"\nversion = "0.1.0"\n')
    (good / "src/lib.rs").write_text(DIRTY)
    broken = tmp_path / "broken"
    (broken / "src").mkdir(parents=True)
    (broken / "Cargo.toml").write_text('[package]\nname = "broken"\nversion = "0.1.0"\n')
    (broken / "src/lib.rs").write_bytes(b"\0\xff\xfe garbage")
    os.symlink("missing.rs", broken / "src/gone.rs")
    (tmp_path / "bad.wasm").write_bytes(b"\0asm\x01\0\0\0\x01\xff\xff\xff\xff\x0f")  # a section running past the end
    return tmp_path


GOOD = "good/src/lib.rs"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_every_good_finding_in_every_format_and_exit_2(mixed, fmt, validator):
    result = run_cli("check", ".", "--format", fmt, cwd=mixed)
    assert result.returncode == 2, result.stdout + result.stderr  # a failed input wins over findings (1)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert sorted(line.split(":")[1].strip() for line in errors) == ["bad.wasm", "broken/src/gone.rs"]
    if fmt == "text":
        assert "error[format-in-export]: `format!` allocates a `String` in exported function `greet`" in result.stdout
        assert f"--> {GOOD}:3:5" in result.stdout
        assert "info[parse-error]" in result.stdout and "--> broken/src/lib.rs:1:2" in result.stdout
    elif fmt == "json":
        data = json.loads(result.stdout)
        assert {(f["path"], f["rule_id"]) for f in data["findings"]} == {
            (GOOD, "format-in-export"), ("broken/src/lib.rs", "parse-error")}
        assert sorted(e["path"] for e in data["errors"]) == ["bad.wasm", "broken/src/gone.rs"]
    elif fmt == "sarif":
        log = json.loads(result.stdout)
        validator.validate(log)
        (run,) = log["runs"]
        found = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]}
        assert ("format-in-export", GOOD) in found and ("parse-error", "broken/src/lib.rs") in found
        invocation = run["invocations"][0]
        assert invocation["executionSuccessful"] is False
        failed = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
        assert failed == ["bad.wasm", "broken/src/gone.rs"]
    else:
        assert f"::error title=wasmlint(format-in-export),file={GOOD},line=3," in result.stdout
        assert "::error title=wasmlint%3A could not check,file=bad.wasm::malformed module" in result.stdout


def test_a_hostile_guest_beside_a_good_crate(mixed):
    hostile = Path(__file__).parent / "wat/runtime/huge_table.wat"
    shutil.copy(hostile, mixed / "hostile.wat")
    result = run_cli("check", "good", "hostile.wat", "--confirm", "--format", "json", cwd=mixed)
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert [(f["path"], f["rule_id"]) for f in data["findings"]] == [(GOOD, "format-in-export")]
    (error,) = data["errors"]
    assert error["path"] == "hostile.wat" and "table elements" in error["message"]


def snapshot(root: Path) -> dict[str, str]:
    """Every path under root (folders too), with a hash of each file's bytes."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        found[relative] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


def test_check_never_writes_into_the_tree(tmp_path):
    if shutil.which("cargo") is None and not os.environ.get("WASMLINT_CARGO"):
        unavailable("cargo is needed to build the guest")
    tree = tmp_path / "tree"
    shutil.copytree(GUESTS / "greeting-alloc", tree / "greeting-alloc")
    cache = tmp_path / "cache"  # the user cache dir, outside the tree: builds and results go there
    env = {"XDG_CACHE_HOME": str(cache)}
    before = snapshot(tree)
    for args in (["check", "."], ["check", ".", "--build", "--confirm"], ["check", "greeting-alloc/src/lib.rs"]):
        result = run_cli(*args, cwd=tree, env=env)
        assert result.returncode == 1, result.stdout + result.stderr  # it ran, and found the allocation
        assert snapshot(tree) == before, args  # no Cargo.lock, no target/, no cache, no __pycache__
    assert (cache / "wasmlint" / "target").is_dir()  # cargo's target dir lives in the cache
