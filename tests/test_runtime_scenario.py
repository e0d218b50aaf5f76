"""Scenario files: validation errors name the file and the key, and the steps behave as documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime
from conftest import run_cli

from wasmlint.runtime import ScenarioError, load_scenario, parse_scenario, run_module

COUNTER = """
(module
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (data (i32.const 64) "hello")
  (func (export "buffer") (result i32) (i32.const 64))
  (func (export "bump") (param $by i32) (result i32)
    (global.set $n (i32.add (global.get $n) (local.get $by)))
    (global.get $n))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "boom") (unreachable)))
"""


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "counter.wat"
    path.write_text(COUNTER)
    return path


def scenario(tmp_path, text):
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return load_scenario(path)


@pytest.mark.parametrize("text, message", [
    ("steps = 1", "`steps` must be a non-empty array"),
    ("colour = 'red'\n[[steps]]\ncall = 'f'", "unknown key `colour`"),
    ("[[steps]]\ncall = 'f'\nstring = 'x'", "steps[0]: unknown key `string` for a `call` step"),
    ("[[steps]]\ncall = 'f'\n[[steps]]\nwrite = 0", "steps[1]: needs one of `string`, `bytes`, `hex`"),
    ("[[steps]]\ncall = 'f'\nread = 0", "steps[0]: needs exactly one of `call`, `write` or `read`, not `call` and `read`"),
    ("[[steps]]\ncal = 'f'", "steps[0]: unknown key `cal`; a step needs exactly one of `call`, `write` or `read`"),
    ("[[steps]]\nnote = 'x'", "steps[0]: needs exactly one of `call`, `write` or `read`"),
    ("[[steps]]\ncall = 'f'\nargs = ['$p']", "steps[0]: `args[0]`: `$p` is not saved by an earlier call step"),
    ("[[steps]]\nwrite = '$p'\nstring = 'x'\n[[steps]]\ncall = 'f'\nsave = 'p'", "steps[0]: `write`: `$p`"),
    ("[[steps]]\ncall = 'f'\nargs = ['ten']", "neither a number nor a `$saved` reference"),
    ("[[steps]]\nread = 0", "steps[0]: a read needs `length` or an expected value"),
    ("[[steps]]\nread = 0\nlength = 3\nexpect-string = 'ab'", "`length` 3 differs"),
    ("[[steps]]\nwrite = 0\nbytes = [1, 300]", "`bytes` must be a list of byte values"),
    ("[[steps]]\nwrite = 0\nhex = 'zz'", "`hex` must be a string of hex digits"),
    ("[[steps]]\ncall = 'f'\nexpect-growth = 'no'", "steps[0]: `expect-growth` must be true or false"),
    ("[[steps]]\ncall = 'f'\nrepeat = 0", "`repeat` must be an integer"),
    ("expect-growth = 1\n[[steps]]\ncall = 'f'", "`expect-growth` must be true or false"),
    ("[[steps]\n", "invalid TOML"),
])
def test_scenario_errors_name_the_file_and_the_key(tmp_path, text, message):
    with pytest.raises(ScenarioError) as caught:
        scenario(tmp_path, text)
    assert str(caught.value).startswith(f"{(tmp_path / 'scenario.toml').as_posix()}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value).split(": invalid TOML")[0]


def test_unreadable_scenario_file(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.toml")


def test_saved_results_feed_later_steps_and_expectations_hold(tmp_path, module):
    plan = scenario(tmp_path, """
[[steps]]
call = "buffer"
save = "buf"
[[steps]]
read = "$buf"
expect-string = "hello"
[[steps]]
write = "$buf+1"
string = "ippo"
[[steps]]
read = "$buf"
expect-hex = "686970706f"
[[steps]]
call = "bump"
args = [2]
repeat = 3
save = "total"
[[steps]]
call = "bump"
args = ["$total"]
expect = 12
expect-growth = false
""")
    result = run_module(module, plan)
    assert result.failures == []
    assert [r.result for r in result.steps if r.export == "bump"] == [(2,), (4,), (6,), (12,)]
    assert [r.first_call for r in result.steps if r.export == "bump"] == [True, False, False, False]


def test_failed_expectations_are_reported_per_step(tmp_path, module):
    plan = scenario(tmp_path, """
