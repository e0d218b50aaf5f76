"""The greeting scenario on the three greeting guests: same exchange everywhere, growth only with `format!`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import guest_module, unavailable
from guest_builds import CompilerMissing, build_guest
from wasmlint import toolchain

from wasmlint.reporters.evidence import evidence_text
from wasmlint.runtime import load_scenario, render_run_text, run_module, runtime_findings

GUESTS = Path(__file__).parent.parent / "guests"


@pytest.fixture(scope="module")
def runs(compiler):
    results = {}
    for name in ("greeting-alloc", "greeting-static", "greeting-wat"):
        results[name] = run_module(guest_module(name, compiler), load_scenario(GUESTS / name / "scenario.toml"))
    return results


@pytest.mark.parametrize("name", ["greeting-alloc", "greeting-static", "greeting-wat"])
def test_the_scenario_passes_on_every_guest(runs, name):
    result = runs[name]
    assert result.error is None and result.unsupported is None
    assert result.failures == []
    (read,) = [r for r in result.steps if r.kind == "read"]
    assert read.result == ("'Ahoy there, Testy McTestface!'",)


@pytest.mark.parametrize("name", ["greeting-static", "greeting-wat"])
def test_static_guests_never_grow(runs, name):
    result = runs[name]
    assert result.grown_exports == []
    assert all(r.pages_before == r.pages_after == 17 for r in result.steps)


def test_greeting_alloc_grows_on_the_first_set_name_call(runs):
    result = runs["greeting-alloc"]
    assert result.grown_exports == ["set_name"]
    (call,) = [r for r in result.steps if r.export == "set_name"]
    assert (call.pages_before, call.pages_after, call.first_call) == (17, 18, True)
    assert result.growth["set_name"].first_calls_grew == 1


def test_greeting_alloc_growth_is_pinpointed_into_the_allocator(runs):
    result = runs["greeting-alloc"]
    names = [frame.name for frame in result.paths["set_name"]]
    assert names[0] == "set_name"
    assert any("format" in name for name in names)
    assert any("rust_alloc" in name for name in names)
    if result.pinpoint_method == "instrument":
        assert names[-1] == "memory.grow"
        assert any("dlmalloc" in name for name in names)


def test_greeting_alloc_evidence_and_findings(runs):
    result = runs["greeting-alloc"]
    from wasmlint.rules import builtin_rules

    findings, evidence = runtime_findings(result, "guests/greeting-alloc/src/lib.rs", builtin_rules(), {"set_name"})
    assert findings == []  # the static layers predicted it: the runtime only confirms
    assert {export: evidence_text(seen) for export, seen in evidence.items()} == {
        "set_name": "runtime: set_name(10, 16) grew memory 17 -> 18 pages on its first call (confirmed)"}
    findings, _ = runtime_findings(result, "m.wasm", builtin_rules(), set())
    (finding,) = findings
    assert finding.rule_id == "runtime-growth" and finding.symbol == "set_name" and finding.confirmed
    assert finding.call_path[0] == "set_name"


def test_run_text_shows_each_step_and_the_path(runs):
    text = render_run_text(runs["greeting-alloc"])
    assert "set_name(10, 16)" in text and "GREW 17 -> 18 pages (first call)" in text
    assert "scenario: all expectations held" in text
    assert "-> " in text.split("path (")[1]


def test_debug_build_maps_the_path_to_source_lines(tmp_path, monkeypatch, compiler):
    if compiler.current:
        try:
            module = build_guest(GUESTS / "greeting-alloc", compiler, debug_info=True)["greeting-alloc"]
        except CompilerMissing as exc:
            unavailable(str(exc))
    else:
        monkeypatch.setenv("CARGO_PROFILE_RELEASE_DEBUG", "1")
        try:
            (artifact,) = toolchain.build(GUESTS / "greeting-alloc", target_dir=tmp_path / "target")
        except toolchain.ToolchainError as exc:
            unavailable(str(exc))
        module = artifact.path
    result = run_module(module, load_scenario(GUESTS / "greeting-alloc" / "scenario.toml"))
    first = result.paths["set_name"][0]
    assert first.name == "set_name"
    assert first.location is not None and first.location.split(":")[0].endswith("greeting-alloc/src/lib.rs")
    assert "src/lib.rs:" in render_run_text(result)
