"""The Node confirmation harness of the host layer, run for real: views over `memory.buffer` in V8
detach exactly when a call grows memory, and guest trouble becomes an error verdict naming the limit."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, unavailable
from test_hostile_guests import leftover_processes, wasmlint
from wasmlint.host.confirm import NodeUnavailable, NodeVerdict, confirm_in_node, node_command, permission_flags
from wasmlint.reporters.evidence import evidence_text
from wasmlint.runtime import load_scenario, parse_scenario


@pytest.fixture(autouse=True)
def node():
    if shutil.which("node") is None:
        unavailable("`node` is not on PATH (Debian: apt-get install nodejs)")


def _wat(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "module.wat"
    path.write_text(text, encoding="utf-8")
    return path


def _scenario(name: str):
    return load_scenario(GUESTS / name / "scenario.toml")


# --- detached ------------------------------------------------------------------------------------

def test_greeting_alloc_set_name_detaches_the_view(compiler):
    verdicts = confirm_in_node(guest_module("greeting-alloc", compiler), [("set_name", "Uint8Array")],
                               _scenario("greeting-alloc"))
    assert verdicts == {"set_name": NodeVerdict("set_name", "set_name(10, 16)", True, 17, 18, calls=1)}
    assert evidence_text(verdicts["set_name"]) == (
        "node: set_name(10, 16) grew memory 17 -> 18 pages in V8; views made before it are detached")


# An imported memory (the harness keeps the one it made), grown by an export whose name is code,
# from a module whose import names are JavaScript's special property names.
IMPORTED_AND_GROWN = r"""
(module
  (import "__proto__" "constructor" (func $now (result i64)))
  (import "env" "memory" (memory 1))
  (func (export "grow\"); process.exit(3); //") (result i32)
    (drop (call $now))
    (memory.grow (i32.const 1))))
"""


def test_an_imported_memory_grown_by_memory_grow_detaches_a_dataview(tmp_path):
    export = 'grow"); process.exit(3); //'
    (verdict,) = confirm_in_node(_wat(tmp_path, IMPORTED_AND_GROWN), [(export, "DataView")]).values()
    assert (verdict.detached, verdict.pages_before, verdict.pages_after, verdict.error) == (True, 1, 2, None)
    assert verdict.smoke and verdict.call == f"{export}()"
    assert evidence_text(verdict).endswith("grew memory 1 -> 2 pages in V8 (a smoke call); views made before it are detached")


# --- not detached --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["greeting-static", "greeting-wat"])
def test_static_greeting_guests_leave_the_view_attached(name, compiler):
    module = guest_module(name, compiler)
    verdicts = confirm_in_node(module, [("set_name", "Int32Array")], _scenario(name))
    assert verdicts == {"set_name": NodeVerdict("set_name", "set_name(10, 16)", False, 17, 17, calls=1)}
    assert evidence_text(verdicts["set_name"]) == (
        "node: set_name(10, 16) did not grow memory in V8 (17 pages before and after); views made before it stay attached")


# i64 parameters, a saved pointer plus an offset, bytes written there, and an integer no double holds.
SUMMING = """
(module
  (memory (export "memory") 2 2)
  (func (export "buffer") (result i32) (i32.const 1024))
  (func (export "sum") (param $at i32) (param $extra i64) (result i64)
    (i64.add (i64.load8_u (local.get $at)) (local.get $extra))))
"""
SUMMING_SCENARIO = """
[[steps]]
call = "buffer"
save = "buffer"

[[steps]]
write = "$buffer+4"
bytes = [7]

[[steps]]
call = "sum"
args = ["$buffer+4", 9007199254740993]
"""


def test_a_scenario_with_saved_pointers_and_i64_arguments_leaves_a_bigint_view_attached(tmp_path):
    scenario = parse_scenario(SUMMING_SCENARIO, "summing.toml")
    verdicts = confirm_in_node(_wat(tmp_path, SUMMING), [("sum", "BigInt64Array")], scenario)
    assert verdicts == {"sum": NodeVerdict("sum", "sum(1028, 9007199254740993)", False, 2, 2, calls=1)}


SHARED = """
(module
  (import "env" "memory" (memory 1 4 shared))
  (func (export "grow") (result i32) (memory.grow (i32.const 1))))
