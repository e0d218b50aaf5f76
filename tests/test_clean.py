"""`wasmlint clean` removes every cache a real run made (results, --build's cargo folders and project
copies, wasmtime's compiled code), says how much, and leaves what it did not make."""

from __future__ import annotations

import os
import re
import shutil


from conftest import GUESTS, run_cli


def sizes_in(line: str) -> float:
    number, unit = re.search(r"\(([\d.]+) (B|KiB|MiB|GiB)\)", line).groups()
    return float(number) * {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}[unit]


def test_clean_removes_every_cache_a_build_and_confirm_made(tmp_path, wasm_toolchain):
    user_cache = tmp_path / "user-cache"
    results = tmp_path / "results"
    env = {"XDG_CACHE_HOME": str(user_cache)}
    crate = tmp_path / "greeting-alloc"
    shutil.copytree(GUESTS / "greeting-alloc", crate, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    run = run_cli("check", str(crate), "--build", "--confirm", "--cache-dir", str(results), env=env)
    assert run.returncode == 1, run.stderr
    ours = user_cache / "wasmlint"
    made = {kind: sorted(p for p in (ours / kind).iterdir()) for kind in ("target", "wasmtime")}
    assert made["target"] and (ours / "wasmtime" / "code").is_dir(), made
    copies = sorted((ours / "build-copies").iterdir()) if (ours / "build-copies").is_dir() else []

    # What the user keeps beside ours: a folder named as ours without cargo's tag, a symlink named
    # as ours to a folder that has the tag, a file; and a results entry's look-alike.
    planted = ours / "target" / ("0" * 16)
    (planted / "keep").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(made["target"][0] / "CACHEDIR.TAG", elsewhere / "CACHEDIR.TAG")
    link = ours / "target" / ("1" * 16)
    link.symlink_to(elsewhere, target_is_directory=True)
    notes = ours / "target" / "notes.txt"
    notes.write_text("mine\n")
    copy_lookalike = ours / "build-copies" / ("2" * 16)
    (copy_lookalike / "tree").mkdir(parents=True)
    (copy_lookalike / "my-notes").write_text("mine\n")

    cleaned = run_cli("clean", "--cache-dir", str(results), env=env)
    assert cleaned.returncode == 0, cleaned.stderr
    lines = cleaned.stdout.splitlines()
    by_kind = {line.split(" (")[0].split(" ", 2)[2]: line for line in lines[:-1]}
    assert set(by_kind) == {"cached results", "build folders", "build copies", "wasmtime code caches"}, lines
    assert f"removed {len(made['target'])} build folders" in by_kind["build folders"]
    assert f"removed {len(copies)} build copies" in by_kind["build copies"]
    assert by_kind["wasmtime code caches"].startswith("removed 1 wasmtime code caches")
    assert sizes_in(by_kind["build folders"]) > 1024 and sizes_in(by_kind["cached results"]) > 0
    assert lines[-1].startswith("freed ") and lines[-1] != "freed 0 B"

    assert not any(path.exists() for path in made["target"] + copies)
    assert not (ours / "wasmtime" / "code").exists() and not list((ours / "wasmtime").glob("config-*.toml"))
    assert not list(results.glob("*/*.json"))
    assert (planted / "keep").is_dir() and os.path.islink(link) and (elsewhere / "CACHEDIR.TAG").is_file()
    assert notes.read_text() == "mine\n" and (copy_lookalike / "my-notes").is_file()

    again = run_cli("clean", "--cache-dir", str(results), env=env)
    assert again.stdout.splitlines()[-1] == "freed 0 B", again.stdout
