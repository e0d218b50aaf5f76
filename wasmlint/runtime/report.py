"""Present a RunResult: the text of `wasmlint run`, evidence lines, and runtime findings."""

from __future__ import annotations

import dataclasses

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wasmlint.evidence import Outcome, RuntimeObservation, Unreproduced
from wasmlint.findings import Finding, Span
from wasmlint.registry import (
    EXPORT_GROWS_ONLY_ON_PANIC, HOST_GROWS_MEMORY, RUNTIME_GROWTH, RUNTIME_UNSUPPORTED, SCENARIO_EXPECTATION_FAILED,
)
from wasmlint.reporters.evidence import evidence_text
from wasmlint.rules import Rule
from wasmlint.runtime.result import ExportGrowth, RunResult, StepRecord
from wasmlint.terminal import visible


def growth_observation(result: RunResult, export: str) -> RuntimeObservation | None:
    """What the run saw of an export that grew memory: its first growing call, and how often first
    and repeat calls grew; None when it did not grow."""
    record = result.first_growth(export)
    if record is None:
        return None
    growth = result.growth.get(export) or ExportGrowth(export)
    return RuntimeObservation(export, Outcome.GREW, smoke=result.mode == "smoke", scenario=result.scenario,
                              call=record.call_text(), pages_before=record.pages_before,
                              pages_after=record.pages_after, first_call=record.first_call,
                              call_number=record.call_number, first_calls=growth.first_calls,
                              first_calls_grew=growth.first_calls_grew, later_calls=growth.later_calls,
                              later_calls_grew=growth.later_calls_grew)


def for_finding(seen: RuntimeObservation, rule_id: str) -> RuntimeObservation:
    """What a run saw, as evidence on a finding of `rule_id`: a finding that predicts growth the
    run did not reproduce also says how to make a run reach it."""
    if seen.grew or not seen.called or rule_id == EXPORT_GROWS_ONLY_ON_PANIC:
        return seen
    how = Unreproduced.STUB_IMPORTS if rule_id == HOST_GROWS_MEMORY else Unreproduced.NEEDS_STEPS
    return dataclasses.replace(seen, unreproduced=how)


def _rank(seen: RuntimeObservation) -> int:
    """Which to keep when several runs saw the export: growth, then a call, then no call."""
    return 2 if seen.grew else 1 if seen.called else 0


@dataclass
class RuntimeEvidence:
    """What the runtime layer saw of each export of each module it ran, and which findings that
    speaks for: a module's own findings, and the source findings of the crate it was built from
    (of every crate checked, for a module given with --wasm). Two crates may export one name."""

    by_module: dict[str, dict[str, RuntimeObservation]] = field(default_factory=dict)  # module label -> export ->
    crate_of: dict[str, str | None] = field(default_factory=dict)  # module label -> crate folder (None: any)

    def add(self, module: str, crate: str | None, seen: Mapping[str, RuntimeObservation]) -> None:
        """Record one run; of several runs of an export (one per scenario), keep what says the most."""
        self.crate_of[module] = crate
        known = self.by_module.setdefault(module, {})
        for export, observation in seen.items():
            if export not in known or _rank(observation) > _rank(known[export]):
                known[export] = observation

    def exports(self) -> set[str]:
        return {export for seen in self.by_module.values() for export in seen}

    def seen(self, export: str, path: str, *, module: str | None = None) -> RuntimeObservation | None:
        """The evidence for a finding on `export`: of `module` for a module's own finding, else of
        the modules whose crate holds `path`."""
        found = None
        for label, seen in self.by_module.items():
            if module is not None:
                applies = label == module
            else:
                crate = self.crate_of.get(label)
                applies = crate is None or crate == "." or path == crate or path.startswith(crate + "/")
            observation = seen.get(export) if applies else None
            if observation is not None and (found is None or _rank(observation) > _rank(found)):
                found = observation
        return found


