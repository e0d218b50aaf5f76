"""Join the source, module and runtime layers on the exported symbol: module and runtime evidence
on the source findings that explain it, module findings placed on their export's `fn`.

The fourth layer, the host, joins later and elsewhere: its findings meet the guest's in the host
contract (contract.py), by the crate each host loads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from wasmlint.evidence import Evidence, GrowthPath, Resolution
from wasmlint.findings import UNRESOLVED_INDIRECT, ExportSite, Finding, Severity, finding_key
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


def merge_layers(
    source: list[Finding],
    so_far: list[Finding],
    module: list[Finding],
    runtime: list[Finding],
    runtime_evidence: RuntimeEvidence | None,
    sites: dict[str, ExportSite],
    reach: dict[str, frozenset],
    rules: Mapping[str, Rule],
) -> list[Finding]:
    """Join module and runtime results onto the source findings: `so_far` holds them, with what was
    joined already.

    The source findings that explain an export's growth are its own and those in every function it
    reaches (`reach`, keyed by `finding_key`). When they exist, the evidence of a module finding
    whose rule joins the source (`joins-source`: "reaches memory.grow") goes onto them, and the
    growth is not reported again (when an allow hides all of them, it was accepted with them: the
    check drops them, evidence and all, after the host contract); otherwise it stands on its own,
    on the export's `fn` (a warning when its only path takes an indirect call the module layer
    could not resolve).
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
        if finding.rule_id in joins and finding.symbol in sites and _unresolved(finding):
            finding = _unconfirmed_guess(finding)
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
