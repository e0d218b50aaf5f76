"""Join the source, module and runtime layers on the exported symbol: module and runtime evidence
on the source findings that explain it, module findings placed on their export's `fn`.

The fourth layer, the host, joins later and elsewhere: its findings meet the guest's in the host
contract (contract.py), by the crate each host loads."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wasmlint.evidence import Evidence, GrowthPath, LeavesCrate, ModuleNeverGrows, Resolution, also_reached_from
from wasmlint.findings import UNRESOLVED_INDIRECT, ExportSite, Finding, Layer, Severity, finding_key
from wasmlint.rules import Rule

if TYPE_CHECKING:
    from wasmlint.runtime import RuntimeEvidence


def _placed(finding: Finding, sites: dict[str, ExportSite]) -> Finding:
    """Move a module/runtime finding onto the source `fn` of its export when the source is known."""
    site = sites.get(finding.symbol or "")
    if site is None:
        return finding
    return finding.replace(
        path=site.path, line=site.line, column=site.column, end_line=site.end_line, end_column=site.end_column
    )


def _unconfirmed_guess(finding: Finding) -> Finding:
    """A module finding whose only path to memory.grow takes an indirect call wasmlint could not
    resolve, for an export whose source shows no allocation on its paths: a warning that says so."""
    return finding.replace(
        severity=min(finding.severity, Severity.WARNING),
        message=f"{finding.message}, but only {UNRESOLVED_INDIRECT}; its source shows no allocation",
    )


def _unresolved(finding: Finding) -> bool:
    """Whether the module layer's path to memory.grow takes an indirect call it could not resolve."""
    return any(isinstance(item, GrowthPath) and item.resolution is Resolution.UNRESOLVED for item in finding.evidence)


def _leaves_crate(finding: Finding, crate_names: tuple[str, ...]) -> LeavesCrate | None:
    """Where the module's path of a finding leaves the crate's code: its first functions are the
    export and the crate's own (`greeting::render`, `<greeting::Doc as core::fmt::Display>::fmt`),
    the rest std's or a dependency's. None when the path has no function past the crate's."""
    path = next((item for item in finding.evidence if isinstance(item, GrowthPath)), None)
    if path is None or len(path.call_path) < 2 or not crate_names:
        return None
    own = re.compile(r"<?(?:" + "|".join(re.escape(name.replace("-", "_")) for name in crate_names) + r")::")
    last = 0
    while last + 1 < len(path.call_path) and own.match(path.call_path[last + 1]):
        last += 1
    if last + 1 >= len(path.call_path):
        return None
    return LeavesCrate(path.export, path.call_path[last], path.call_path[last + 1])


def merge_layers(
    source: list[Finding],
    so_far: list[Finding],
    module: list[Finding],
    runtime: list[Finding],
    runtime_evidence: RuntimeEvidence | None,
    sites: dict[str, ExportSite],
    reach: dict[str, frozenset],
    rules: Mapping[str, Rule],
    crate_names: tuple[str, ...] = (),
) -> list[Finding]:
    """Join module and runtime results onto the source findings: `so_far` holds them, with what was
    joined already.

    The source findings that explain an export's growth are its own and those in every function it
    reaches (`reach`, keyed by `finding_key`). When they exist, the evidence of a module finding
    whose rule joins the source (`joins-source`: "reaches memory.grow") goes onto them, and the
    growth is not reported again (when an allow hides all of them, it was accepted with them: the
    check drops them, evidence and all, after the host contract); otherwise it stands on its own,
    on the export's `fn` (a warning when its only path takes an indirect call the module layer
    could not resolve), saying where its path leaves the code of the crate (`crate_names`, as the
    module names its functions).
    Every finding on an export the runtime layer ran (or left uncalled) gets its `runtime:` evidence;
    growth marks it confirmed.
    """
    joins = {rule_id for rule_id, rule in rules.items() if rule.joins_source}
    merged = list(so_far)
    position_of = {finding_key(f): i for i, f in enumerate(merged)}

    own_keys: dict[str, set[tuple]] = {}  # export -> keys of its own source findings, found once
    for finding in source:
        if finding.symbol:
            own_keys.setdefault(finding.symbol, set()).add(finding_key(finding))

    def explaining(symbol: str | None) -> set[tuple]:
        own = own_keys.get(symbol, set()) if symbol else set()
        return own | set(reach.get(symbol or "", ()))

    def attach(positions: list[int], item: Evidence, confirmed: bool = False) -> None:
        for position in positions:
            current = merged[position]
            if item not in current.evidence:
                merged[position] = current.replace(evidence=current.evidence + (item,), confirmed=current.confirmed or confirmed)

    def positions(keys: set[tuple]) -> list[int]:
        return [position_of[key] for key in keys if key in position_of]

    standalone: list[tuple[int, str, str]] = []  # module findings placed on their own: position, export, module
    for finding in module:
        keys = explaining(finding.symbol) if finding.rule_id in joins else set()
        if keys:
            for item in finding.evidence:
                attach(positions(keys), item)
            continue
        if finding.rule_id in joins and finding.symbol in sites:
            if _unresolved(finding):
                finding = _unconfirmed_guess(finding)
            leaves = _leaves_crate(finding, crate_names)
            if leaves is not None:
                finding = finding.replace(evidence=finding.evidence + (leaves,))
        merged.append(_placed(finding, sites))
        if finding.symbol:
            standalone.append((len(merged) - 1, finding.symbol, finding.path))

    if runtime_evidence is not None:
        from wasmlint.runtime.report import for_finding  # imported only when the runtime layer ran

        for symbol in sorted(runtime_evidence.exports()):
            for position in sorted(positions(explaining(symbol))):
                seen = runtime_evidence.seen(symbol, merged[position].path)
                if seen is not None:
                    attach([position], for_finding(seen, merged[position].rule_id), confirmed=seen.grew)
        for position, symbol, module_path in standalone:
            seen = runtime_evidence.seen(symbol, "", module=module_path)
            if seen is not None:
                attach([position], for_finding(seen, merged[position].rule_id), confirmed=seen.grew)
    merged.extend(_placed(f, sites) for f in runtime)
    return merged