def export_evidence(result: RunResult, exports: Iterable[str], scenario: str | None = None
                    ) -> dict[str, RuntimeObservation]:
    """For each exported function, what the run saw of it: the growth, calls that did not grow,
    calls that trapped, or no call at all. `scenario` names the scenario file in advice (default:
    the result's own). Nothing when the run could not run the module."""
    if result.error or result.unsupported:
        return {}
    scenario = scenario or result.scenario
    smoke = result.mode == "smoke"
    start = next((record for record in result.steps if record.kind == "start"), None)
    seen: dict[str, RuntimeObservation] = {}
    for export in exports:
        calls = result.calls_of(export)
        returned = [record for record in calls if record.trap is None]
        observed = None
        if result.growth.get(export) is not None and result.growth[export].grew:
            observed = growth_observation(result, export)
        if observed is not None:
            seen[export] = observed
        elif returned:
            first = returned[0]
            seen[export] = RuntimeObservation(export, Outcome.NO_GROWTH, smoke, scenario, call=first.call_text(),
                                              pages_before=first.pages_before, pages_after=first.pages_after,
                                              other_calls=len(returned) - 1)
        elif calls:
            first = calls[0]
            seen[export] = RuntimeObservation(export, Outcome.TRAPPED, smoke, scenario, call=first.call_text(),
                                              pages_before=first.pages_before, detail=first.trap or "")
        elif export in result.uncalled:
            seen[export] = RuntimeObservation(export, Outcome.SKIPPED, smoke, scenario, detail=result.uncalled[export])
        elif start is not None:
            seen[export] = RuntimeObservation(export, Outcome.NOT_INSTANTIATED, smoke, scenario,
                                              detail=start.trap or "")
        else:
            seen[export] = RuntimeObservation(export, Outcome.NOT_CALLED, smoke, scenario)
    return seen


def _rules_by_id(rules: Mapping[str, Rule] | Iterable[Rule]) -> dict[str, Rule]:
    if isinstance(rules, Mapping):
        return dict(rules)
    return {rule.id: rule for rule in rules}


def runtime_findings(result: RunResult, module_path: str, rules: Mapping[str, Rule] | Iterable[Rule],
                     predicted_exports: set[str]) -> tuple[list[Finding], dict[str, RuntimeObservation]]:
    """New runtime findings, and export -> what the run saw of every export whose growth was observed."""
    by_id = _rules_by_id(rules)
    findings: list[Finding] = []
    at = Span(module_path)
    evidence = {export: seen for export in result.grown_exports if (seen := growth_observation(result, export))}
    if result.unsupported and RUNTIME_UNSUPPORTED in by_id:
        findings.append(by_id[RUNTIME_UNSUPPORTED].finding(at, {"reason": result.unsupported}))
    if RUNTIME_GROWTH in by_id:
        rule = by_id[RUNTIME_GROWTH]
        for export in result.grown_exports:
            record = result.first_growth(export)
            if export in predicted_exports or record is None:
                continue
            frames = result.paths.get(export, [])
            findings.append(rule.finding(
                at,
                {"export": export, "call": record.call_text(), "before": str(record.pages_before),
                 "after": str(record.pages_after)},
                symbol=export,
                call_path=tuple(frame.name for frame in frames),
                evidence=(evidence[export],) if export in evidence else (),
                confirmed=True,
            ))
    if SCENARIO_EXPECTATION_FAILED in by_id and result.scenario:
        rule = by_id[SCENARIO_EXPECTATION_FAILED]
        for failure in result.failures:
            findings.append(rule.finding(at, {"failure": failure, "scenario": result.scenario}))
    return findings, evidence


def unchecked(result: RunResult) -> str | None:
    """In smoke mode, what the run could not check, in one line: an instance that could not be
    created, or calls a sandbox limit stopped (their growth is unknown); None when all ran.
    (A scenario reports the same as failed steps.)"""
    if result.mode != "smoke":
        return None
    stopped: dict[str, StepRecord] = {}
    for record in result.steps:
        if record.kind == "start":
            return f"the module could not be instantiated, so no export ran: {record.trap}"
        if record.limit and record.export is not None and record.export not in stopped:
            stopped[record.export] = record
    if not stopped:
        return None
    first, *others = stopped.values()
    more = f" (and {len(others)} more export{'s' if len(others) > 1 else ''})" if others else ""
    return (f"{first.call_text()} was stopped by a sandbox limit, so its growth is unknown{more}: "
            f"{first.trap}; a scenario with real arguments may avoid it")


