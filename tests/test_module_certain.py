"""Which exports grow memory, and which imports they call, on every call that returns
(`wasmlint/module/certain.py`): the host layer relies on it to know a view is detached for sure."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmlint.module import analyze_module, load_module_bytes

MODULE = """
(module
  (import "env" "host_write" (func $host_write (param i32)))
  (import "env" "resize_heap" (func $resize_heap (param i32) (result i32)))
  (memory (export "memory") 2)
  (func $grow_one (drop (memory.grow (i32.const 1))))
  (func $maybe_grow (param $n i32) (if (local.get $n) (then (call $grow_one))))
  (func $recurse (param $n i32) (if (local.get $n) (then (call $recurse (i32.const 0)))) (call $grow_one))
  (func (export "straight") (drop (memory.grow (i32.const 1))))
  (func (export "through_helper") (call $grow_one))
  (func (export "grow_then_write") (param $n i32) (call $grow_one) (call $host_write (local.get $n)))
  (func (export "asks_host") (drop (call $resize_heap (i32.const 1))))
  (func (export "both_arms") (param $n i32)
    (if (local.get $n) (then (call $grow_one)) (else (drop (memory.grow (i32.const 3))))))
  (func (export "after_loop") (param $n i32)
    (loop $again (br_if $again (local.get $n))) (call $grow_one))
  (func (export "trap_or_grow") (param $n i32)
    (block $ok (br_if $ok (local.get $n)) (unreachable)) (call $grow_one))
  (func (export "return_call_grows") (return_call $grow_one))
  (func (export "recursion_then_grow") (call $recurse (i32.const 1)))
  (func (export "one_arm") (param $n i32) (if (local.get $n) (then (call $grow_one))))
  (func (export "through_maybe") (param $n i32) (call $maybe_grow (local.get $n)))
  (func (export "early_return") (param $n i32) (if (local.get $n) (then (return))) (call $grow_one))
  (func (export "skipped_by_branch") (param $n i32) (block $b (br_if $b (local.get $n)) (call $grow_one)))
  (func (export "by_table") (param $n i32) (block $b (br_table $b 1 (local.get $n))) (call $grow_one))
  (func (export "by_zero") (drop (memory.grow (i32.const 0))))
  (func (export "by_a_variable") (param $n i32) (drop (memory.grow (local.get $n))))
  (func (export "write_maybe") (param $n i32) (if (local.get $n) (then (call $host_write (i32.const 1))))))
"""

ALWAYS = ["straight", "through_helper", "grow_then_write", "both_arms", "after_loop", "trap_or_grow",
          "return_call_grows", "recursion_then_grow"]
NOT_ALWAYS = ["one_arm", "through_maybe", "early_return", "skipped_by_branch", "by_table", "by_zero",
              "by_a_variable", "asks_host", "write_maybe"]


@pytest.fixture(scope="module")
def facts(tmp_path_factory):
    wat = Path(tmp_path_factory.mktemp("certain")) / "module.wat"
    wat.write_text(MODULE)
    return analyze_module(load_module_bytes(wat))


@pytest.mark.parametrize("name", ALWAYS)
def test_an_export_that_grows_on_every_path_grows_every_call(facts, name):
    assert facts.export(name).grows_every_call


@pytest.mark.parametrize("name", NOT_ALWAYS)
def test_an_export_with_a_path_that_does_not_grow_is_not_certain(facts, name):
    assert facts.export(name).status in ("grows", "no")
    assert not facts.export(name).grows_every_call


def test_the_imports_every_call_makes_are_listed_and_only_those(facts):
    assert facts.export("grow_then_write").imports_every_call == ("env.host_write",)
    assert facts.export("asks_host").imports_every_call == ("env.resize_heap",)
    assert facts.export("write_maybe").imports_every_call == ()
    assert facts.export("write_maybe").imports_called == ("env.host_write",)


def test_the_differential_module_grows_for_sure_where_its_delta_is_a_nonzero_constant():
    # `reserve` grows by a `select` of its argument and 1: not a constant, so not certain.
    guest = Path(__file__).resolve().parents[1] / "bench" / "hostgen" / "module.wat"
    wat = analyze_module(load_module_bytes(guest))
    assert [e.name for e in wat.exports if e.grows_every_call] == ["alloc", "grow_then_write", "write_then_grow"]


def test_a_chain_of_calls_deeper_than_the_walk_follows_is_not_certain_and_not_a_crash(tmp_path):
    """Each export calls the next, the last grows: a short chain is followed to its growth; one
    thousands of calls deep is cut where the walk stops following (uncertain, never a
    RecursionError that loses the module's analysis)."""
    for depth, certain in ((20, True), (3000, False)):
        lines = ['(module (memory 1)']
        for i in range(depth):
            after = f"(call $f{i + 1})" if i + 1 < depth else "(drop (memory.grow (i32.const 1)))"
            lines.append(f'(func $f{i} (export "f{i}") {after})')
        wat = tmp_path / f"chain{depth}.wat"
        wat.write_text("\n".join(lines) + ")")
        facts = analyze_module(load_module_bytes(wat))
        assert facts.export("f0").status == "grows"
        assert facts.export("f0").grows_every_call is certain
        assert facts.export(f"f{depth - 1}").grows_every_call
