"""Present a RunResult: the text of `wasmlint run`, evidence lines, and runtime findings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wasmlint.findings import Finding, Layer
from wasmlint.runtime.result import RunResult, StepRecord
from wasmlint.terminal import visible

GROWTH_RULE = "runtime-growth"
UNSUPPORTED_RULE = "runtime-unsupported"
SCENARIO_RULE = "scenario-expectation-failed"
# Module rules whose finding a run without growth does not contradict, or cannot test.
PANIC_ONLY_RULE = "export-grows-only-on-panic"
HOST_GROWTH_RULE = "host-grows-memory"


def _when(record: StepRecord) -> str:
    return "on its first call" if record.first_call else f"on a later call (call {record.call_number})"


def evidence_line(result: RunResult, export: str) -> str | None:
    """`runtime: set_name(10, 16) grew memory 17 -> 18 pages on its first call (confirmed)`, or None."""
    record = result.first_growth(export)
    if record is None:
        return None
    growth = result.growth.get(export)
    line = f"runtime: {record.call_text()} grew memory {record.pages_before} -> {record.pages_after} pages {_when(record)}"
    summary = growth.summary() if growth else ""
    if summary:
        line += f"; {summary}"
    how = "confirmed by a smoke call" if result.mode == "smoke" else "confirmed"
    return f"{line} ({how})"


@dataclass(frozen=True)
class ExportEvidence:
    """What one run saw of one export, as the `runtime:` line every finding on that export carries."""

    line: str
    grew: bool = False
    called: bool = False  # at least one call returned, without growth unless `grew`
    widen: str = ""  # how to make a run reach the growth a finding predicts, when this one did not

    @property
    def rank(self) -> int:
        """Which to keep when several runs saw the export: growth, then a call, then no call."""
        return 2 if self.grew else 1 if self.called else 0

    def line_for(self, rule_id: str) -> str:
        """The line for a finding of `rule_id`: a finding that predicts growth the run did not
        reproduce also says how to widen the run."""
        if self.grew or not self.called or rule_id == PANIC_ONLY_RULE:
            return self.line
        if rule_id == HOST_GROWTH_RULE:
            return f"{self.line}; not reproduced: the sandbox's stub imports never grow memory for the module"
        return f"{self.line}; {self.widen}"


@dataclass
class RuntimeEvidence:
    """What the runtime layer saw of each export of each module it ran, and which findings that
    speaks for: a module's own findings, and the source findings of the crate it was built from
    (of every crate checked, for a module given with --wasm). Two crates may export one name."""

    by_module: dict[str, dict[str, ExportEvidence]] = field(default_factory=dict)  # module label -> export ->
    crate_of: dict[str, str | None] = field(default_factory=dict)  # module label -> crate folder (None: any)

    def add(self, module: str, crate: str | None, seen: Mapping[str, ExportEvidence]) -> None:
        """Record one run; of several runs of an export (one per scenario), keep what says the most."""
        self.crate_of[module] = crate
        known = self.by_module.setdefault(module, {})
        for export, evidence in seen.items():
            if export not in known or evidence.rank > known[export].rank:
                known[export] = evidence

    def exports(self) -> set[str]:
        return {export for seen in self.by_module.values() for export in seen}

    def seen(self, export: str, path: str, *, module: str | None = None) -> ExportEvidence | None:
        """The evidence for a finding on `export`: of `module` for a module's own finding, else of
        the modules whose crate holds `path`."""
        found = None
        for label, seen in self.by_module.items():
            if module is not None:
                applies = label == module
            else:
                crate = self.crate_of.get(label)
                applies = crate is None or crate == "." or path == crate or path.startswith(crate + "/")
            evidence = seen.get(export) if applies else None
            if evidence is not None and (found is None or evidence.rank > found.rank):
                found = evidence
        return found


def _pages(count: int) -> str:
    return f"{count} page{'' if count == 1 else 's'}"


def export_evidence(result: RunResult, exports: Iterable[str], scenario: str | None = None
                    ) -> dict[str, ExportEvidence]:
    """For each exported function, what the run saw of it: the growth, calls that did not grow,
    calls that trapped, or no call at all. `scenario` names the scenario file in advice (default:
    the result's own). Nothing when the run could not run the module."""
    if result.error or result.unsupported:
        return {}
    scenario = scenario or result.scenario
    smoke = result.mode == "smoke"
    if smoke:
        widen = "not reproduced by smoke calls: a scenario.toml whose steps take the growing branch may reproduce it"
    else:
        widen = f"not reproduced: add steps to {scenario}, or args, that take the growing branch"
    start = next((record for record in result.steps if record.kind == "start"), None)
    seen: dict[str, ExportEvidence] = {}
    for export in exports:
        calls = result.calls_of(export)
        returned = [record for record in calls if record.trap is None]
        if result.growth.get(export) is not None and result.growth[export].grew:
            seen[export] = ExportEvidence(evidence_line(result, export) or "", grew=True, called=True)
        elif returned:
            first, others = returned[0], len(returned) - 1
            nor = f", nor did {others} other call{'s' if others > 1 else ''}" if others else ""
            pages = _pages(first.pages_before)
            seen[export] = ExportEvidence(
                f"runtime: {first.call_text()} did not grow memory ({pages} before and after){nor}",
                called=True, widen=widen)
        elif calls:
            first = calls[0]
            past = "a scenario whose steps" if smoke else "steps or args that"
            seen[export] = ExportEvidence(
                f"runtime: {first.call_text()} trapped before memory grew ({_pages(first.pages_before)}): "
                f"{first.trap}; its growth is unknown: {past} get past the trap would check it")
        elif export in result.uncalled:
            seen[export] = ExportEvidence(f"runtime: `{export}` was not called: {result.uncalled[export]}")
        elif start is not None:
            seen[export] = ExportEvidence(f"runtime: `{export}` could not be called: the module could not be "
                                          f"instantiated ({start.trap})")
        elif smoke:
            seen[export] = ExportEvidence(f"runtime: `{export}` was not called by the smoke calls")
        else:
            seen[export] = ExportEvidence(f"runtime: `{export}` was not called by the scenario ({scenario}); "
                                          "add a step that calls it to check it")
    return seen


def _rules_by_id(rules: Mapping | Iterable) -> dict:
    if isinstance(rules, Mapping):
        return dict(rules)
    return {rule.id: rule for rule in rules}


def _finding(rule, message: str, module_path: str, symbol: str | None, **extra) -> Finding:
    return Finding(rule_id=rule.id, severity=rule.severity, message=message, path=module_path,
                   line=1, column=1, end_line=1, end_column=1, layer=Layer.RUNTIME, symbol=symbol, **extra)


def runtime_findings(result: RunResult, module_path: str, rules, predicted_exports: set[str]
                     ) -> tuple[list[Finding], dict[str, str]]:
    """New runtime findings, and export -> evidence line for every export whose growth was observed."""
    by_id = _rules_by_id(rules)
    findings: list[Finding] = []
    evidence = {export: line for export in result.grown_exports if (line := evidence_line(result, export))}
    if result.unsupported and UNSUPPORTED_RULE in by_id:
        rule = by_id[UNSUPPORTED_RULE]
        findings.append(_finding(rule, rule.format_message(reason=result.unsupported), module_path, None))
    if GROWTH_RULE in by_id:
        rule = by_id[GROWTH_RULE]
        for export in result.grown_exports:
            if export in predicted_exports:
                continue
            record = result.first_growth(export)
            frames = result.paths.get(export, [])
            findings.append(_finding(
                rule,
                rule.format_message(export=export, call=record.call_text(), before=str(record.pages_before),
                                    after=str(record.pages_after)),
                module_path, export,
                call_path=tuple(frame.name for frame in frames),
                evidence=(evidence[export],) if export in evidence else (),
                confirmed=True,
            ))
    if SCENARIO_RULE in by_id and result.scenario:
        rule = by_id[SCENARIO_RULE]
        for failure in result.failures:
            findings.append(_finding(rule, rule.format_message(failure=failure, scenario=result.scenario),
                                     module_path, None))
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
        if record.limit and record.export not in stopped:
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
        lines.append(f"  {evidence_line(result, export)}")
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
