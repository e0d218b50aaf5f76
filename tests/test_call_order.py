"""The order of an export's import calls and its growth (wasmlint/module/call_order.py), on
compiled modules: whether memory may grow before a call of each import (the import's host callback
then sees the growth) and after one returns; and the work stays linear in the module's size."""

from __future__ import annotations

import pytest

from conftest import guest_module, wasmlint_lines_run
from wasmlint.module import analyze_module
from wasmlint.module.analysis import wat_to_wasm

SHAPES = """
(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "other" (func $other))
  (import "env" "emscripten_resize_heap" (func $resize (param i32) (result i32)))
  (type $v (func))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 0) $grows $quiet)
  (func $grows (type $v) (drop (memory.grow (i32.const 1))))
  (func $quiet (type $v))
  (func $say (call $log (i32.const 0)))
  (func $count_down (param $n i32)
    (if (local.get $n)
      (then
        (call $log (local.get $n))
        (call $count_down (i32.sub (local.get $n) (i32.const 1)))
        (drop (memory.grow (i32.const 1))))))

  (func (export "call_then_grow") (call $log (i32.const 1)) (drop (memory.grow (i32.const 1))))
  (func (export "grow_then_call") (drop (memory.grow (i32.const 1))) (call $log (i32.const 1)))
  (func (export "call_grow_other") (call $log (i32.const 1)) (drop (memory.grow (i32.const 1))) (call $other))
  (func (export "call_grow_call")
    (call $log (i32.const 1)) (drop (memory.grow (i32.const 1))) (call $log (i32.const 2)))
  (func (export "loop_call_then_grow") (param $n i32)
    (loop $turn
      (call $log (local.get $n))
      (drop (memory.grow (i32.const 1)))
      (br_if $turn (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "nested_loop") (param $n i32)
    (block $out
      (loop $turn
        (block $skip
          (br_if $skip (local.get $n))
          (call $log (local.get $n)))
        (br_if $out (i32.eqz (local.get $n)))
        (drop (memory.grow (i32.const 1)))
        (br $turn))))
  (func (export "loop_then_grow") (param $n i32)
    (loop $turn
      (call $log (local.get $n))
      (br_if $turn (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (drop (memory.grow (i32.const 1))))
  (func (export "branch_then_grow") (param $n i32)
    (block $skip
      (br_if $skip (local.get $n))
      (call $log (local.get $n)))
    (drop (memory.grow (i32.const 1))))
  (func (export "if_grow_else_call") (param $n i32)
    (if (local.get $n)
      (then (drop (memory.grow (i32.const 1))))
      (else (call $log (local.get $n)))))
  (func (export "helpers_call_then_grow") (call $say) (call $grows))
  (func (export "helpers_grow_then_call") (call $grows) (call $say))
  (func (export "indirect_then_call") (call_indirect (type $v) (i32.const 1)) (call $log (i32.const 1)))
  (func (export "call_then_indirect") (call $log (i32.const 1)) (call_indirect (type $v) (i32.const 1)))
  (func (export "host_growth_then_call") (drop (call $resize (i32.const 1))) (call $log (i32.const 1)))
  (func (export "recursive") (call $count_down (i32.const 3)))
  (func (export "never_grows") (call $log (i32.const 1)) (call $quiet) (call $other))
)
"""

# export -> (imports it may call after growing, imports after whose return it may grow)
EXPECTED = {
    "call_then_grow": ((), ("env.log",)),
    "grow_then_call": (("env.log",), ()),
    "call_grow_other": (("env.other",), ("env.log",)),
    "call_grow_call": (("env.log",), ("env.log",)),
    # A loop that grows: each call in it may come after the growth of an earlier turn.
    "loop_call_then_grow": (("env.log",), ("env.log",)),
    "nested_loop": (("env.log",), ("env.log",)),
    # The loop holds no growth: the growth after it follows every call.
    "loop_then_grow": ((), ("env.log",)),
    "branch_then_grow": ((), ("env.log",)),
    # Forward branches only skip code: instruction order stands for it, on the safe side.
    "if_grow_else_call": (("env.log",), ()),
    "helpers_call_then_grow": ((), ("env.log",)),
    "helpers_grow_then_call": (("env.log",), ()),
    # An indirect call may grow memory.
    "indirect_then_call": (("env.log",), ()),
    "call_then_indirect": ((), ("env.log",)),
    # The host grows memory in `emscripten_resize_heap`, before the call of `log`.
    "host_growth_then_call": (("env.log",), ()),
    # Recursion is not ordered: its calls may come before and after its growth.
    "recursive": (("env.log",), ("env.log",)),
    "never_grows": ((), ()),
}


def orders(data: bytes) -> dict[str, tuple[tuple[str, ...] | None, tuple[str, ...] | None]]:
    facts = analyze_module(data)
    return {e.name: (e.imports_after_growth, e.imports_before_growth) for e in facts.exports if e.kind == "func"}


def test_each_shape_orders_its_import_calls_around_its_growth():
    assert orders(wat_to_wasm(SHAPES)) == EXPECTED


def test_the_order_names_only_imports_the_export_calls():
    facts = analyze_module(wat_to_wasm(SHAPES))
    for export in facts.exports:
        if export.kind == "func":
            called = set(export.imports_called or ())
            assert set(export.imports_after_growth or ()) <= called, export.name
            assert set(export.imports_before_growth or ()) <= called, export.name


def test_the_differential_guest_as_rust_builds_it(compiler):
    """The Rust twin of bench/hostgen/module.wat grows through its allocator (a loop, calls of
    dlmalloc, indirect calls nowhere near the import): the order is as precise as the text's."""
    found = orders(guest_module("differential", compiler).read_bytes())
    assert found["grow_then_write"] == (("env.host_write",), ())
    assert found["write_then_grow"] == ((), ("env.host_write",))
    assert found["write_only"] == ((), ())
    assert found["em_malloc"] == ((), ())


def chain_module(n: int) -> bytes:
    """n exports, each calling the import, the next export and then the function that grows; and
    n exports making an indirect call into a table of all of them: one recursive group."""
    lines = ['(module (import "env" "log" (func $log (param i32))) (type $t (func (param i32)))',
             '(memory 1) (table $table {} funcref)'.format(2 * n + 1),
             "(func $grow (type $t) (drop (memory.grow (local.get 0))))"]
    for i in range(n):
        after = f"(call $c{i + 1} (local.get 0))" if i + 1 < n else ""
        lines.append(f'(func $c{i} (export "c{i}") (type $t) (call $log (local.get 0)) {after} (call $grow (i32.const 1)))')
    for i in range(n):
        lines.append(f'(func $d{i} (export "d{i}") (type $t) (call $log (local.get 0)) '
                     f"(call_indirect (type $t) (local.get 0) (local.get 0)))")
    table = " ".join([f"$c{i}" for i in range(n)] + [f"$d{i}" for i in range(n)] + ["$grow"])
    lines.append(f"(elem (i32.const 0) func {table}))")
    return wat_to_wasm("\n".join(lines))


@pytest.mark.parametrize("n", [1000])
def test_twice_the_module_costs_at_most_2_2_times_the_work(n):
    work = []
    for size in (n, 2 * n):
        data = chain_module(size)
        found = orders(data)
        assert found["c0"] == ((), ("env.log",)) and found["d0"] == (("env.log",), ("env.log",))
        work.append(wasmlint_lines_run(lambda: analyze_module(data)))  # noqa: B023 (called at once)
    assert work[1] <= 2.2 * work[0], f"{work[0]:,} lines at n={n}, {work[1]:,} at 2n"
