"""Pinpointing: the memory-limit fallback when the module cannot be instrumented."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import guest_module

from wasmlint.runtime import load_scenario, run_module

GUESTS = Path(__file__).parent.parent / "guests"
WAT = Path(__file__).parent / "wat" / "runtime"


@pytest.fixture
def no_decoder(tmp_path, monkeypatch):
    # The worker is a fresh interpreter: hide the module layer's decoder from it at start-up.
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['wasmlint.module.decoder'] = None\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))


def test_fallback_freezes_memory_and_reports_the_allocation_failure_path(no_decoder, compiler):
    module = guest_module("greeting-alloc", compiler)
    result = run_module(module, load_scenario(GUESTS / "greeting-alloc" / "scenario.toml"))
    assert result.pinpoint_method == "memory-limit"
    assert "the module decoder is not available" in " ".join(result.notes)
    names = [frame.name for frame in result.paths["set_name"]]
    assert names[0] == "set_name"
    assert any("handle_alloc_error" in name for name in names)  # Rust aborts when growth fails


def test_fallback_says_so_when_the_module_survives_refused_growth(no_decoder):
    result = run_module(WAT / "indirect_growth.wat")
    assert result.grown_exports == ["later"]
    assert result.paths == {}
    assert any("could not pinpoint the growth of `later`" in note for note in result.notes)