_STRENGTH: dict[str, int] = {"no": 0, "panic-only": 1, "grows": 2}


@dataclass(frozen=True)
class ModuleVerdicts:
    """What one compiled module says of each exported function: whether it reaches memory.grow."""

    module: str  # the module's path, as findings name it
    statuses: Mapping[str, str]  # export -> grows / panic-only / no (the module layer's words)


@dataclass
class CrateModules:
    """A crate's source files, which findings each export reaches, and the modules built from it
    (`--build`, a module a host of the project loads) or given for it (`--wasm`)."""

    files: set[str]
    reach: dict[str, frozenset] = field(default_factory=dict)
    modules: list[ModuleVerdicts] = field(default_factory=list)


def module_decides(findings: list[Finding], crates: list[CrateModules], rules: Mapping[str, Rule]) -> list[Finding]:
    """Source findings on exports the compiled module shows never grow memory become `info`, with
    the module's evidence: when every export that reaches the finding (its `symbol`, the others
    that reach it) never reaches memory.grow in a module of its crate, or only while panicking. One
    export the module shows growing, or one no module of the crate exports, keeps it as it is: the
    severity of a site shared by several exports is the highest any of them gets."""
    not_allocation = {rule_id for rule_id, rule in rules.items() if not rule.allocation}
    crate_of = {path: crate for crate in crates if crate.modules for path in crate.files}
    if not crate_of:
        return findings
    reached_by: dict[int, dict[tuple, set[str]]] = {}
    decided = []
    for finding in findings:
        crate = crate_of.get(finding.path)
        if (crate is None or finding.layer is not Layer.SOURCE or not finding.symbol
                or finding.rule_id in not_allocation or finding.severity <= Severity.INFO):
            decided.append(finding)
            continue
        if id(crate) not in reached_by:
            reached_by[id(crate)] = exports_reaching(crate.reach)
        exports = {finding.symbol, *also_reached_from(finding.evidence),
                   *reached_by[id(crate)].get(finding_key(finding), ())}
        verdict = _strongest_verdict(sorted(exports), crate.modules)
        decided.append(finding if verdict is None else finding.replace(
            severity=Severity.INFO, message=f"{finding.message}; {_module_says(verdict)}",
            evidence=finding.evidence + (verdict,)))
    return decided


def _strongest_verdict(exports: list[str], modules: list[ModuleVerdicts]) -> ModuleNeverGrows | None:
    """The modules' word on these exports when none of them grows (each export by the module that
    says the most of it); None when one grows or no module exports it."""
    never: list[str] = []
    panic_only: list[str] = []
    named: list[str] = []
    for export in exports:
        said = [(module.statuses[export], module.module) for module in modules if export in module.statuses]
        if not said:
            return None
        status, module = max(said, key=lambda item: _STRENGTH[item[0]])
        if status == "grows":
            return None
        (never if status == "no" else panic_only).append(export)
        named.append(module)
    return ModuleNeverGrows(", ".join(dict.fromkeys(named)), tuple(never), tuple(panic_only))


def _module_says(verdict: ModuleNeverGrows) -> str:
    if verdict.panic_only:
        return "the compiled module reaches memory.grow from here only while panicking"
    return "the compiled module never reaches memory.grow from here"


def exports_reaching(reach: Mapping[str, frozenset]) -> dict[tuple, set[str]]:
    """finding key -> the exports that reach it (`reach` the other way round)."""
    found: dict[tuple, set[str]] = {}
    for name, keys in reach.items():
        for key in keys:
            found.setdefault(key, set()).add(name)
    return found