expect-growth = false
[[steps]]
call = "bump"
args = [1]
expect = 5
[[steps]]
call = "grow"
[[steps]]
read = 64
expect-string = "world"
""")
    result = run_module(module, plan, pinpoint=False)
    assert result.error is None
    assert result.failures == [
        "steps[0] (call bump): expected result 5, got 1",
        "steps[2] (read 64): expected 'world', read 'hello'",
        f"{plan.path}: expect-growth = false, but memory grew",
    ]


@pytest.mark.parametrize("steps, problem", [
    ("call = 'bump'\nargs = [1]\n[[steps]]\ncall = 'bmup'",
     "steps[1]: `bmup` is not an exported function (did you mean `bump`? exports: buffer, bump, grow, boom)"),
    ("call = 'nothing-like-it'", "steps[0]: `nothing-like-it` is not an exported function (exports: buffer, bump, grow, boom)"),
    ("call = 'memory'", "steps[0]: `memory` is a memory export, not a function"),
    ("call = 'bump'", "steps[0]: `bump` takes 1 argument, the step gives 0"),
    ("call = 'grow'\nargs = [1, 2]", "steps[0]: `grow` takes 0 arguments, the step gives 2"),
])
def test_calls_that_do_not_fit_the_module_are_a_scenario_error_not_failed_expectations(
        tmp_path, module, steps, problem):
    plan = scenario(tmp_path, f"[[steps]]\n{steps}\n")
    result = run_module(module, plan, pinpoint=False)
    assert result.error == f"{plan.path}: {problem}"
    assert result.failures == [] and result.steps == []  # nothing ran


def test_every_misfit_step_is_counted_and_a_missing_memory_is_named(tmp_path, module):
    plan = scenario(tmp_path, "memory = 'mem'\n[[steps]]\ncall = 'bump'\n[[steps]]\ncall = 'nope'\n")
    result = run_module(module, plan, pinpoint=False)
    assert result.error == (f"{plan.path}: `memory`: `mem` is not an exported memory (memories: memory)"
                            " (and 2 more such problems)")


@pytest.mark.parametrize("command", ["run", "check"])
def test_cli_exits_2_on_a_call_to_a_missing_export(tmp_path, module, command):
    wasm = tmp_path / "counter.wasm"
    wasm.write_bytes(wasmtime.wat2wasm(COUNTER))
    plan = tmp_path / "scenario.toml"
    plan.write_text("[[steps]]\ncall = 'bump'\nargs = [1]\n[[steps]]\ncall = 'bmup'\nargs = [1]\n")
    extra = ["--confirm"] if command == "check" else []
    done = run_cli(command, str(wasm), "--scenario", str(plan), *extra)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{plan.as_posix()}: steps[1]: `bmup` is not an exported function" in done.stderr
    assert "expectation" not in done.stdout + done.stderr


def test_a_trap_gets_a_fresh_instance_and_expect_trap_allows_it(tmp_path, module):
    plan = scenario(tmp_path, """
[[steps]]
call = "bump"
args = [7]
[[steps]]
call = "boom"
expect-trap = "unreachable"
[[steps]]
call = "bump"
args = [1]
expect = 1
[[steps]]
call = "boom"
""")
    result = run_module(module, plan)
    assert result.failures == ["steps[3] (call boom): trapped: wasm trap: wasm `unreachable` instruction executed"]
    bumps = [r for r in result.steps if r.export == "bump"]
    assert [r.run for r in bumps] == [0, 1]  # state was reset: bump(1) returns 1, not 8
    assert bumps[1].first_call


def test_out_of_bounds_write_is_a_failure_not_a_crash(tmp_path, module):
    plan = scenario(tmp_path, "[[steps]]\nwrite = 70000\nstring = 'x'\n")
    result = run_module(module, plan)
    assert result.failures == ["steps[0] (write 70000): 1 bytes at 0x11170 lie outside memory"]


def test_growth_expected_per_step(tmp_path, module):
    plan = scenario(tmp_path, "[[steps]]\ncall = 'grow'\nexpect-growth = true\n[[steps]]\ncall = 'buffer'\nexpect-growth = true\n")
    result = run_module(module, plan, pinpoint=False)
    assert result.failures == ["steps[1] (call buffer): expect-growth = true, but memory went 2 -> 2 pages"]


def test_scenario_round_trips_through_the_worker_format():
    plan = parse_scenario("[[steps]]\ncall = 'f'\nargs = [0, 1.5]\nexpect = 0\n[[steps]]\nwrite = 0\nbytes = [0]\n", "x.toml")
    from wasmlint.runtime.scenario import Scenario

    assert Scenario.from_dict(plan.to_dict()) == plan


def test_shipped_greeting_scenarios_are_valid():
    guests = Path(__file__).parent.parent / "guests"
    for name in ("greeting-alloc", "greeting-static", "greeting-wat"):
        plan = load_scenario(guests / name / "scenario.toml")
        assert plan.calls == ("get_salutation_ptr", "get_name_ptr", "set_name", "get_msg_ptr")
