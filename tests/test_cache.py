"""The results cache, through the real CLI: hits give the same report, any change to what a result
depends on misses, and damaged or foreign entries are ignored and written again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import GUESTS, run_cli
from wasmlint.cache import FORMAT, digest
from wasmlint.check import CrateOutcome
from wasmlint.plain import PlainError, from_plain, to_plain

EXPORT = 'mod helper;\n\n#[no_mangle]\npub extern "C" fn set_name(n: u32) -> u32 {\n    helper::work(n)\n}\n'
HELPER_CLEAN = "pub fn work(n: u32) -> u32 {\n    n + 1\n}\n"
HELPER_ALLOC = "pub fn work(n: u32) -> u32 {\n    let s = format!(\"{}\", n);\n    s.len() as u32\n}\n"


@pytest.fixture
def crate(tmp_path) -> Path:
    root = tmp_path / "demo"
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n')
    (root / "src" / "lib.rs").write_text(EXPORT)
    (root / "src" / "helper.rs").write_text(HELPER_ALLOC)
    return root


def check(crate: Path, cache: Path, *extra: str):
    return run_cli("check", str(crate), "--format", "json", "--cache-dir", str(cache), *extra, cwd=crate)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*/*.json"))


def test_a_second_run_reads_the_entry_the_first_wrote(crate, tmp_path):
    cache = tmp_path / "cache"
    first = check(crate, cache)
    assert first.returncode == 1 and "format-in-export" in first.stdout
    [entry] = entries(cache)
    second = check(crate, cache)
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)
    # The hit really comes from the entry: a well-formed entry with another message is believed.
    header, _, payload = entry.read_bytes().partition(b"\n")
    key = header.split()[-2].decode()
    edited = payload.replace(b"allocates", b"ALLOCATES")
    assert edited != payload
    entry.write_bytes(f"{FORMAT} {key} {digest(edited)}\n".encode() + edited)
    assert "ALLOCATES" in check(crate, cache).stdout


def test_a_change_in_another_file_of_the_crate_is_seen(crate, tmp_path):
    """A finding in lib.rs's export depends on helper.rs: per-crate keys keep that right."""
    cache = tmp_path / "cache"
    assert check(crate, cache).returncode == 1
    (crate / "src" / "helper.rs").write_text(HELPER_CLEAN)
    clean = check(crate, cache)
    assert clean.returncode == 0 and json.loads(clean.stdout)["findings"] == []
    (crate / "src" / "helper.rs").write_text(HELPER_ALLOC)
    assert check(crate, cache).returncode == 1
    assert len(entries(cache)) == 2  # the allocating version's entry was used again


