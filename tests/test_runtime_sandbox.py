"""The runtime sandbox: every runaway guest is stopped by its own limit, imports are stubbed, WASI is shut."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from wasmlint.runtime import Limits, run_module

WAT = Path(__file__).parent / "wat" / "runtime"


def calls(result, export):
    return [record for record in result.steps if record.kind == "call" and record.export == export]


def test_infinite_loop_runs_out_of_fuel():
    began = time.monotonic()
    result = run_module(WAT / "infinite_loop.wat", limits=Limits(fuel_per_call=5_000_000))
    (record,) = calls(result, "spin")
    assert result.error is None
    assert record.trap.startswith("out of fuel") and "5000000" in record.trap
    assert time.monotonic() - began < 15


def test_infinite_loop_meets_the_wall_clock_deadline_when_fuel_is_plenty():
    began = time.monotonic()
    result = run_module(WAT / "infinite_loop.wat",
                        limits=Limits(fuel_per_call=10**18, seconds_per_call=0.3))
    (record,) = calls(result, "spin")
    assert record.trap.startswith("interrupted") and "0.3 s" in record.trap
    assert time.monotonic() - began < 15


def test_memory_bomb_is_capped():
    cap = 32 * 1024 * 1024
    result = run_module(WAT / "memory_bomb.wat", limits=Limits(memory_bytes=cap), pinpoint=False)
    (record,) = calls(result, "bomb")
    assert record.pages_before == 1
    assert record.pages_after * 65536 <= cap  # grew right up to the cap and no further
    assert record.pages_after > 400
    assert "unreachable" in record.trap  # the module's own reaction to the refused growth
    assert "512 pages allowed" in record.note


def test_unbounded_recursion_exhausts_the_stack_limit():
    result = run_module(WAT / "recursion.wat", limits=Limits(max_wasm_stack=256 * 1024))
    records = calls(result, "recurse")
    assert records and all("call stack exhausted" in r.trap and "262144" in r.trap for r in records)


def test_trapping_start_function_is_stopped_and_reported():
    result = run_module(WAT / "start_loop.wat", limits=Limits(fuel_per_call=1_000_000))
    assert result.error is None
    assert [r.kind for r in result.steps] == ["start"]  # nothing else ran: every instance would trap
    assert result.steps[0].trap.startswith("out of fuel")
    assert calls(result, "never_reached") == []


def test_imports_of_memory_functions_global_and_table_are_stubbed():
    result = run_module(WAT / "imports.wat")
    assert result.error is None and result.unsupported is None
    runs = calls(result, "run")
    assert runs and all(r.trap is None for r in runs)
    # env::now returns 0, so run(x) returns what it stored in the imported memory.
    assert [r.result for r in runs if r.first_call] == [(0,), (1,), (16,), (1024,)]
    assert result.imports_called == {"env::log": 16, "env::now": 8}
    grow = calls(result, "grow_imported")
    assert grow[0].pages_before == 2 and grow[0].pages_after == 3  # the imported memory is watched


def test_import_stubs_can_trap_instead():
    result = run_module(WAT / "imports.wat", trap_imports=True, pinpoint=False)
    runs = calls(result, "run")
    assert runs and all("env::log was called" in r.trap for r in runs)


def test_wasi_module_cannot_open_host_files_or_see_the_environment(monkeypatch):
    monkeypatch.setenv("WASMLINT_SECRET", "do-not-leak")
    result = run_module(WAT / "wasi_open.wat")
    opens = calls(result, "open_file")
    assert opens and all(r.result == (8,) for r in opens)  # errno 8: badf, fd 3 is not preopened
    assert all(r.result == (0,) for r in calls(result, "env_count"))


def test_module_wasmtime_cannot_compile_is_unsupported_not_a_crash(tmp_path):
    module = tmp_path / "pagesize.wat"
    module.write_text('(module (memory (export "memory") 1 (pagesize 1)))')
    result = run_module(module)
    assert result.error is None
    assert "custom page sizes" in result.unsupported
    assert result.steps == []


def test_a_huge_table_is_refused_at_instantiation_naming_the_limit():
    result = run_module(WAT / "huge_table.wat")
    assert result.error is None
    (start,) = result.steps  # nothing else ran
    assert start.kind == "start" and start.limit == "table_elements"
    assert start.trap == ("table minimum size of 100000000 elements exceeds table limits "
                          "(the sandbox allows 10000000 table elements)")


def test_a_memory_larger_than_the_cap_is_refused_at_instantiation_naming_the_limit(tmp_path):
    module = tmp_path / "big.wat"
    module.write_text('(module (memory (export "memory") 20000) (func (export "f")))')
    result = run_module(module, limits=Limits(memory_bytes=64 * 1024 * 1024))
    (start,) = result.steps
    assert start.limit == "memory_bytes" and start.trap.endswith("(memory_bytes: 1024 pages allowed)")


def test_limits_are_named_on_the_calls_they_stop():
    result = run_module(WAT / "recursion.wat", limits=Limits(max_wasm_stack=256 * 1024), pinpoint=False)
    assert {r.limit for r in calls(result, "recurse")} == {"max_wasm_stack"}
    result = run_module(WAT / "imports.wat", pinpoint=False)
    assert {r.limit for r in result.steps} == {None}  # calls that return hit no limit


def test_v128_imports_are_unsupported_not_a_crashed_worker():
    result = run_module(WAT / "import_v128.wat")
    assert result.error is None and result.steps == []
    assert result.unsupported == ("wasmtime's Python API cannot pass v128 values between host and guest: "
                                  "import env::lanes is a v128 global")


def test_v128_inside_function_bodies_still_runs(tmp_path):
    module = tmp_path / "simd.wat"
    module.write_text('(module (func (export "simd") (result i32)'
                      ' (i32x4.extract_lane 1 (v128.const i32x4 7 8 9 10))))')
    result = run_module(module, pinpoint=False)
    assert result.unsupported is None and calls(result, "simd")[0].result == (8,)


def test_an_imported_tag_gets_wasmtimes_default():
    result = run_module(WAT / "import_tag.wat", pinpoint=False)
    assert result.error is None and result.unsupported is None
    assert calls(result, "fine")[0].result == (3,)
    assert calls(result, "throw_it")[0].trap == "thrown Wasm exception"


def test_a_proposal_the_config_does_not_enable_is_unsupported():
    result = run_module(WAT / "stack_switching.wat")
    assert result.error is None and result.steps == []
    assert "cannot define continuation types when stack switching is disabled" in result.unsupported


def test_a_guest_calling_a_stub_forever_meets_the_deadline():
    began = time.monotonic()
    result = run_module(WAT / "stub_loop.wat", limits=Limits(seconds_per_call=0.3), pinpoint=False)
    (record,) = calls(result, "spin_on_host")  # it trapped: no second call on that instance
    assert record.limit == "seconds_per_call" and "0.3 s (seconds_per_call)" in record.trap
    assert result.imports_called["env::tick"] > 100
    assert time.monotonic() - began < 15


def test_a_hanging_worker_is_killed_at_the_parent_timeout():
    began = time.monotonic()
    result = run_module(WAT / "infinite_loop.wat",
                        limits=Limits(fuel_per_call=10**18, seconds_per_call=600, worker_timeout=3))
    assert "did not finish within 3 s" in result.error
    assert time.monotonic() - began < 20


def test_a_crashing_worker_is_contained(tmp_path, monkeypatch):
    # sitecustomize runs at interpreter start-up: this one kills the worker process outright.
    (tmp_path / "sitecustomize.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    result = run_module(WAT / "infinite_loop.wat")
    assert result.error.startswith("the runtime worker crashed (killed by SIGKILL)")


def test_missing_module_is_an_error_not_an_exception(tmp_path):
    result = run_module(tmp_path / "absent.wasm")
    assert result.error.startswith("cannot read")


def test_limits_reject_nonsense():
    with pytest.raises(ValueError, match="compiler"):
        Limits(compiler="llvm")
    with pytest.raises(ValueError, match="fuel_per_call"):
        Limits(fuel_per_call=0)


def test_winch_compiles_when_asked():
    result = run_module(WAT / "imports.wat", limits=Limits(compiler="winch"), pinpoint=False)
    assert result.compiler == "winch" and result.error is None
    assert calls(result, "run")[0].trap is None


def test_small_modules_use_cranelift_by_default():
    result = run_module(WAT / "imports.wat", pinpoint=False)
    assert result.compiler == "cranelift"


def test_code_cache_lives_under_the_user_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    result = run_module(WAT / "imports.wat", pinpoint=False)
    assert result.cache is True
    assert (tmp_path / "wasmlint" / "wasmtime" / "code").is_dir()


def test_unwritable_cache_dir_falls_back_to_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    result = run_module(WAT / "imports.wat", pinpoint=False)
    assert result.cache is False and result.error is None


def test_progress_is_silent_when_stderr_is_not_a_terminal(capsys):
    from wasmlint.runtime import show_progress

    show_progress("running x.wasm in wasmtime", 3.0)
    show_progress("running x.wasm in wasmtime", None)
    assert capsys.readouterr().err == ""


def test_winch_falls_back_to_cranelift_for_what_it_cannot_compile(tmp_path):
    module = tmp_path / "tail.wat"
    module.write_text('(module (func (export "f") (result i32) (return_call 1)) (func (result i32) (i32.const 7)))')
    result = run_module(module, limits=Limits(compiler="winch"), pinpoint=False)
    assert result.compiler == "cranelift"
    assert any(note.startswith("Winch could not compile the module") for note in result.notes)
    assert calls(result, "f")[0].result == (7,)
