"""Instrumentation: every `memory.grow` goes through an added guard that traps once armed."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from wasmlint.module.decoder import GrowSite, WasmModule, decode_module
from wasmlint.runtime import run_module
from wasmlint.runtime.instrument import InstrumentError, instrument
from wasmlint.runtime.instrument import GUARD_EXPORT
from wasmlint.runtime.pinpoint import decoded

WAT = Path(__file__).parent / "wat" / "runtime"


def rewrite(wat: str):
    data = wasmtime.wat2wasm(wat)
    facts = decoded(data)
    assert facts is not None, "the module decoder did not decode a valid module"
    return instrument(data, facts[0])


def instantiate(data: bytes):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, data), [])
    return store, instance.exports(store)


@pytest.mark.parametrize("wat, index_type", [
    # no global, export or type section of its own before instrumenting
    ('(module (memory 1) (func (export "g") (result i32) (memory.grow (i32.const 1))))', 1),
    ('(module (memory i64 1) (func (export "g") (result i64) (memory.grow (i64.const 1))))', 1),
    ('(module (memory 1) (memory $b 1) (global i32 (i32.const 7))'
     ' (func (export "g") (result i32) (drop (memory.grow (i32.const 1))) (memory.grow $b (i32.const 2))))', 1),
])
def test_rewritten_modules_validate_and_behave_the_same_until_armed(wat, index_type):
    rewritten = rewrite(wat)
    assert rewritten.sites >= 1
    store, exports = instantiate(rewritten.data)
    assert exports["g"](store) == 1  # the old page count, as memory.grow returns
    exports[GUARD_EXPORT].set_value(store, wasmtime.Val.i32(1))
    with pytest.raises(wasmtime.Trap) as caught:
        exports["g"](store)
    frames = caught.value.frames
    assert frames[0].func_index in rewritten.guards.values()


def test_function_indices_are_unchanged():
    wat = ('(module (memory 1) (func $a (result i32) (memory.grow (i32.const 1)))'
           ' (func (export "b") (result i32) (call $a)) (start 2) (func))')
    rewritten = rewrite(wat)
    assert rewritten.guards == {0: 3}
    instantiate(rewritten.data)


def test_not_a_module_is_refused():
    with pytest.raises(InstrumentError):
        instrument(b"nope", WasmModule())


def test_wrong_grow_site_is_refused():
    data = wasmtime.wat2wasm('(module (memory 1) (func (drop (memory.grow (i32.const 1)))))')
    module = decode_module(data)
    module.grow_sites = [GrowSite(0, len(data) - 3, 0, 2)]  # one byte past the real memory.grow
    with pytest.raises(InstrumentError):
        instrument(data, module)


def test_growth_behind_call_indirect_on_a_later_call_is_pinpointed():
    result = run_module(WAT / "indirect_growth.wat")
    assert result.grown_exports == ["later"]
    growth = result.growth["later"]
    assert (growth.first_calls_grew, growth.later_calls_grew) == (0, 1)
    assert result.pinpoint_method == "instrument"
    assert [frame.name for frame in result.paths["later"]] == ["later", "helper", "grow", "memory.grow"]