def test_rules_and_options_are_part_of_the_key(crate, tmp_path):
    cache = tmp_path / "cache"
    check(crate, cache)
    ignored = check(crate, cache, "--ignore", "format-in-export")
    assert ignored.returncode == 0 and "format-in-export" not in ignored.stdout
    (crate / "wasmlint.toml").write_text('[severity]\n"format-in-export" = "info"\n')
    info = json.loads(check(crate, cache).stdout)["findings"]
    assert [f["severity"] for f in info if f["rule_id"] == "format-in-export"] == ["info"]
    everything = check(crate, cache, "--all-functions")
    assert everything.returncode == 0
    assert len(entries(cache)) == 4


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not json", "foreign key", "wrong shape", "empty"])
def test_a_damaged_or_foreign_entry_is_ignored_and_written_again(crate, tmp_path, damage):
    cache = tmp_path / "cache"
    first = check(crate, cache)
    [entry] = entries(cache)
    good = entry.read_bytes()
    header, _, payload = good.partition(b"\n")
    if damage == "truncated":
        entry.write_bytes(good[: len(good) // 2])
    elif damage == "flipped":
        entry.write_bytes(good[:-20] + bytes([good[-20] ^ 0x01]) + good[-19:])
    elif damage == "not json":
        entry.write_bytes(header + b"\n" + b"\x00\xff" * 50)
    elif damage == "foreign key":  # another entry's (valid) file under this key's name
        other = b'{"findings":[]}'
        entry.write_bytes(f"{FORMAT} {'0' * 40} {digest(other)}\n".encode() + other)
    elif damage == "wrong shape":  # valid JSON with the right checksum, but not a crate result
        bad = json.dumps({"findings": [{"rule_id": 7}]}).encode()
        entry.write_bytes(header.rsplit(b" ", 1)[0] + f" {digest(bad)}\n".encode() + bad)
    else:
        entry.write_bytes(b"")
    again = check(crate, cache)
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)
    assert entry.read_bytes() == good
    assert not [p for p in cache.rglob(".tmp-*")]


def test_no_cache_neither_reads_nor_writes(crate, tmp_path):
    cache = tmp_path / "cache"
    result = check(crate, cache, "--no-cache")
    assert result.returncode == 1 and not cache.exists()


def test_the_environment_variable_and_the_user_cache_dir(crate, tmp_path):
    env_cache = tmp_path / "from-env"
    run_cli("check", str(crate), cwd=crate, env={"WASMLINT_CACHE_DIR": str(env_cache)})
    assert len(entries(env_cache)) == 1
    xdg = tmp_path / "xdg"
    environment = {k: v for k, v in os.environ.items() if k != "WASMLINT_CACHE_DIR"}
    environment["XDG_CACHE_HOME"] = str(xdg)
    subprocess.run([sys.executable, "-m", "wasmlint", "check", str(crate)], cwd=crate, env=environment,
                   capture_output=True, check=False)
    assert len(entries(xdg / "wasmlint" / "results")) == 1


def test_an_unwritable_cache_costs_only_speed(crate, tmp_path):
    cache = tmp_path / "not-a-folder"
    cache.write_text("")
    result = check(crate, cache)
    assert result.returncode == 1 and "format-in-export" in result.stdout and result.stderr == ""


def test_a_workspace_gets_one_entry_per_crate_and_the_same_report_from_it(tmp_path):
    workspace = tmp_path / "workspace-demo"
    shutil.copytree(GUESTS / "workspace-demo", workspace, ignore=shutil.ignore_patterns("target"))
    cache = tmp_path / "cache"
    first = run_cli("check", ".", "--cache-dir", str(cache), "-j", "2", cwd=workspace)
    second = run_cli("check", ".", "--cache-dir", str(cache), "-j", "2", cwd=workspace)
    assert len(entries(cache)) == 2
    assert (first.returncode, first.stdout) == (second.returncode, second.stdout) and first.returncode == 1


def test_plain_values_are_checked_on_the_way_back():
    outcome = CrateOutcome(files=2, partial_files={"a.rs"}, reach={"f": frozenset({("r", "a.rs", 1, 2, 1, 3)})})
    assert from_plain(CrateOutcome, json.loads(json.dumps(to_plain(outcome)))) == outcome
    for bad in ({"files": "2"}, {"files": True}, {"nope": 1}, {"reach": {"f": [[{"x": 1}]]}}, []):
        with pytest.raises(PlainError):
            from_plain(CrateOutcome, bad)


def test_inspect_reads_module_facts_back_from_the_cache(tmp_path):
    from conftest import guest_modules

    module = guest_modules()["greeting-alloc"]
    cache = tmp_path / "cache"
    for form in ("text", "json"):
        first = run_cli("inspect", str(module), "--format", form, "--cache-dir", str(cache))
        second = run_cli("inspect", str(module), "--format", form, "--cache-dir", str(cache))
        plain = run_cli("inspect", str(module), "--format", form, "--no-cache")
        assert first.returncode == 0 and first.stdout == second.stdout == plain.stdout
    assert len(entries(cache)) == 1


def test_modules_decoded_in_parallel_report_as_one_at_a_time(tmp_path):
    from conftest import guest_modules

    modules = guest_modules()
    wasm = [arg for name in ("greeting-alloc", "greeting-static", "export-forms") for arg in ("--wasm", str(modules[name]))]
    bad = tmp_path / "broken.wasm"
    bad.write_bytes(b"\0asm\x01\0\0\0\x01\xff")
    args = ["check", str(GUESTS / "greeting-alloc"), *wasm, "--wasm", str(bad), "--no-cache", "--format", "json"]
    one = run_cli(*args, "-j", "1")
    two = run_cli(*args, "-j", "2")
    assert one.returncode == two.returncode == 2
    assert one.stdout == two.stdout and "export-reaches-memory-grow" in one.stdout
    assert one.stderr == two.stderr and "broken.wasm" in one.stderr


def test_entries_unused_for_a_month_are_swept_and_reading_keeps_an_entry(tmp_path):
    from wasmlint.cache import SWEEP_MARKER, UNUSED_DAYS, ResultCache

    cache = ResultCache(tmp_path)
    for key in ("a" * 40, "b" * 40, "c" * 40):
        cache.store(key, CrateOutcome(files=1))
    month_ago = time.time() - (UNUSED_DAYS + 1) * 86400
    for key in ("a" * 40, "b" * 40):
        os.utime(cache._path(key), (month_ago, month_ago))
    assert cache.load("b" * 40, CrateOutcome) == CrateOutcome(files=1)  # a read marks it used
    cache._sweep()  # the sweep after the first store ran less than a day ago: nothing happens
    assert cache._path("a" * 40).exists()
    os.utime(tmp_path / SWEEP_MARKER, (month_ago, month_ago))
    cache.store("d" * 40, CrateOutcome(files=2))  # a write starts the daily sweep
    assert not cache._path("a" * 40).exists()
    assert all(cache._path(k * 40).exists() for k in "bcd")


def test_an_edited_user_rule_is_read_again_even_with_the_same_size_and_time(crate, tmp_path):
    cache = tmp_path / "cache"
    rules = crate / "lint-rules"
    rules.mkdir()
    rule = rules / "no-len.toml"
    text = ('id = "no-len"\nlayer = "source"\nseverity = "warning"\nsummary = "s"\nmessage = "m"\n'
            'why = "w"\nfix = "f"\nmethods = ["{}"]\n')
    rule.write_text(text.format("lex"))
    (crate / "wasmlint.toml").write_text('rules-dirs = ["lint-rules"]\n')

    def flagged():
        found = json.loads(check(crate, cache).stdout)["findings"]
        return [f["line"] for f in found if f["rule_id"] == "no-len"]

    assert flagged() == []
    assert flagged() == []  # read back from the cache
    stat = rule.stat()
    rule.write_text(text.format("len"))  # as `cp -p` or a coarse clock leaves it: same size and time
    os.utime(rule, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert rule.stat().st_size == stat.st_size
    assert flagged() == [3]


def test_the_sweep_removes_only_what_wasmlint_wrote(tmp_path):
    from wasmlint.cache import SWEEP_MARKER, UNUSED_DAYS, ResultCache

    cache = ResultCache(tmp_path)
    cache.store("e" * 40, CrateOutcome(files=1))
    theirs = [tmp_path / "myapp" / "settings.json", tmp_path / "ab" / "notes.json", tmp_path / "ab" / ("f" * 40 + ".toml")]
    for path in theirs:
        path.parent.mkdir(exist_ok=True)
        path.write_text("{}")
    month_ago = time.time() - (UNUSED_DAYS + 1) * 86400
    for path in theirs + [cache._path("e" * 40), tmp_path / SWEEP_MARKER]:
        os.utime(path, (month_ago, month_ago))
    cache.store("d" * 40, CrateOutcome(files=2))
    assert not cache._path("e" * 40).exists()
    assert all(path.exists() for path in theirs)


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch):
    from wasmlint.cache import user_cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert user_cache_dir() == Path.home() / ".cache" / "wasmlint"
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/else")
    assert user_cache_dir() == Path("/somewhere/else/wasmlint")


def test_clean_removes_the_cached_results_and_nothing_else(crate, tmp_path):
    cache = tmp_path / "cache"
    check(crate, cache)
    mine = entries(cache) + sorted((cache / "rules").glob("*/*.json"))
    assert len(mine) == 2  # the crate's results and the parsed rule files
    # Another program's file inside one of our shard folders (a fixed name like "ab" would clash
    # with our own shard whenever a key happens to start with it).
    theirs = mine[0].parent / "notes.json"
    theirs.write_text("{}")
    # XDG_CACHE_HOME: clean also removes the user cache's build folders, which are not this test's
    result = run_cli("clean", "--cache-dir", str(cache), env={"XDG_CACHE_HOME": str(tmp_path / "user-cache")})
    assert result.returncode == 0
    assert result.stdout.startswith("removed 2 cached results (") and result.stdout.splitlines()[0].endswith(str(cache))
    assert not any(path.exists() for path in mine) and theirs.exists()
    assert check(crate, cache).returncode == 1  # and the next run fills it again
