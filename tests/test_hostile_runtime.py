"""Hostile modules and dying workers, run for real: the sandbox bounds the memory of the whole store
(all memories, tables and the GC heap together) and the time of calls that block in a host
function; a worker that dies costs only its unit; workers end with the run that started them.
Modules are generated as WAT at test time; wasmlint assembles them with wasmtime's parser."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import REPO, unavailable
from test_hostile_guests import leftover_processes, wasmlint
from wasmlint.runtime import Limits, load_scenario, run_module

PEAK_RSS_BOUND = 1200 * 1024 * 1024  # generous: the budget is 512 MiB of memories plus the worker itself
MIB = 1024 * 1024


# --- helpers ---------------------------------------------------------------------------------------

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def peak_rss_of(*args: str, timeout: float = 300) -> tuple[subprocess.CompletedProcess, int]:
    """Run `wasmlint ARGS` under a fresh interpreter that reports the peak resident memory of its
    children (the CLI and its runtime worker): this test process's own children do not count."""
    probe = ("import json, resource, subprocess, sys\n"
             "done = subprocess.run([sys.executable, '-m', 'wasmlint', *sys.argv[1:]], capture_output=True, text=True)\n"
             "print(json.dumps([done.returncode, done.stdout, done.stderr,"
             " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024]))\n")
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    outer = subprocess.run([sys.executable, "-c", probe, *args], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=timeout)
    code, stdout, stderr, peak = json.loads(outer.stdout)
    return subprocess.CompletedProcess(args, code, stdout, stderr), peak


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --- the whole store's memory ----------------------------------------------------------------------

def many_memories(count: int) -> str:
    """`grow_all` grows each of `count` memories until growth is refused and touches every page
    (so that it is resident); `other` does nothing."""
    memories = "\n".join(f"  (memory $m{i} 1)" for i in range(count))
    body = "".join(f"""
    (block $full{i} (loop $grow{i}
      (br_if $full{i} (i32.eq (memory.grow $m{i} (i32.const 256)) (i32.const -1)))
      (br $grow{i})))
    (local.set $at (i32.const 0))
    (block $done{i} (loop $touch{i}
      (br_if $done{i} (i32.ge_u (local.get $at) (i32.mul (memory.size $m{i}) (i32.const 65536))))
      (i32.store8 $m{i} (local.get $at) (i32.const 1))
      (local.set $at (i32.add (local.get $at) (i32.const 4096)))
      (br $touch{i})))""" for i in range(count))
    return f"""(module
{memories}
  (export "memory" (memory $m0))
  (func (export "grow_all") (local $at i32){body})
  (func (export "other") (result i32) (i32.const 7)))"""


