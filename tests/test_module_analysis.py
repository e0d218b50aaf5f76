"""Module facts and findings: export reachability, panic-only paths, allocators, memories, rules."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from wasmlint.findings import Layer, Severity
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


def guest(name: str) -> Path:
    from test_module_objdump import guest_modules

    return guest_modules()[name]


def facts_of(text: str):
    return analyze_module(wat_to_wasm(text))


def statuses(facts) -> dict[str, str]:
    return {e.name: e.status for e in facts.exports if e.kind == "func"}


# --- the guests ----------------------------------------------------------------------------------

def test_greeting_alloc_set_name_grows_through_the_allocator():
    facts = analyze_module_file(guest("greeting-alloc"))
    set_name = facts.export("set_name")
    assert set_name.status == GROWS
    assert set_name.path[0] == "set_name"
    assert "__rust_alloc" in set_name.path
    assert set_name.path[-1] == "<dlmalloc::sys::System as dlmalloc::Allocator>::alloc"
    assert [site.function for site in facts.grow_sites] == [set_name.path[-1]]
    assert facts.grow_sites[0].in_allocator is True
    assert {name: s for name, s in statuses(facts).items() if name != "set_name"} == {
        "get_salutation_ptr": NO, "get_name_ptr": NO, "get_msg_ptr": NO}
    assert facts.allocator.kind == "dlmalloc"
    assert facts.languages == ["Rust"] and facts.processed_by[0].startswith("rustc ")
    memory = facts.memories[0]
    assert (memory.min_pages, memory.max_pages, memory.exported_as) == (17, None, ["memory"])


def test_greeting_static_only_grows_on_panic():
    facts = analyze_module_file(guest("greeting-static"))
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


def test_export_forms_direct_memory_grow_is_explicit():
    facts = analyze_module_file(guest("export-forms"))
    assert facts.export("grow_by_one_page").status == GROWS
    assert facts.export("ping").status == NO
    explicit = [f for f in module_findings(facts, "export_forms.wasm", RULES) if f.rule_id == "explicit-memory-grow"]
    assert [(f.symbol, f.call_path) for f in explicit] == [("grow_by_one_page", ("grow_by_one_page",))]


def test_findings_for_greeting_alloc():
    facts = analyze_module_file(guest("greeting-alloc"))
    found = module_findings(facts, "target/greeting_alloc.wasm", RULES)
    by_rule = {f.rule_id: f for f in found}
    assert set(by_rule) == {"export-reaches-memory-grow", "memory-has-no-maximum"}
    grows = by_rule["export-reaches-memory-grow"]
    assert (grows.severity, grows.layer, grows.symbol, grows.path) == (
        Severity.ERROR, Layer.MODULE, "set_name", "target/greeting_alloc.wasm")
    assert (grows.line, grows.column, grows.end_line, grows.end_column) == (1, 1, 1, 1)
    assert grows.call_path == facts.export("set_name").path
    assert grows.evidence == (f"module: `set_name` reaches memory.grow via {' -> '.join(grows.call_path)}",)
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
    assert found[0].evidence[0].startswith("module: `checked` reaches memory.grow only through panic handling")


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
    assert facts.export("process").status == NO  # no memory.grow in the module itself
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
    assert [(f.rule_id, f.evidence) for f in found] == [
        ("memory-has-no-maximum", ("module: memory 0 (`env.memory`) starts at 1 pages and has no maximum",))]


# --- rules and output --------------------------------------------------------------------------

def test_deselected_rules_are_skipped_and_severity_comes_from_the_rule():
    facts = analyze_module_file(guest("greeting-alloc"))
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


def test_to_dict_is_json_ready_with_stable_keys():
    facts = analyze_module_file(guest("greeting-alloc"))
    data = facts.to_dict()
    assert list(data) == ["size", "functions", "has_names", "producers", "imports", "memories",
                          "grow_sites", "allocator", "exports", "notes"]
    assert json.loads(json.dumps(data)) == data
    set_name = next(e for e in data["exports"] if e["name"] == "set_name")
    assert set_name["status"] == "grows" and set_name["path"][0] == "set_name"
    assert data["memories"][0]["max_pages"] is None
    assert data["grow_sites"][0]["in_allocator"] is True
    assert json.dumps(analyze_module_file(guest("greeting-alloc")).to_dict()) == json.dumps(data)


def test_inspect_text():
    facts = analyze_module_file(guest("greeting-alloc"))
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
