"""Run the module layer, and with --confirm the runtime layer, on each compiled module of a check.

Called by `check.py` only; it returns its findings, errors and notes as plain data (ModuleResults)
and changes nothing it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wasmlint.cache import ResultCache, digest, result_key
from wasmlint.discover import Crate, display_path, named_path
from wasmlint.findings import Finding, RunError
from wasmlint.merge import ModuleVerdicts
from wasmlint.module import GROWS, ModuleFacts, ModuleLoadError, analyze_loaded_module, load_module_bytes, module_findings
from wasmlint.options import CheckOptions
from wasmlint.parallel import file_size, parallel_map
from wasmlint.reading import is_file, leads_out
from wasmlint.rules import Rule

if TYPE_CHECKING:
    from wasmlint.host.embedded import EmbeddedModule, ModuleSource
    from wasmlint.runtime import RuntimeEvidence

SCENARIO_FILE = "scenario.toml"
# Below this much module code, decoding here is faster than starting workers (it runs at about
# 20 MB/s; a worker costs a fork and a pipe).
MODULE_BYTES_WORTH_A_WORKER = 4_000_000


def _scenarios_for(module: Path, crate: Crate | None, options: CheckOptions, notes: list[str]) -> list[Path | None]:
    """--scenario, else the configured ones, else `scenario.toml` beside the crate's Cargo.toml
    (or beside a module file given directly); [None] means smoke calls. A `scenario.toml` that
    is a symlink leading out of the project is not read (one of `notes` says so)."""
    if options.scenario is not None:
        return [options.scenario]
    if options.scenarios:
        return list(options.scenarios)
    folder = crate.root if crate is not None else module.parent
    beside = folder / SCENARIO_FILE
    if not is_file(beside):
        return [None]
    if leads_out(beside):
        notes.append(f"{display_path(folder)}/{SCENARIO_FILE}: leads outside the project; not read")
        return [None]
    return [beside]


def module_facts(source: ModuleSource, cache_dir: Path | None,
                 host_growth: Mapping[str, str | None] | None = None) -> ModuleFacts:
    """What the module layer sees in one module (a file, or one embedded in a host's text), from
    the results cache when its bytes were analysed before. `host_growth`: the imports its host's
    JavaScript grows memory in (see `host.run.growth_by_module`); those whose grown object is an
    export count when that export is the module's memory. Raises ModuleLoadError naming the file,
    or EmbeddedModuleError (with the host's line) for an embedded module."""
    if isinstance(source, Path):
        return facts_of_bytes(load_module_bytes(source), str(source), cache_dir, host_growth)
    from wasmlint.host.embedded import embedded_module_bytes

    return facts_of_bytes(embedded_module_bytes(source), source.label(), cache_dir, host_growth)


def facts_of_bytes(data: bytes, label: str, cache_dir: Path | None,
                   host_growth: Mapping[str, str | None] | None = None) -> ModuleFacts:
    """`module_facts` of a module's bytes, wherever they were read from (`label` names it)."""

    def facts(growth: frozenset[str]) -> ModuleFacts:
        if cache_dir is None:
            return analyze_loaded_module(data, label, growth)
        key = result_key("module", digest(data), *([sorted(growth)] if growth else []))
        return ResultCache(cache_dir).get_or_compute(key, ModuleFacts, lambda: analyze_loaded_module(data, label, growth))

    found = facts(frozenset())
    if host_growth:
        memories = {name for memory in found.memories for name in memory.exported_as}
        growth = frozenset(key for key, export in host_growth.items() if export is None or export in memories)
        if growth:
            found = facts(growth)
    return found


def verdicts_of(facts: ModuleFacts, label: str) -> ModuleVerdicts:
    """Whether each exported function of a module reaches memory.grow: grows, panic-only or no."""
    return ModuleVerdicts(label, {export.name: export.status for export in facts.exports
                                   if export.kind == "func" and export.status is not None})


def facts_or_error(source: ModuleSource, cache_dir: Path | None,
                   host_growth: Mapping[str, str | None] | None = None) -> ModuleFacts | RunError:
    # A RunError, not the exception: it crosses back from a worker process as plain data.
    from wasmlint.host.embedded import EmbeddedModuleError

    try:
        return module_facts(source, cache_dir, host_growth)
    except ModuleLoadError as exc:
        if not isinstance(source, Path):  # the module's own fault, placed on the host's literal
            where = f" at byte offset {exc.offset:#x} of the module" if exc.offset is not None else ""
            return RunError(display_path(source.host), f"embedded module: {exc.message}{where}",
                            source.literal.line, source.literal.column)
        return RunError(display_path(source), exc.message, offset=exc.offset)
    except EmbeddedModuleError as exc:
        assert not isinstance(source, Path)
        return RunError(display_path(source.host), exc.message, exc.line, exc.column)
    except Exception as exc:  # a bug of ours on odd input: lose this module, not the whole run
        shown = display_path(source) if isinstance(source, Path) else source.label()
        return RunError(shown, f"internal error, module not analysed ({type(exc).__name__}: {exc}); please report it")


def _all_module_facts(paths: list[Path], options: CheckOptions,
                      host_growth: Mapping[Path | EmbeddedModule, Mapping[str, str | None]]) -> list[ModuleFacts | RunError]:
    """Each module's facts, in order; several modules are decoded in parallel with -j."""
    return parallel_map(lambda path: facts_or_error(path, options.cache_dir, host_growth.get(path.resolve())),
                        paths, jobs=options.jobs,
                        failed=lambda path, why: RunError(display_path(path), f"module not analysed: {why}"),
                        size=file_size, serial_below=MODULE_BYTES_WORTH_A_WORKER)


@dataclass
class ModuleResults:
    """What the module and runtime layers found in every module of a check."""

    module_findings: list[Finding] = field(default_factory=list)
    runtime_findings: list[Finding] = field(default_factory=list)
    evidence: RuntimeEvidence | None = None  # what the runtime layer saw of each export; None without --confirm
    errors: list[RunError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Each module's word on its exported functions, with the crate it was built from (None: given
    # or found alone): the merge lets it decide the source findings of that crate.
    verdicts: list[tuple[Path, Crate | None, ModuleVerdicts]] = field(default_factory=list)


def module_and_runtime(
    modules: Sequence[tuple[Path, Crate | None]],
    rules_of: Callable[[Crate | None], dict[str, Rule]],
    options: CheckOptions,
    predicted_by_source: set[str],
    host_growth: Mapping[Path | EmbeddedModule, Mapping[str, str | None]] | None = None,
) -> ModuleResults:
    """Module findings, runtime findings and what the runtime layer saw of every exported function
    (None without --confirm), for every module.

    `rules_of(crate)` gives the rules in force for the crate a module was built from (None: given
    with --wasm); `host_growth` the imports that the hosts loading each module grow memory in."""
    results = ModuleResults()
    module_out = results.module_findings
    runtime_out = results.runtime_findings
    evidence: RuntimeEvidence | None = None
    if options.confirm:
        from wasmlint.runtime import RuntimeEvidence

        evidence = results.evidence = RuntimeEvidence()
    all_facts = _all_module_facts([path for path, _ in modules], options, host_growth or {})
    for (path, crate), facts in zip(modules, all_facts):
        if isinstance(facts, RunError):
            results.errors.append(facts)
            continue
        rules = rules_of(crate)
        label = display_path(path)
        # A module wasmlint built lives in the cache: report on the crate's Cargo.toml instead, a
        # path inside the project that stays the same between runs.
        where = label
        if crate is not None and crate.manifest is not None and Path(label).is_absolute():
            where = display_path(crate.manifest)
        module_out.extend(module_findings(facts, where, rules))
        results.verdicts.append((path, crate, verdicts_of(facts, label)))
        if not options.confirm:
            continue
        from wasmlint.runtime import (ScenarioError, export_evidence, load_scenario, run_module, runtime_findings,
                                      unchecked)

        # Whose source findings this module's runs speak for: its crate's; a module given with
        # --wasm, every crate's; a module found on its own, the findings in its folder.
        scope: str | None
        if crate is not None:
            scope = display_path(crate.root)
        else:
            scope = None if path in options.wasm else display_path(path.parent)

        predicted = predicted_by_source | {e.name for e in facts.exports if e.status == GROWS}
        functions = [e.name for e in facts.exports if e.kind == "func"]
        for scenario_path in _scenarios_for(path, crate, options, results.notes):
            try:
                scenario = load_scenario(scenario_path) if scenario_path is not None else None
            except ScenarioError as exc:
                assert scenario_path is not None  # only a scenario file read raises it
                message = str(exc).removeprefix(f"{scenario_path}: ")
                results.errors.append(RunError(named_path(scenario_path), message))  # a link as itself
                continue
            result = run_module(path, scenario)
            if result.error:
                results.errors.append(RunError(label, f"runtime: {result.error}"))
                if not result.steps:
                    continue  # else the calls made before the run went wrong still count
            elif (problem := unchecked(result)) is not None:
                results.errors.append(RunError(label, f"runtime: {problem}"))  # its findings still count
            found, _ = runtime_findings(result, where, rules, predicted)
            runtime_out.extend(found)
            label_of_scenario = display_path(scenario_path) if scenario_path is not None else None
            assert evidence is not None  # options.confirm
            evidence.add(where, scope, export_evidence(result, functions, label_of_scenario))
    return results
