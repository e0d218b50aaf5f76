"""Runtime findings, evidence lines, `wasmlint run` text, and the runtime rules' own WAT cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wasmlint.findings import Layer, Severity
from wasmlint.reporters.evidence import evidence_text
from wasmlint.rules import builtin_rules
from wasmlint.runtime import (RunResult, findings_for_wat, load_scenario, render_run_text, run_module,
                              runtime_findings)
from wasmlint.runtime.result import ExportGrowth, Frame, StepRecord

WAT = Path(__file__).parent / "wat" / "runtime"
RUNTIME_CASES = [
    pytest.param(rule, case, id=f"{rule.id}::{case.name}")
    for rule in builtin_rules().values() if rule.layer is Layer.RUNTIME
    for case in rule.tests
]


@pytest.mark.parametrize("rule, case", RUNTIME_CASES)
def test_runtime_rule_cases(rule, case):
    hits = [f for f in findings_for_wat(case.code, builtin_rules()) if f.rule_id == rule.id]
    if case.flagged:
        assert hits, f"missing: {rule.id} did not flag case {case.name}"
    else:
        assert not hits, f"noisy: {rule.id} flagged ok case {case.name}: {hits[0].message}"


def test_every_runtime_rule_has_flag_and_ok_cases():
    rules = [rule for rule in builtin_rules().values() if rule.layer is Layer.RUNTIME]
    assert {rule.id for rule in rules} >= {"runtime-growth", "runtime-unsupported", "scenario-expectation-failed"}
    for rule in rules:
        assert any(c.flagged for c in rule.tests) and any(not c.flagged for c in rule.tests), rule.id


def synthetic() -> RunResult:
    steps = [
        StepRecord("call", 0, step=0, export="push", args=(3,), result=(0,), pages_before=17, pages_after=18,
                   first_call=True, call_number=1),
        StepRecord("call", 0, step=0, export="push", args=(3,), result=(0,), pages_before=18, pages_after=18,
                   call_number=2),
        StepRecord("call", 0, step=0, export="push", args=(3,), result=(0,), pages_before=18, pages_after=19,
                   call_number=3),
    ]
    return RunResult(module="m.wasm", mode="scenario", scenario="s.toml", steps=steps,
                     growth={"push": ExportGrowth("push", 1, 1, 2, 1)},
                     paths={"push": [Frame("push", 1, "src/lib.rs:9:5"), Frame("memory.grow", 4)]},
                     pinpoint_method="instrument", failures=["steps[1] (read 64): expected 'a', read 'b'"])


def test_evidence_mentions_first_and_later_calls():
    _, evidence = runtime_findings(synthetic(), "src/lib.rs", builtin_rules(), {"push"})
    assert {export: evidence_text(seen) for export, seen in evidence.items()} == {
        "push": "runtime: push(3) grew memory 17 -> 18 pages on its first call; a repeat call grew 1 of 2 times (confirmed)"}


def test_unpredicted_growth_and_failures_become_findings():
    findings, _ = runtime_findings(synthetic(), "m.wasm", builtin_rules(), set())
    growth, failure = findings
    assert growth.rule_id == "runtime-growth" and growth.layer is Layer.RUNTIME
    assert growth.severity is Severity.WARNING and growth.confirmed
    assert (growth.path, growth.line, growth.column, growth.end_line, growth.end_column) == ("m.wasm", 1, 1, 1, 1)
    assert growth.call_path == ("push", "memory.grow")
    assert growth.message == ("`push` grew linear memory at runtime (push(3): 17 -> 18 pages), "
                              "though no static layer reported it as growing")
    assert failure.rule_id == "scenario-expectation-failed" and failure.severity is Severity.ERROR
    assert failure.message == "scenario expectation failed: steps[1] (read 64): expected 'a', read 'b'"


def test_deselected_rules_produce_nothing():
    rules = {k: v for k, v in builtin_rules().items() if not k.startswith(("runtime-", "scenario-"))}
    assert runtime_findings(synthetic(), "m.wasm", rules, set())[0] == []


def test_unsupported_is_a_note():
    result = RunResult(module="m.wasm", unsupported="the custom page sizes proposal must be enabled")
    (finding,) = runtime_findings(result, "m.wasm", builtin_rules(), set())[0]
    assert finding.rule_id == "runtime-unsupported" and finding.severity is Severity.INFO
    assert "custom page sizes" in finding.message
    assert "unsupported: the runtime layer cannot run this module" in render_run_text(result)


def test_run_result_survives_json():
    result = synthetic()
    assert RunResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_run_text_for_a_smoke_run_says_results_are_hints():
    text = render_run_text(run_module(WAT / "indirect_growth.wat"))
    assert "smoke mode" in text and "hints" in text
    assert "GREW 1 -> 2 pages (later call)" in text
    assert "on a later call (call 2)" in text


def test_smoke_text_marks_the_first_call_and_the_repeat():
    text = render_run_text(run_module(WAT / "indirect_growth.wat", pinpoint=False))
    assert "each export is called on it twice: `first`, then `again`" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("  #")]
    assert [row[:3] for row in rows[:4]] == [["#0", "first", "later()"], ["#0", "again", "later()"],
                                             ["#1", "first", "quiet(0)"], ["#1", "again", "quiet(0)"]]


def test_scenario_text_has_no_smoke_markers(tmp_path):
    module = tmp_path / "m.wat"
    module.write_text('(module (func (export "f") (result i32) (i32.const 7)))')
    plan = tmp_path / "scenario.toml"
    plan.write_text("[[steps]]\ncall = 'f'\nrepeat = 2\n")
    text = render_run_text(run_module(module, load_scenario(plan)))
    assert "first" not in text and "again" not in text
    assert [line.split()[:2] for line in text.splitlines() if line.startswith("  [")] == [["[0]", "f()"]] * 2


def test_worker_errors_render_plainly():
    text = render_run_text(RunResult(module="m.wasm", error="the runtime worker crashed (killed by SIGKILL)"))
    assert text == "wasmlint run: m.wasm (smoke mode)\n  error: the runtime worker crashed (killed by SIGKILL)\n"
