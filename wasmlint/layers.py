"""Run the module layer, and with --confirm the runtime layer, on each compiled module of a check."""

from __future__ import annotations

from pathlib import Path

from wasmlint.discover import Crate, display_path
from wasmlint.findings import Finding, Report, RunError
from wasmlint.module import GROWS, ModuleLoadError, analyze_module_file, module_findings

SCENARIO_FILE = "scenario.toml"


def _scenarios_for(module: Path, crate: Crate | None, options) -> list[Path | None]:
    """--scenario, else the configured ones, else `scenario.toml` beside the crate's Cargo.toml
    (or beside a module file given directly); [None] means smoke calls."""
    if options.scenario is not None:
        return [options.scenario]
    if options.scenarios:
        return list(options.scenarios)
    folder = crate.root if crate is not None else module.parent
    return [folder / SCENARIO_FILE] if (folder / SCENARIO_FILE).is_file() else [None]


def module_and_runtime(
    modules: list[tuple[Path, Crate | None]],
    rules_of,
    options,
    report: Report,
    predicted_by_source: set[str],
) -> tuple[list[Finding], list[Finding], dict[str, str]]:
    """Module findings, runtime findings and export -> runtime evidence line, for every module.

    `rules_of(crate)` gives the rules in force for the crate a module was built from (None: given
    with --wasm)."""
    module_out: list[Finding] = []
    runtime_out: list[Finding] = []
    evidence: dict[str, str] = {}
    for path, crate in modules:
        rules = rules_of(crate)
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
        from wasmlint.runtime import ScenarioError, load_scenario, run_module, runtime_findings, unchecked

        predicted = predicted_by_source | {e.name for e in facts.exports if e.status == GROWS}
        for scenario_path in _scenarios_for(path, crate, options):
            try:
                scenario = load_scenario(scenario_path) if scenario_path is not None else None
            except ScenarioError as exc:
                message = str(exc).removeprefix(f"{scenario_path}: ")
                report.errors.append(RunError(display_path(scenario_path), message))
                continue
            result = run_module(path, scenario)
            if result.error:
                report.errors.append(RunError(label, f"runtime: {result.error}"))
                continue
            if (problem := unchecked(result)) is not None:
                report.errors.append(RunError(label, f"runtime: {problem}"))  # its findings still count
            found, lines = runtime_findings(result, where, rules, predicted)
            runtime_out.extend(found)
            for export, line in lines.items():
                evidence.setdefault(export, line)
    return module_out, runtime_out, evidence