def _step_text(record: StepRecord) -> str:
    if record.kind == "start":
        return "instantiate"  # imports, limits and the start function: any of them can fail it
    if record.kind == "write":
        return f"write {record.args[1]} at {record.args[0]:#x}"
    if record.kind == "read":
        return f"read {record.args[1]} bytes at {record.args[0]:#x}"
    return record.call_text()


def _outcome_text(record: StepRecord) -> str:
    if record.trap:
        text = f"trap: {record.trap}"
    elif record.kind == "call":
        text = "-> " + (", ".join(map(str, record.result)) if record.result else "(no result)")
        if record.grew:
            text += f"   GREW {record.pages_before} -> {record.pages_after} pages"
            text += " (first call)" if record.first_call else " (later call)"
    elif record.kind == "read":
        text = f"= {record.result[0]}" if record.result else ""
    else:
        text = "ok"
    if record.note:
        text += f"   [{record.note}]"
    return text


def _shown(lines: list[str]) -> str:
    """The report's lines as the terminal may be given them: export names, trap messages and paths
    come from the module, so each line is made visible (a newline in a name stays on its line)."""
    return "".join(visible(line) + "\n" for line in lines)


def render_run_text(result: RunResult) -> str:
    """The report of `wasmlint run MODULE`: one line per step, then growth, paths and failures."""
    how = f"scenario {result.scenario}" if result.scenario else "smoke mode"
    engine = f", {result.compiler}" if result.compiler else ""
    engine += ", cached" if result.cache else ""
    lines = [f"wasmlint run: {result.module} ({how}{engine})"]
    if result.error:
        lines.append(f"  error: {result.error}")
        if not result.steps:  # else the calls made before it went wrong follow
            return _shown(lines)
    if result.unsupported:
        lines.append(f"  unsupported: the runtime layer cannot run this module: {result.unsupported}")
        return _shown(lines)
    width = max((len(_step_text(r)) for r in result.steps), default=0)
    smoke = result.mode == "smoke"
    if smoke and any(record.kind == "call" for record in result.steps):
        # Without this the repeated line of every export reads like a printing bug.
        lines.append("  (#N is a fresh instance; each export is called on it twice: `first`, then `again`)")
    rows = []
    for record in result.steps:
        where = f"[{record.step}]" if record.step is not None else f"#{record.run}"
        if smoke and record.kind == "call":
            where += " first" if record.first_call else " again"
        rows.append((where, record))
    where_width = max((len(where) + smoke for where, _ in rows), default=0)
    for where, record in rows:
        pages = f"{record.pages_before:>5} -> {record.pages_after:<5}"
        lines.append(f"  {where:<{max(where_width, 5)}} {_step_text(record):<{width}}  pages {pages} "
                     f"{_outcome_text(record)}")
    grown = result.grown_exports
    lines.append("")
    lines.append("growth: " + ("none observed" if not grown else f"{len(grown)} export(s) grew memory"))
    for export in grown:
        growth = growth_observation(result, export)
        if growth is not None:
            lines.append(f"  {evidence_text(growth)}")
        frames = result.paths.get(export)
        if frames:
            lines.append(f"    path ({result.pinpoint_method}):")
            lines.extend(f"      {'-> ' if i else ''}{frame.display()}" for i, frame in enumerate(frames))
    if result.uncalled:
        lines.append("")
        lines.append("not called:")
        lines.extend(f"  {export}: {why}" for export, why in result.uncalled.items())
    if result.scenario:
        lines.append("")
        if result.failures:
            lines.append(f"scenario: {len(result.failures)} expectation(s) failed")
            lines.extend(f"  - {failure}" for failure in result.failures)
        else:
            lines.append("scenario: all expectations held")
    if result.imports_called:
        lines.append("")
        lines.append("imported functions called (stubbed, returned zeros):")
        lines.extend(f"  {name} x{count}" for name, count in sorted(result.imports_called.items()))
    if result.notes:
        lines.append("")
        lines.extend(f"note: {note}" for note in result.notes)
    return _shown(lines)