@pytest.mark.parametrize("count", [2, 4, 8])
def test_many_memories_share_one_budget_and_the_worker_stays_bounded(tmp_path, count):
    module = write(tmp_path, f"memories{count}.wat", many_memories(count))
    result, peak = peak_rss_of("run", str(module), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert peak < PEAK_RSS_BOUND, f"peak resident memory {peak / MIB:.0f} MiB"
    data = json.loads(result.stdout)
    share = 8192 // count  # 512 MiB (memory_bytes) in pages, split between the memories
    assert (f"the module has {count} linear memories: the sandbox's memory_bytes is shared between them, "
            f"{share} pages ({512 // count} MiB) each") in data["notes"]
    (grow, *_) = [step for step in data["steps"] if step["export"] == "grow_all"]
    assert share - 256 < grow["pages_after"] <= share  # the watched memory grew right up to its share
    assert [step["result"] for step in data["steps"] if step["export"] == "other"] == [[7], [7]]


def test_a_gc_heap_takes_a_share_of_the_budget(tmp_path):
    # Arrays of 1 MB kept in a table: wasmtime's GC heap, which it sizes like a memory.
    module = write(tmp_path, "gc.wat", """(module
  (type $bytes (array (mut i8)))
  (memory (export "memory") 1)
  (table $kept 100000 (ref null $bytes))
  (func (export "hoard") (local $i i32)
    (loop $again
      (table.set $kept (local.get $i) (array.new $bytes (i32.const 1) (i32.const 1000000)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 3000))))))""")
    result, peak = peak_rss_of("run", str(module), "--format", "json")
    assert peak < PEAK_RSS_BOUND, f"peak resident memory {peak / MIB:.0f} MiB"
    data = json.loads(result.stdout)
    assert ("the module has 1 linear memory and a GC heap: the sandbox's memory_bytes is shared between them, "
            "4096 pages (256 MiB) each") in data["notes"]
    (hoard,) = data["steps"]  # it trapped: no second call on that instance
    assert hoard["limit"] == "memory_bytes"
    assert hoard["trap"].startswith("GC heap out of memory") and hoard["trap"].endswith("(memory_bytes: 4096 pages allowed each)")


def test_many_tables_share_the_table_budget(tmp_path):
    # Four tables of 3 million elements: 12 million, more than the store's 10 million in all.
    tables = "\n".join("  (table 3000000 funcref)" for _ in range(4))
    module = write(tmp_path, "tables.wat", f'(module\n{tables}\n  (func (export "f") (result i32) (i32.const 1)))')
    result = run_module(module)
    (start,) = result.steps  # refused before anything ran, naming the limit
    assert start.kind == "start" and start.limit == "table_elements"
    assert start.trap == ("table minimum size of 3000000 elements exceeds table limits "
                          "(the sandbox allows 2500000 table elements per table, 10000000 in all)")


def test_freezing_memory_to_pinpoint_keeps_the_other_limits(tmp_path, monkeypatch):
    # Without the module decoder, pinpointing replays a growing call with the memory frozen at its
    # size, by setting the store's limits again. wasmtime forgets every limit left out of that
    # call: the table below would then grow by 20 million elements during the replay (and trap).
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['wasmlint.module.decoder'] = None\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    module = write(tmp_path, "grow_both.wat", """(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (func (export "both")
    (drop (memory.grow (i32.const 1)))
    (if (i32.ne (table.grow $t (ref.null func) (i32.const 20000000)) (i32.const -1)) (then unreachable))))""")
    result = run_module(module)
    assert result.pinpoint_method == "memory-limit" and result.grown_exports == ["both"]
    assert all(record.trap is None for record in result.steps)  # the table's growth is refused in the run
    assert result.paths == {}  # ... and in the replay: nothing trapped
    assert "could not pinpoint the growth of `both`: the replayed call did not trap when growth was refused" in result.notes


# --- calls blocked in a host function --------------------------------------------------------------

WASI_SLEEP = """(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "before") (result i32) (i32.const 1))
  ;; One clock subscription: {tag}, 1000 s {how}.
  (func (export "nap") (result i32)
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const {timeout}))
    (i32.store16 (i32.const 40) (i32.const {flags}))
    (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
  (func (export "after") (param i32) (result i32) (local.get 0)))"""
RELATIVE = WASI_SLEEP.format(tag="monotonic clock", how="from now", timeout=1_000_000_000_000, flags=0)
# An absolute deadline far in the future: the same sleep reached by another road.
ABSOLUTE = WASI_SLEEP.format(tag="monotonic clock", how="past an absolute time", timeout=0x7000000000000000, flags=1)
BLOCKED = ("did not return within 3 s: blocked in a host function (such as WASI's poll_oneoff), which the "
           "per-call deadline cannot interrupt, so its worker was stopped (seconds_per_call)")


@pytest.mark.parametrize("wat", [RELATIVE, ABSOLUTE], ids=["relative", "absolute"])
def test_a_sleeping_wasi_call_is_cut_named_and_the_other_exports_still_run(tmp_path, wat):
    module = write(tmp_path, "sleeper.wat", wat)
    began = time.monotonic()
    result = wasmlint("run", str(module), "--seconds", "1", "--format", "json", timeout=90)
    assert time.monotonic() - began < 60  # worker_timeout (120 s) never came into it
    assert result.returncode == 0, result.stderr
    steps = json.loads(result.stdout)["steps"]
    naps = [step for step in steps if step["export"] == "nap"]
    assert [(step["trap"], step["limit"], step["first_call"]) for step in naps] == [(BLOCKED, "seconds_per_call", True)]
    assert [step["result"] for step in steps if step["export"] == "before"] == [[1], [1]]
    assert [step["result"] for step in steps if step["export"] == "after"] == [[v] for v in (0, 0, 1, 1, 16, 16, 1024, 1024)]


def test_check_names_the_export_a_blocked_call_kept_from_being_checked(tmp_path):
    module = write(tmp_path, "sleeper.wat", RELATIVE)
    result = wasmlint("check", str(module), "--confirm", "--format", "json", timeout=300)
    errors = [error["message"] for error in json.loads(result.stdout)["errors"]]
    assert errors == [f"runtime: nap() was stopped by a sandbox limit, so its growth is unknown: "
                      f"{BLOCKED.replace('3 s', '7 s')}; a scenario with real arguments may avoid it"]


def test_a_scenario_goes_on_after_a_cut_call_with_its_saved_values(tmp_path):
    module = write(tmp_path, "sleeper.wat", RELATIVE)
    scenario = write(tmp_path, "scenario.toml", """
[[steps]]
call = "before"
save = "one"
[[steps]]
call = "nap"
[[steps]]
call = "after"
args = ["$one+41"]
expect = 42
[[steps]]
call = "nap"
expect-trap = "blocked in a host function"
[[steps]]
call = "after"
args = [7]
expect = 8
""")
    result = run_module(module, load_scenario(scenario), Limits(seconds_per_call=1))
    assert result.error is None
    assert [(r.step, r.export, r.result, r.limit) for r in result.steps] == [
        (0, "before", (1,), None), (1, "nap", None, "seconds_per_call"), (2, "after", (42,), None),
        (3, "nap", None, "seconds_per_call"), (4, "after", (7,), None)]
    assert [r.run for r in result.steps] == [0, 0, 1, 1, 2]  # a cut call ends its instance, as a trap does
    assert result.failures == [f"steps[1] (call nap): trapped: {BLOCKED}", "steps[4] (call after): expected result 8, got 7"]


def test_a_start_function_that_blocks_stops_the_run_once(tmp_path):
    module = write(tmp_path, "start.wat", """(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $sleep  ;; 1000 s on the monotonic clock, every time the module is instantiated
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 1000000000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))))
  (start $sleep)
  (func (export "a") (result i32) (i32.const 1))
  (func (export "b") (result i32) (i32.const 2)))""")
    began = time.monotonic()
    result = run_module(module, limits=Limits(seconds_per_call=1))
    assert time.monotonic() - began < 30  # one cut, not one per export
    assert [(r.kind, r.limit) for r in result.steps] == [("start", "seconds_per_call")]
    assert result.steps[0].trap == BLOCKED


def test_the_guest_reads_nothing_from_our_stdin_and_does_not_wait_for_it(tmp_path):
    module = write(tmp_path, "stdin.wat", """(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "read_stdin") (result i32)
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 52)))
    (i32.load (i32.const 52))))""")
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    # Our stdin stays open and never ends: a guest that read it would wait forever.
    with subprocess.Popen([sys.executable, "-m", "wasmlint", "run", str(module), "--format", "json"], cwd=REPO,
                          env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as process:
        stdout, _ = process.communicate(timeout=60)
    steps = json.loads(stdout)["steps"]
    assert [step["result"] for step in steps] == [[0], [0]]  # zero bytes read, at once


def test_a_worker_killed_in_the_middle_of_a_call_costs_only_that_call(tmp_path):
    module = write(tmp_path, "sleeper.wat", RELATIVE)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    with subprocess.Popen([sys.executable, "-m", "wasmlint", "run", str(module), "--seconds", "60", "--format",
                           "json"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        # The worker is asleep in `nap` (60 s allowed): kill it from outside, as the kernel's OOM
        # killer or a crash in native code would.
        (worker,) = wait_for(lambda: children_of(process.pid), 60, "the runtime worker")
        time.sleep(1.5)
        os.kill(worker, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    steps = json.loads(stdout)["steps"]
    (nap,) = [step for step in steps if step["export"] == "nap"]
    assert nap["trap"] == "the runtime worker crashed (killed by SIGKILL) during this call"
    assert len([step for step in steps if step["export"] == "after"]) == 8
    assert [step["result"] for step in steps if step["export"] == "before"] == [[1], [1]]


# --- the Node harness -------------------------------------------------------------------------------

@pytest.fixture
def node():
    if shutil.which("node") is None:
        unavailable("`node` is not on PATH (Debian: apt-get install nodejs)")


def test_node_memory_stays_bounded_when_an_export_fills_it(tmp_path, node):
    module = write(tmp_path, "bomb.wat", """(module
  (memory (export "memory") 1)
  (func (export "bomb") (local $at i32)
    (loop $again (br_if $again (i32.ne (memory.grow (i32.const 64)) (i32.const -1))))
    (block $done (loop $touch
      (br_if $done (i32.ge_u (local.get $at) (i32.mul (memory.size) (i32.const 65536))))
      (i32.store8 (local.get $at) (i32.const 1))
      (local.set $at (i32.add (local.get $at) (i32.const 4096)))
      (br $touch)))))""")
    probe = ("import json, resource, sys\nfrom wasmlint.host.confirm import confirm_in_node\n"
             "(verdict,) = confirm_in_node(sys.argv[1], [('bomb', 'Uint8Array')]).values()\n"
             "print(json.dumps([verdict.pages_after, verdict.detached,"
             " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024]))\n")
    done = subprocess.run([sys.executable, "-c", probe, str(module)], env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=300)
    pages, detached, peak = json.loads(done.stdout)
    assert detached and 8000 < pages <= 8192  # grew right up to memory_mb (512 MiB) and no further
    assert peak < PEAK_RSS_BOUND, f"node's peak resident memory {peak / MIB:.0f} MiB"


def test_node_tables_share_the_table_budget(tmp_path, node):
    from wasmlint.host.confirm import confirm_in_node

    tables = "\n".join("  (table 3000000 funcref)" for _ in range(4))
    module = write(tmp_path, "tables.wat", f"""(module
{tables}
  (memory (export "memory") 1)
  (func (export "f") (result i32) (i32.const 1)))""")
    (verdict,) = confirm_in_node(module, [("f", "Uint8Array")]).values()
    assert verdict.error == ("the module could not be instantiated: RangeError: WebAssembly.Instance(): initial "
                             "table size (3000000 elements) is larger than implementation limit (2500000 elements)")


def test_node_ends_when_the_run_that_started_it_is_killed(tmp_path, node):
    module = write(tmp_path, "spin.wat", '(module (memory (export "memory") 1) (func (export "spin") (loop $l (br $l))))')
    marker = uuid.uuid4().hex
    script = ("import sys\nfrom wasmlint.host.confirm import confirm_in_node\n"
              "confirm_in_node(sys.argv[1], [('spin', 'Uint8Array')], timeout=3)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), "WASMLINT_TEST_RUN": marker}
    parent = subprocess.Popen([sys.executable, "-c", script, str(module)], env=env)
    wait_for(lambda: leftover_processes(f"WASMLINT_TEST_RUN={marker}")[1:], 60, "node to start")
    time.sleep(0.5)  # node is spinning in the guest now
    parent.kill()  # nobody is left to stop node at its deadline
    parent.wait()
    # Its CPU limit (3 s for compiling, 3 s for the export, 2 s more) ends it.
    wait_for(lambda: not leftover_processes(f"WASMLINT_TEST_RUN={marker}"), 120, "node to end")


# --- worker pools (-j) ------------------------------------------------------------------------------

def two_crates(tmp_path: Path) -> Path:
    """`big`: 2 MB of Rust, seconds of analysis, no finding; `small`: one `format!` in an export."""
    for name, source in (
        ("big", "\n".join(f"fn helper_{i}(x: u32) -> u32 {{ let y = x.wrapping_mul({i}); "
                          f"if y > 7 {{ helper_{(i + 1) % 20000}(y) }} else {{ y }} }}" for i in range(20000))
         + '\n#[no_mangle]\npub extern "C" fn entry(x: u32) -> u32 { helper_0(x) }\n'),
        ("small", '#[no_mangle]\npub extern "C" fn greet(n: u32) -> usize { let s = format!("hi {}", n); s.len() }\n'),
    ):
        (tmp_path / name / "src").mkdir(parents=True)
        (tmp_path / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\ncrate-type = ["cdylib"]\n')
        (tmp_path / name / "src" / "lib.rs").write_text(source)
    return tmp_path


def start_check(tree: Path, marker: str) -> subprocess.Popen:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), "WASMLINT_TEST_RUN": marker}
    return subprocess.Popen([sys.executable, "-m", "wasmlint", "check", str(tree), "-j", "2", "--no-cache",
                             "--format", "json"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def busy_worker(process: subprocess.Popen, spared: set[int]) -> int | None:
    """The worker analysing `big`: the one that has used a fair amount of CPU time (`small` takes
    milliseconds), never one of `spared`."""
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in children_of(process.pid):
        try:
            fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if pid not in spared and (int(fields[11]) + int(fields[12])) / ticks >= BUSY_SECONDS:
            return pid
    return None


BUSY_SECONDS = 0.2


def kill_the_big_crates_worker(process: subprocess.Popen, times: int) -> None:
    killed: set[int] = set()
    for _ in range(times):
        worker = wait_for(lambda: busy_worker(process, killed), 120, "a worker analysing the big crate")
        os.kill(worker, signal.SIGKILL)
        killed.add(worker)


@pytest.mark.parametrize("deaths", [1, 2])
def test_a_dead_worker_is_retried_once_then_its_crate_is_named(tmp_path, deaths):
    tree = two_crates(tmp_path)
    marker = uuid.uuid4().hex
    with start_check(tree, marker) as process:
        kill_the_big_crates_worker(process, deaths)
        stdout, stderr = process.communicate(timeout=300)
    data = json.loads(stdout)
    assert [(f["rule_id"], f["path"]) for f in data["findings"]] == [
        ("format-in-export", f"{tree}/small/src/lib.rs")]  # the other crate's results, kept
    errors = [(e["path"], e["message"]) for e in data["errors"]]
    if deaths == 1:
        assert process.returncode == 1 and errors == []  # its second try went through
    else:
        assert process.returncode == 2
        assert errors == [(f"{tree}/big/Cargo.toml", "crate not analysed: its worker process died twice (killed by SIGKILL)")]
        assert stderr.strip() == f"error: {tree}/big/Cargo.toml: crate not analysed: its worker process died twice (killed by SIGKILL)"
    assert leftover_processes(f"WASMLINT_TEST_RUN={marker}") == []


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
def test_killing_a_parallel_run_leaves_no_worker(tmp_path, how):
    tree = two_crates(tmp_path)
    marker = uuid.uuid4().hex
    with start_check(tree, marker) as process:
        wait_for(lambda: busy_worker(process, set()), 120, "a worker analysing the big crate")
        workers = children_of(process.pid)
        process.send_signal(how)
        process.communicate(timeout=60)
    assert process.returncode != 0
    wait_for(lambda: not any(alive(pid) for pid in workers), 10, "the workers to end")
    assert leftover_processes(f"WASMLINT_TEST_RUN={marker}") == []
