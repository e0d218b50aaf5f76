"""Run the module layer, and with --confirm the runtime layer, on each compiled module of a check."""

from __future__ import annotations

from pathlib import Path

from wasmlint.discover import Crate, display_path
from wasmlint.findings import Finding, Report, RunError
from wasmlint.module import GROWS, ModuleLoadError, analyze_module_file, module_findings
from wasmlint.rules import Rule

SCENARIO_FILE = "scenario.toml"


def _scenario_for(crate: Crate | None, options) -> Path | None:
    """--scenario, else the configured scenarios, else `scenario.toml` beside the crate's Cargo.toml."""
    if options.scenario is not None:
        return options.scenario
    if options.scenarios:
        return options.scenarios[0]
    if crate is not None and (crate.root / SCENARIO_FILE).is_file():
        return crate.root / SCENARIO_FILE
    return None


def module_and_runtime(
    modules: list[tuple[Path, Crate | None]],
    rules: dict[str, Rule],
    options,
    report: Report,
    predicted_by_source: set[str],
) -> tuple[list[Finding], list[Finding], dict[str, str]]:
    """Module findings, runtime findings and export -> runtime evidence line, for every module."""
    module_out: list[Finding] = []
    runtime_out: list[Finding] = []
    evidence: dict[str, str] = {}
    for path, crate in modules:
        label = display_path(path)
        try:
            facts = analyze_module_file(path)
        except ModuleLoadError as exc:
            report.errors.append(RunError(label, exc.message, offset=exc.offset))
            continue
        # A module wasmlint built lives in the cache: report on the crate's Cargo.toml instead, a
        # path inside the project that stays the same between runs.
        where = label
        if crate is not None and crate.manifest is not None and Path(label).is_absolute():
            where = display_path(crate.manifest)
        module_out.extend(module_findings(facts, where, rules))
        if not options.confirm:
            continue
        from wasmlint.runtime import ScenarioError, load_scenario, run_module, runtime_findings

        scenario_path = _scenario_for(crate, options)
        try:
            scenario = load_scenario(scenario_path) if scenario_path is not None else None
        except ScenarioError as exc:
            report.errors.append(RunError(display_path(scenario_path), str(exc)))
            continue
        result = run_module(path, scenario)
        if result.error:
            report.errors.append(RunError(label, f"runtime: {result.error}"))
            continue
        predicted = predicted_by_source | {e.name for e in facts.exports if e.status == GROWS}
        found, lines = runtime_findings(result, where, rules, predicted)
        runtime_out.extend(found)
        evidence.update(lines)
    return module_out, runtime_out, evidence