"""


def test_a_shared_memory_grows_without_detaching_the_view(tmp_path):
    (verdict,) = confirm_in_node(_wat(tmp_path, SHARED), [("grow", "Int32Array")]).values()
    assert (verdict.detached, verdict.pages_before, verdict.pages_after) == (False, 1, 2)
    assert "views made before it stay attached (a shared memory's buffer never detaches)" in evidence_text(verdict)


# --- could not check -----------------------------------------------------------------------------

SPIN = """
(module
  (memory (export "memory") 1)
  (func (export "spin") (loop $forever (br $forever)))
  (func (export "after") (result i32) (i32.const 7)))
"""


def test_an_endless_export_times_out_leaves_no_node_behind_and_spares_the_next_export(tmp_path, monkeypatch):
    marker = uuid.uuid4().hex
    monkeypatch.setenv("WASMLINT_TEST_RUN", marker)  # node inherits it: a leftover would show in /proc
    verdicts = confirm_in_node(_wat(tmp_path, SPIN), [("spin", "Uint8Array"), ("after", "Uint8Array")], timeout=1.0)
    assert verdicts["spin"].error == "stopped after 1 s (timeout): node was killed"
    assert not verdicts["spin"].detached
    assert verdicts["after"].error is None and verdicts["after"].pages_before == 1
    assert leftover_processes(f"WASMLINT_TEST_RUN={marker}") == []


@pytest.mark.parametrize("wat, expected", [
    ("(module (memory (export \"memory\") 1) (func $start unreachable) (start $start) (func (export \"f\")))",
     "the module could not be instantiated: RuntimeError: unreachable"),
    ("(module (import \"env\" \"lanes\" (global v128)) (memory (export \"memory\") 1) (func (export \"f\")))",
     "the module could not be instantiated: TypeError: import \"env\" \"lanes\" has type v128, which JavaScript cannot create"),
    ("(module (import \"env\" \"memory\" (memory 300)) (func (export \"f\")))",
     "needs 300 pages, more than the 128 pages memory_mb allows"),
    ("(module (memory (export \"memory\") 300) (func (export \"f\")))",
     "the module's memory starts at 300 pages, more than the 128 pages memory_mb = 8 allows"),
])
def test_a_module_that_cannot_be_instantiated_gets_an_error_verdict(tmp_path, wat, expected):
    (verdict,) = confirm_in_node(_wat(tmp_path, wat), [("f", "Uint8Array")], memory_mb=8).values()
    assert expected in verdict.error
    assert evidence_text(verdict).startswith("node: could not check `f`: ")


BOMB = """
(module
  (memory (export "memory") 1)
  (func (export "bomb")
    (loop $again (br_if $again (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    unreachable))
"""


def test_growth_refused_at_the_memory_cap_is_named(tmp_path):
    (verdict,) = confirm_in_node(_wat(tmp_path, BOMB), [("bomb", "Uint8Array")], memory_mb=8).values()
    assert verdict.error == (
        "every smoke call trapped, the first, bomb(), with RuntimeError: unreachable (memory is at 113 of the "
        "128 pages memory_mb allows: a refused memory.grow may have caused it); before the trap it grew "
        "memory 1 -> 113 pages and the view detached")


def test_a_trapping_scenario_step_is_an_error_naming_the_step(tmp_path):
    wat = '(module (memory (export "memory") 1) (func (export "boom") unreachable) (func (export "f")))'
    scenario = parse_scenario('[[steps]]\ncall = "boom"\n\n[[steps]]\ncall = "f"\n', "s.toml")
    (verdict,) = confirm_in_node(_wat(tmp_path, wat), [("f", "Uint8Array")], scenario).values()
    assert verdict.error == "steps[0] (call boom) trapped: RuntimeError: unreachable"


def test_a_module_v8_rejects_is_an_error_verdict_for_every_export(tmp_path):
    wat = '(module (memory (export "memory") 1) (func (export "f") (result i32) (i64.const 0)) (func (export "g")))'
    verdicts = confirm_in_node(_wat(tmp_path, wat), [("f", "Uint8Array"), ("g", "Uint8Array")])
    assert [v.error.startswith("node cannot compile the module: CompileError: ") for v in verdicts.values()] == [True, True]


def test_an_export_the_scenario_does_not_call_gets_smoke_calls(tmp_path):
    wat = '(module (memory (export "memory") 1) (func (export "f") (param f64)) (func (export "g")))'
    scenario = parse_scenario('[[steps]]\ncall = "g"\n', "s.toml")
    (verdict,) = confirm_in_node(_wat(tmp_path, wat), [("f", "Float64Array")], scenario).values()
    assert (verdict.smoke, verdict.call, verdict.calls) == (True, "f(0)", 8)  # as the runtime layer shows it
    assert evidence_text(verdict) == ("node: f(0) (a smoke call) did not grow memory in V8 (1 page before and after), "
                                  "nor did 7 more smoke calls; views made before it stay attached")


def test_unreadable_modules_and_unknown_exports_or_views_are_error_verdicts(tmp_path):
    broken = tmp_path / "broken.wasm"
    broken.write_bytes(b"\0asm\x01\0\0\0\x05")
    (verdict,) = confirm_in_node(broken, [("f", "Uint8Array")]).values()
    assert verdict.error.startswith(f"{broken}: malformed module")
    module = _wat(tmp_path, '(module (memory (export "memory") 1) (func (export "f") (param externref)))')
    verdicts = confirm_in_node(module, [("f", "Uint8Array"), ("g", "Uint8Array"), ("f", "DataView")])
    assert set(verdicts) == {"f", "g"}
    assert verdicts["f"].error == "`f` takes parameters that are not numbers (externref): a scenario must call it"
    assert verdicts["g"].error == "the module has no exported function `g`"
    (verdict,) = confirm_in_node(module, [("f", "Uint9Array")]).values()
    assert verdict.error.startswith("`Uint9Array` is not a view constructor the harness knows")


def test_without_node_on_path_the_error_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NodeUnavailable, match=r"apt-get install nodejs"):
        confirm_in_node(GUESTS / "greeting-wat" / "greeting.wat", [("set_name", "Uint8Array")])


# --- the sandbox ---------------------------------------------------------------------------------

PROBE = """
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
for (const [what, attempt] of [["read", () => readFileSync("/etc/passwd")], ["spawn", () => spawnSync("true")]]) {
  try { attempt(); console.log(`${what}: allowed`); } catch (error) { console.log(`${what}: ${error.code}`); }
}
"""


def test_the_harness_can_read_no_file_and_start_no_process():
    command = node_command(PROBE)
    version = subprocess.run([command[0], "--version"], capture_output=True, text=True).stdout
    flags = permission_flags(tuple(int(part) for part in version.strip().lstrip("v").split(".")))
    if not flags:
        unavailable(f"node {version.strip()} has no permission model (Node 20 or newer has)")
    assert set(flags) <= set(command) and "--allow-fs-read" not in " ".join(command)
    done = subprocess.run(command, capture_output=True, text=True, timeout=60,
                          env={key: value for key, value in os.environ.items() if not key.startswith("NODE_")})
    assert done.stdout.splitlines() == ["read: ERR_ACCESS_DENIED", "spawn: ERR_ACCESS_DENIED"], done.stderr


# --- the shipped guests, whole ---------------------------------------------------------------------

def test_check_guests_with_confirm_ends_without_an_internal_error():
    # Some hosts there are judged by their crate's source (no module built): nothing for V8 to run,
    # which the finding says, instead of the run dying on the missing module file.
    result = wasmlint("check", "guests", "--confirm", timeout=600)
    assert result.returncode in (0, 1), result.stderr
    assert "internal error" not in result.stderr + result.stdout
    assert ("= node: not checked: judged by guests/game-of-life-stale/Cargo.toml (its source; no module built), "
            "so there is no module for V8 to run") in result.stdout
