"""Module facts and findings: export reachability, panic-only paths, allocators, memories, rules."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from guest_builds import DEBIAN_RUSTC, Compiler
from wasmlint.findings import UNRESOLVED_INDIRECT, Layer, Severity
from wasmlint.reporters.evidence import evidence_text
from wasmlint.module import (
    GROWS,
    NO,
    PANIC_ONLY,
    ModuleLoadError,
    analyze_module,
    analyze_module_file,
    decode_module,
    findings_for_wat,
    load_module_bytes,
    module_findings,
    render_inspect_text,
)
from wasmlint.module.analysis import wat_to_wasm
from wasmlint.rules import builtin_rules

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "wat" / "module"
RULES = builtin_rules()
MODULE_RULES = {rule_id: rule for rule_id, rule in RULES.items() if rule.layer is Layer.MODULE}


def guest(name: str, compiler: Compiler = DEBIAN_RUSTC) -> Path:
    from conftest import guest_modules

    return guest_modules(compiler)[name]


def facts_of(text: str):
    return analyze_module(wat_to_wasm(text))


def statuses(facts) -> dict[str, str]:
    return {e.name: e.status for e in facts.exports if e.kind == "func"}


# --- the guests ----------------------------------------------------------------------------------

def test_greeting_alloc_set_name_grows_through_the_allocator(compiler):
    facts = analyze_module_file(guest("greeting-alloc", compiler))
    set_name = facts.export("set_name")
    assert set_name.status == GROWS
    assert set_name.path[0] == "set_name"
    # rustc 1.96's std names the allocator shims `__rustc::__rust_alloc`; 1.63's `__rust_alloc`.
    assert "__rust_alloc" in [step.rsplit("::", 1)[-1] for step in set_name.path]
    assert set_name.path[-1] == "<dlmalloc::sys::System as dlmalloc::Allocator>::alloc"
    assert [site.function for site in facts.grow_sites] == [set_name.path[-1]]
    assert facts.grow_sites[0].in_allocator is True
    assert {name: s for name, s in statuses(facts).items() if name != "set_name"} == {
        "get_salutation_ptr": NO, "get_name_ptr": NO, "get_msg_ptr": NO}
    assert facts.allocator.kind == "dlmalloc"
    assert facts.processed_by[0].startswith(f"rustc {'.'.join(map(str, compiler.version))}.")
    # rustc 1.96 no longer writes the producers section's `language` field.
    assert facts.languages == ([] if compiler.current else ["Rust"])
    memory = facts.memories[0]
    assert (memory.min_pages, memory.max_pages, memory.exported_as) == (17, None, ["memory"])


def test_greeting_static_only_grows_on_panic(compiler):
    facts = analyze_module_file(guest("greeting-static", compiler))
    assert GROWS not in statuses(facts).values()
    set_name = facts.export("set_name")
    assert set_name.status in (PANIC_ONLY, NO)
    if set_name.status == PANIC_ONLY:
        assert any("panicking" in step or step == "rust_begin_unwind" for step in set_name.path)
    found = module_findings(facts, "greeting_static.wasm", RULES)
    assert not [f for f in found if f.severity is Severity.ERROR]


def test_greeting_wat_has_no_growth():
    facts = analyze_module_file(REPO / "guests" / "greeting-wat" / "greeting.wat")
    assert facts.grow_sites == []
    assert set(statuses(facts).values()) == {NO}
    assert not [f for f in module_findings(facts, "greeting.wat", RULES) if f.rule_id != "memory-has-no-maximum"]


def test_export_forms_direct_memory_grow_is_explicit(compiler):
    facts = analyze_module_file(guest("export-forms", compiler))
    assert facts.export("grow_by_one_page").status == GROWS
    assert facts.export("ping").status == NO
    explicit = [f for f in module_findings(facts, "export_forms.wasm", RULES) if f.rule_id == "explicit-memory-grow"]
    assert [(f.symbol, f.call_path) for f in explicit] == [("grow_by_one_page", ("grow_by_one_page",))]


def test_fixed_writer_reaches_memory_grow_only_through_string_formatting(compiler):
    # Both exports format through `core::fmt::write`, whose `call_indirect` on the `&mut dyn Write`
    # vtable would reach `String`'s `write_str` (and the allocator) by type alone.
    facts = analyze_module_file(guest("fixed-writer", compiler))
    write_fixed, write_heap = facts.export("write_fixed"), facts.export("write_heap")
    assert write_fixed.status == PANIC_ONLY
    assert "the `dyn Write` vtable of `FixedWriter`" in write_fixed.resolved_by
    assert not [step for step in write_fixed.path if "alloc::string::String" in step]
    assert (write_heap.status, write_heap.resolution) == (GROWS, "direct")
    assert write_heap.path[:2] == ("write_heap", "alloc::fmt::format::format_inner")
    found = {f.symbol: f for f in module_findings(facts, "fixed_writer.wasm", RULES)}
    assert found["write_fixed"].severity is Severity.INFO
    assert "its indirect calls go only where" in evidence_text(found["write_fixed"].evidence[0])
    assert found["write_heap"].severity is Severity.ERROR
    assert evidence_text(found["write_heap"].evidence[0]).endswith("(direct calls only)")


def test_dyn_callbacks_reach_memory_grow_through_the_vtable_passed(compiler):
    facts = analyze_module_file(guest("dyn-callbacks", compiler))
    assert facts.export("apply_pure").status == NO
    # Dropping the `Box<dyn Handler>` frees it; the dlmalloc of rustc 1.96's std (0.2.11) checks
    # the size it is given back and panics on a wrong one, 1.63's does not check.
    assert facts.export("handle_pure").status == (PANIC_ONLY if compiler.current else NO)
    apply_alloc, handle_alloc = facts.export("apply_alloc"), facts.export("handle_alloc")
    if compiler.current:
        # rustc 1.96 inlines the integer's `to_string` (std is optimised at opt-level 3, as a
        # shipped one is) and LLVM removes the `String` whose length alone is used: the closure
        # allocates nothing. Its vtable, which has no drop function in slot 0, is named by the
        # closure's body.
        assert (apply_alloc.status, apply_alloc.resolved_by) == (NO, ("the closure vtable of `apply_alloc::{{closure}}`",))
    else:
        assert (apply_alloc.status, apply_alloc.resolution) == (GROWS, "resolved")
        assert apply_alloc.path[:3] == ("apply_alloc", "dyn_callbacks::apply", "dyn_callbacks::apply_alloc::{{closure}}")
        assert str(apply_alloc.indirect[0]) == ("`dyn_callbacks::apply` calls `dyn_callbacks::apply_alloc::{{closure}}` via "
                                           "the closure vtable of `apply_alloc::{{closure}}` (from `apply_alloc`)")
    assert (handle_alloc.status, handle_alloc.resolution) == (GROWS, "resolved")
    assert handle_alloc.path[:3] == ("handle_alloc", "dyn_callbacks::dispatch",
                                     "<dyn_callbacks::Namer as dyn_callbacks::Handler>::handle")
    assert tuple(map(str, handle_alloc.indirect)) == (
        "`dyn_callbacks::dispatch` calls `<dyn_callbacks::Namer as dyn_callbacks::Handler>::handle` via the "
        "`dyn Handler` vtable of `Namer` (from `handle_alloc`)",)
    # The host's function pointer: nothing in the module names it.
    call_host = facts.export("call_host")
    assert (call_host.status, call_host.resolution) == (GROWS, "unresolved")
    assert str(call_host.indirect[0]).startswith(f"`call_host` calls `{call_host.path[1]}` {UNRESOLVED_INDIRECT}")


def test_findings_for_greeting_alloc(compiler):
    facts = analyze_module_file(guest("greeting-alloc", compiler))
    found = module_findings(facts, "target/greeting_alloc.wasm", RULES)
    by_rule = {f.rule_id: f for f in found}
    assert set(by_rule) == {"export-reaches-memory-grow", "memory-has-no-maximum"}
    grows = by_rule["export-reaches-memory-grow"]
    assert (grows.severity, grows.layer, grows.symbol, grows.path) == (
        Severity.ERROR, Layer.MODULE, "set_name", "target/greeting_alloc.wasm")
    assert (grows.line, grows.column, grows.end_line, grows.end_column) == (1, 1, 1, 1)
    assert grows.call_path == facts.export("set_name").path
    assert tuple(map(evidence_text, grows.evidence)) == (
        f"module: `set_name` reaches memory.grow via {' -> '.join(grows.call_path)} (direct calls only)",)
    assert "set_name" in grows.message and "<dlmalloc::sys::System" in grows.message


# --- call graph ----------------------------------------------------------------------------------

def test_indirect_calls_reach_only_table_entries_of_the_same_type():
    facts = facts_of('''
      (module
        (memory (export "memory") 1)
        (type $grower (func (result i32)))
        (type $reader (func (param i32) (result i32)))
        (table 3 funcref)
        (elem (i32.const 0) $grow $read)
        (func $grow (type $grower) (memory.grow (i32.const 1)))
        (func $read (type $reader) (i32.load (local.get 0)))
        (func $not_in_table (type $reader) (memory.grow (local.get 0)))
        (func (export "grow_indirectly") (result i32) (call_indirect (type $grower) (i32.const 0)))
        (func (export "read_indirectly") (param i32) (result i32)
          (call_indirect (type $reader) (local.get 0) (i32.const 1))))''')
    assert statuses(facts) == {"grow_indirectly": GROWS, "read_indirectly": NO}
    assert facts.export("grow_indirectly").path == ("grow_indirectly", "grow")


def test_structurally_equal_types_match_and_shortest_path_wins():
    facts = facts_of('''
      (module
        (memory 1)
        (type $a (func (result i32)))
        (type $b (func (result i32)))
        (table 1 funcref)
        (elem (i32.const 0) $grow)
        (func $grow (type $a) (memory.grow (i32.const 1)))
        (func $deep (result i32) (call $deeper))
        (func $deeper (result i32) (call $grow))
        (func (export "via_b") (result i32) (call_indirect (type $b) (i32.const 0)))
        (func (export "both") (result i32) (drop (call $deep)) (call $grow)))''')
    assert facts.export("via_b").status == GROWS
    assert facts.export("both").path == ("both", "grow")


# --- indirect calls resolved by the constants of the export's code ---------------------------------

# Two Rust-style vtables (drop, size, align, one method) in the data, whose methods have the same
# type: `quiet_method` returns, `grow_method` grows memory. `call_through` calls slot 12 of the
# vtable it is given, as code calling through a `&dyn Trait` does. Table slots start at 32: without
# the linker's padding, smaller constants are taken for plain numbers.
VTABLES = r'''
  (memory (export "memory") 1)
  (type $method (func (param i32 i32) (result i32)))
  (table 64 funcref)
  (elem (i32.const 32) $drop $quiet_method $grow_method $plain_fmt $grow_fmt)
  (data (i32.const 1024) "\20\00\00\00\00\00\00\00\01\00\00\00\21\00\00\00")
  (data (i32.const 1040) "\20\00\00\00\00\00\00\00\01\00\00\00\22\00\00\00")
  (data (i32.const 3000) "\00\00\00\00\10\04\00\00")
  (func $drop (param i32))
  (func $quiet_method (type $method) (local.get 1))
  (func $grow_method (type $method) (memory.grow (local.get 1)))
  (func $plain_fmt (type $method) (local.get 0))
  (func $grow_fmt (type $method) (memory.grow (local.get 0)))
  (func $call_through (param $data i32) (param $vtable i32) (param $x i32) (result i32)
    (call_indirect (type $method) (local.get $data) (local.get $x) (i32.load offset=12 (local.get $vtable))))
  (func $write (param $args i32) (result i32)
    (call_indirect (type $method) (i32.load (local.get $args)) (i32.const 0) (i32.load offset=4 (local.get $args))))
'''


def test_an_indirect_call_reaches_only_the_vtables_the_export_passes():
    facts = facts_of(f'''(module {VTABLES}
        (func (export "quiet") (param i32) (result i32)
          (call $call_through (i32.const 0) (i32.const 1024) (local.get 0)))
        (func (export "noisy") (param i32) (result i32)
          (call $call_through (i32.const 0) (i32.const 1040) (local.get 0))))''')
    quiet, noisy = facts.export("quiet"), facts.export("noisy")
    assert quiet.status == NO and quiet.resolved_by == ("the vtable at 0x400",)
    assert (noisy.status, noisy.resolution) == (GROWS, "resolved")
    assert noisy.path == ("noisy", "call_through", "grow_method")
    assert tuple(map(str, noisy.indirect)) == ("`call_through` calls `grow_method` via the vtable at 0x410 (from `noisy`)",)
    evidence = evidence_text(module_findings(facts, "m.wasm", RULES)[0].evidence[0])
    assert evidence.endswith("via noisy -> call_through -> grow_method; "
                             "`call_through` calls `grow_method` via the vtable at 0x410 (from `noisy`)")


def test_a_function_pointer_stored_in_the_stack_frame_resolves_the_call():
    # As `fmt::Arguments` holds its `fmt` functions: a struct on the caller's frame, the function's
    # table index in a field, the callee loading it.
    facts = facts_of(f'''(module {VTABLES}
        (func (export "plain") (result i32)
          (i32.store offset=4 (i32.const 2048) (i32.const 35))
          (call $write (i32.const 2048)))
        (func (export "grows") (result i32)
          (i32.store offset=4 (i32.const 2048) (i32.const 36))
          (call $write (i32.const 2048))))''')
    assert facts.export("plain").status == NO
    grows = facts.export("grows")
    assert (grows.status, grows.resolution, grows.path) == (GROWS, "resolved", ("grows", "write", "grow_fmt"))
    assert tuple(map(str, grows.indirect)) == ("`write` calls `grow_fmt` via a function pointer to `grow_fmt` (from `grows`)",)


def test_a_vtable_held_by_a_static_resolves_the_call():
    facts = facts_of(f'''(module {VTABLES}
        (func (export "from_static") (param i32) (result i32)
          (call $call_through (i32.load (i32.const 3000)) (i32.load (i32.const 3004)) (local.get 0))))''')
    assert facts.export("from_static").path == ("from_static", "call_through", "grow_method")
    assert facts.export("from_static").resolution == "resolved"


def test_a_callee_no_constant_names_falls_back_to_the_type():
    # The vtable comes from the host: nothing in the export's code names a method, so the call
    # may reach every table entry of its type, and the evidence says so.
    facts = facts_of(f'''(module {VTABLES}
        (func (export "from_host") (param i32 i32) (result i32)
          (call $call_through (i32.const 0) (local.get 0) (local.get 1))))''')
    from_host = facts.export("from_host")
    assert (from_host.status, from_host.resolution) == (GROWS, "unresolved")
    assert from_host.path[:2] == ("from_host", "call_through")
    assert str(from_host.indirect[0]).startswith(f"`call_through` calls `{from_host.path[2]}` {UNRESOLVED_INDIRECT} (any ")
    evidence = evidence_text(module_findings(facts, "m.wasm", RULES)[0].evidence[0])
    assert UNRESOLVED_INDIRECT in evidence


def test_a_vtable_slot_the_call_does_not_load_is_not_a_target():
    # The quiet vtable's method sits at offset 12; a call through offset 16 does not reach it,
    # and with nothing else flowing in it stays unresolved.
    facts = facts_of(f'''(module {VTABLES}
        (func $call_slot_16 (param $vtable i32) (param $x i32) (result i32)
          (call_indirect (type $method) (i32.const 0) (local.get $x) (i32.load offset=16 (local.get $vtable))))
        (func (export "other_slot") (param i32) (result i32) (call $call_slot_16 (i32.const 1024) (local.get 0))))''')
    assert facts.export("other_slot").resolution == "unresolved"


def test_constants_flow_to_callees_not_to_callers_or_siblings():
    # `noisy_leaf` names the growing vtable, but it calls nothing: what its constants name flows
    # nowhere, and the export's own indirect call gets the quiet vtable alone.
    facts = facts_of(f'''(module {VTABLES}
        (func $noisy_leaf (result i32) (i32.store (i32.const 2048) (i32.const 1040)) (i32.const 0))
        (func (export "quiet_then_leaf") (param i32) (result i32)
          (drop (call $noisy_leaf))
          (call $call_through (i32.const 0) (i32.const 1024) (local.get 0))))''')
    assert facts.export("quiet_then_leaf").status == NO


def test_the_evidence_says_whose_code_names_the_target():
    # Context-insensitive: what one caller passes flows into `call_through` for every path there,
    # so the evidence names the function whose constant it was.
    facts = facts_of(f'''(module {VTABLES}
        (func $noisy_sibling (result i32) (call $call_through (i32.const 0) (i32.const 1040) (i32.const 1)))
        (func (export "quiet_then_sibling") (param i32) (result i32)
          (drop (call $call_through (i32.const 0) (i32.const 1024) (local.get 0)))
          (call $noisy_sibling)))''')
    export = facts.export("quiet_then_sibling")
    assert (export.status, export.resolution) == (GROWS, "resolved")
    assert tuple(map(str, export.indirect)) == ("`call_through` calls `grow_method` via the vtable at 0x410 (from `noisy_sibling`)",)


def test_past_the_exploration_budget_indirect_calls_match_by_type(monkeypatch):
    from wasmlint.module import analysis

    monkeypatch.setattr(analysis, "EXPLORATION_BUDGET", -1)
    facts = facts_of(f'''(module {VTABLES}
        (func (export "quiet") (param i32) (result i32)
          (call $call_through (i32.const 0) (i32.const 1024) (local.get 0))))''')
    assert (facts.export("quiet").status, facts.export("quiet").resolution) == (GROWS, "unresolved")


def test_without_known_table_slots_indirect_calls_match_by_type():
    # An imported table may hold anything: the slots cannot be read from the module.
    facts = facts_of('''
      (module
        (import "env" "table" (table 4 funcref))
        (memory 1)
        (type $t (func (result i32)))
        (func $grow (type $t) (memory.grow (i32.const 1)))
        (func (export "call") (result i32) (call_indirect (type $t) (i32.const 0)))
        (elem (i32.const 0) $grow))''')
    assert (facts.export("call").status, facts.export("call").resolution) == (GROWS, "unresolved")


def test_typed_function_references_are_followed():
    facts = analyze_module(load_module_bytes(FIXTURES / "newer_proposals.wat"))
    assert facts.export("typed_refs").status == GROWS
    assert facts.export("eh").path == ("eh",)
    assert facts.export("relaxed").status == NO


def test_panic_only_when_every_path_passes_through_panic_machinery():
    facts = facts_of('''
      (module
        (memory (export "memory") 1)
        (func $__rust_alloc (param i32) (result i32) (memory.grow (local.get 0)))
        (func $rust_begin_unwind (drop (call $__rust_alloc (i32.const 1))) (unreachable))
        (func $_ZN4core9panicking18panic_bounds_check17h0123456789abcdefE (call $rust_begin_unwind))
        (func (export "checked") (param i32) (result i32)
          (if (i32.gt_u (local.get 0) (i32.const 16))
            (then (call $_ZN4core9panicking18panic_bounds_check17h0123456789abcdefE)))
          (local.get 0))
        (func (export "allocates") (param i32) (result i32)
          (if (local.get 0) (then (call $rust_begin_unwind)))
          (call $__rust_alloc (local.get 0))))''')
    checked, allocates = facts.export("checked"), facts.export("allocates")
    assert checked.status == PANIC_ONLY
    assert checked.path == ("checked", "core::panicking::panic_bounds_check", "rust_begin_unwind", "__rust_alloc")
    assert allocates.status == GROWS and allocates.path == ("allocates", "__rust_alloc")
    found = findings_for_wat('''
      (module
        (func $__rust_alloc (result i32) (memory.grow (i32.const 1)))
        (func $rust_begin_unwind (drop (call $__rust_alloc)))
        (func (export "checked") (call $rust_begin_unwind))
        (memory 1))''', RULES)
    assert [(f.rule_id, f.severity) for f in found] == [("export-grows-only-on-panic", Severity.INFO)]
    assert evidence_text(found[0].evidence[0]).startswith("module: `checked` reaches memory.grow only through panic handling")


def test_modules_without_names_show_func_indices():
    data = wat_to_wasm('''
      (module
        (memory 1)
        (func (result i32) (memory.grow (i32.const 1)))
        (func (result i32) (call 0))
        (func (export "run") (result i32) (call 1)))''')
    code_end = max(s.end for s in decode_module(data).sections if s.id)
    facts = analyze_module(data[:code_end])  # without the name section
    assert facts.has_names is False
    assert facts.export("run").path == ("run", "func[1]", "func[0]")
    assert facts.grow_sites[0].in_allocator is None
    assert any("no name section" in note for note in facts.notes)
    assert not [f for f in module_findings(facts, "m.wasm", RULES) if f.rule_id == "explicit-memory-grow"]


# --- allocators and host growth ----------------------------------------------------------------

def test_wasm_bindgen_allocator_entry_points_are_facts_not_errors():
    facts = facts_of('''
      (module
        (memory (export "memory") 17)
        (func $dlmalloc::malloc (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "__wbindgen_malloc") (param i32 i32) (result i32) (call $dlmalloc::malloc (local.get 0)))
        (func (export "__wbindgen_export_3") (param i32) (result i32) (call $dlmalloc::malloc (local.get 0)))
        (func (export "__wbindgen_export_4") (param i32))
        (func (export "render") (param i32) (result i32) (call $dlmalloc::malloc (local.get 0))))''')
    assert facts.allocator.entry_points == ("__wbindgen_malloc", "__wbindgen_export_3")
    assert facts.allocator.kind == "dlmalloc"
    errors = [f.symbol for f in module_findings(facts, "m.wasm", RULES) if f.rule_id == "export-reaches-memory-grow"]
    assert errors == ["render"]


def test_host_growth_import():
    facts = facts_of('''
      (module
        (import "a" "b" (func $emscripten_resize_heap (param i32) (result i32)))
        (import "env" "log" (func $log (param i32)))
        (memory (export "memory") 256)
        (func $sbrk (param i32) (result i32) (call $emscripten_resize_heap (local.get 0)))
        (func $malloc (param i32) (result i32) (call $sbrk (local.get 0)))
        (func (export "process") (param i32) (result i32) (call $malloc (local.get 0)))
        (func (export "log_it") (param i32) (call $log (local.get 0))))''')
    # The import's field name is minified; the name section still says what it is.
    assert facts.allocator.host_growth_imports == ("a.b",)
    assert facts.export("process").host_growth_path == ("process", "malloc", "sbrk", "emscripten_resize_heap")
    # No memory.grow in the module itself, yet it grows: the host grows memory in the import (issue 21).
    assert (facts.export("process").status, facts.export("process").path) == (GROWS, ())
    found = [f for f in module_findings(facts, "m.wasm", RULES) if f.rule_id == "host-grows-memory"]
    assert [(f.symbol, f.severity) for f in found] == [("process", Severity.WARNING)]


def test_host_growth_import_no_export_reaches_is_reported_once():
    found = findings_for_wat('''
      (module
        (import "env" "emscripten_resize_heap" (func (param i32) (result i32)))
        (memory 1 1)
        (func (export "noop")))''', RULES)
    assert [(f.rule_id, f.symbol) for f in found] == [("host-grows-memory", None)]


def test_memories_without_maximum():
    found = findings_for_wat('''
      (module
        (import "env" "memory" (memory 1))
        (memory $mine 2)
        (memory $exported 3 5)
        (export "exported" (memory $exported)))''', RULES)
    assert [(f.rule_id, tuple(map(evidence_text, f.evidence))) for f in found] == [
        ("memory-has-no-maximum", ("module: memory 0 (`env.memory`) starts at 1 pages and has no maximum",))]


# --- rules and output --------------------------------------------------------------------------

def test_deselected_rules_are_skipped_and_severity_comes_from_the_rule(compiler):
    facts = analyze_module_file(guest("greeting-alloc", compiler))
    demoted = dataclasses.replace(RULES["export-reaches-memory-grow"], severity=Severity.WARNING)
    only = {"export-reaches-memory-grow": demoted}
    found = module_findings(facts, "m.wasm", only)
    assert [(f.rule_id, f.severity) for f in found] == [("export-reaches-memory-grow", Severity.WARNING)]
    assert module_findings(facts, "m.wasm", {}) == []


@pytest.mark.parametrize("rule_id", sorted(MODULE_RULES))
def test_rule_file_cases(rule_id):
    rule = MODULE_RULES[rule_id]
    assert rule.why.strip() and rule.fix.strip()
    for case in rule.tests:
        found = [f for f in findings_for_wat(case.code, RULES) if f.rule_id == rule_id]
        if case.flagged:
            assert found, f"missing: {rule_id} reported nothing for case {case.name!r}"
        else:
            assert not found, f"noisy: {rule_id} flagged case {case.name!r}: {[f.message for f in found]}"


def test_to_dict_is_json_ready_with_stable_keys(compiler):
    facts = analyze_module_file(guest("greeting-alloc", compiler))
    data = facts.to_dict()
    assert list(data) == ["size", "functions", "has_names", "producers", "imports", "memories",
                          "grow_sites", "allocator", "exports", "notes"]
    assert json.loads(json.dumps(data)) == data
    set_name = next(e for e in data["exports"] if e["name"] == "set_name")
    assert set_name["status"] == "grows" and set_name["path"][0] == "set_name"
    assert data["memories"][0]["max_pages"] is None
    assert data["grow_sites"][0]["in_allocator"] is True
    assert json.dumps(analyze_module_file(guest("greeting-alloc", compiler)).to_dict()) == json.dumps(data)


def test_inspect_text(compiler):
    facts = analyze_module_file(guest("greeting-alloc", compiler))
    text = render_inspect_text(facts, "greeting_alloc.wasm")
    assert text.startswith("greeting_alloc.wasm: ")
    assert "memory 0: 17 pages initially, no maximum, exported as `memory`" in text
    assert "allocator: dlmalloc" in text
    assert "  set_name            grows: set_name -> " in text
    assert "  get_msg_ptr         no" in text
    assert "\x1b[" not in text


# --- loading -------------------------------------------------------------------------------------

def test_load_module_bytes_converts_text(tmp_path):
    text = tmp_path / "m.wat"
    text.write_text('(module (memory (export "memory") 1))')
    assert load_module_bytes(text).startswith(b"\0asm")
    textual = tmp_path / "m.wasm"  # text with a binary suffix is still recognised
    textual.write_text(';; comment\n(module)')
    assert load_module_bytes(textual).startswith(b"\0asm")


def test_load_errors_are_one_line_and_name_the_file(tmp_path):
    bad_text = tmp_path / "bad.wat"
    bad_text.write_text("(module\n  (func (i32.bogus)))")
    with pytest.raises(ModuleLoadError) as info:
        load_module_bytes(bad_text)
    assert str(info.value).startswith(f"{bad_text}: invalid WebAssembly text")
    assert "line 2:" in str(info.value) and "\n" not in str(info.value)

    with pytest.raises(ModuleLoadError, match="cannot read"):
        load_module_bytes(tmp_path / "missing.wasm")

    truncated = tmp_path / "truncated.wasm"
    truncated.write_bytes(guest("greeting-alloc").read_bytes()[:5000])
    with pytest.raises(ModuleLoadError) as info:
        analyze_module_file(truncated)
    assert str(info.value).startswith(f"{truncated}: malformed module: ")
    assert info.value.offset is not None and f"{info.value.offset:#x}" in str(info.value)
    assert "\n" not in str(info.value)


def test_name_classification():
    from wasmlint.module import analysis

    # The quick pre-tests must let every keyword through, or names would be missed.
    for keyword in analysis.PANIC_KEYWORDS:
        assert analysis.is_panic_name(f"x{keyword}x"), keyword
    for keyword in analysis.ALLOCATOR_KEYWORDS + ("malloc", "realloc", "calloc", "memalign", "aligned_alloc",
                                                  "talc", "brk"):
        assert analysis.is_allocator_name(keyword), keyword
    for prefix in analysis.ALLOCATOR_PREFIXES:
        assert analysis.is_allocator_name(prefix + "mallocgc")
    assert analysis.is_panic_name("_ZN4core9panicking9panic_fmt17h0123456789abcdefE")
    assert analysis.is_panic_name("_RNvNtCs1_4core9panicking18panic_bounds_check")
    assert not analysis.is_panic_name("set_name") and not analysis.is_allocator_name("set_name")
    assert not analysis.is_allocator_name("alloc::fmt::format")  # uses the allocator, is not one
    assert analysis.is_allocator_name("<dlmalloc::sys::System as dlmalloc::Allocator>::alloc")
    # A grow site inlined into Rust's allocation machinery is not "explicit".
    assert analysis.is_allocation_code("_ZN5alloc7raw_vec11finish_grow17h171cd5b151185aeeE")
    assert not analysis.is_allocation_code("grow_by_one_page")
