"""Run a runtime rule's WAT test case: run the module and compare with the module layer's prediction."""

from __future__ import annotations

import tempfile
from pathlib import Path

from wasmlint.findings import Finding
from wasmlint.runtime.client import run_module
from wasmlint.runtime.report import runtime_findings
from wasmlint.runtime.scenario import parse_scenario

SCENARIO_PREFIX = ";;! "  # a case's scenario TOML lives in WAT comments starting with this


def predicted_exports(data: bytes) -> set[str]:
    """Exports the module layer says can grow memory; empty when that layer is not available."""
    try:
        from wasmlint.module import analyze_module
    except ImportError:
        return set()
    facts = analyze_module(data)
    statuses = getattr(facts, "exports", {})
    pairs = statuses.items() if isinstance(statuses, dict) else ((e.name, e.status) for e in statuses)
    return {name for name, status in pairs if str(getattr(status, "value", status)) == "grows"}


def findings_for_wat(wat: str, rules) -> list[Finding]:
    """Runtime findings for a WAT snippet: smoke mode, or the scenario in its `;;! ` comment lines."""
    import wasmtime

    data = bytes(wasmtime.wat2wasm(wat))
    scenario_lines = [line.strip()[len(SCENARIO_PREFIX):] for line in wat.splitlines()
                      if line.strip().startswith(SCENARIO_PREFIX.strip())]
    scenario = parse_scenario("\n".join(scenario_lines), "case.wat") if scenario_lines else None
    with tempfile.TemporaryDirectory(prefix="wasmlint-case-") as directory:
        path = Path(directory) / "case.wasm"
        path.write_bytes(data)
        result = run_module(path, scenario)
    if result.error:
        raise RuntimeError(f"the runtime case did not run: {result.error}")
    findings, _ = runtime_findings(result, "case.wat", rules, predicted_exports(data))
    return findings
