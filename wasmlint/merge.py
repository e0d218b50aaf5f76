"""Join the three layers on the exported symbol: one entry per export, with module and runtime evidence."""

from __future__ import annotations

from wasmlint.findings import UNRESOLVED_INDIRECT, ExportSite, Finding, Severity, finding_key

# Module findings that say the same thing as an allocation found in the source: their evidence is
# attached to the source findings of that export instead of being reported a second time.
JOINED_MODULE_RULES = {"export-reaches-memory-grow"}


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


def merge_layers(
    source: list[Finding],
    shown: list[Finding],
    module: list[Finding],
    runtime: list[Finding],
    runtime_evidence: dict[str, str],
    sites: dict[str, ExportSite],
    reach: dict[str, frozenset],
) -> list[Finding]:
    """Join module and runtime results onto the source findings (`shown`: those not suppressed).

    The source findings that explain an export's growth are its own and those in every function it
    reaches (`reach`, keyed by `finding_key`). When they exist, the module's "reaches memory.grow"
    becomes an evidence line on them; when all of them were allowed, the growth was accepted with
    them and is not reported again; otherwise it stands on its own, on the export's `fn` (a warning
    when its only path takes an indirect call the module layer could not resolve).
    """
    merged = list(shown)
    position_of = {finding_key(f): i for i, f in enumerate(merged)}
    hidden = {finding_key(f) for f in source} - set(position_of)

    def explaining(symbol: str | None) -> set[tuple]:
        own = {finding_key(f) for f in source if symbol and f.symbol == symbol}
        return own | set(reach.get(symbol or "", ()))

    def attach(keys: set[tuple], line: str, confirmed: bool = False) -> None:
        for key in keys:
            position = position_of.get(key)
            if position is not None and line not in merged[position].evidence:
                current = merged[position]
                merged[position] = current.replace(evidence=current.evidence + (line,), confirmed=current.confirmed or confirmed)

    standalone: dict[str, int] = {}
    for finding in module:
        keys = explaining(finding.symbol) if finding.rule_id in JOINED_MODULE_RULES else set()
        if keys:
            if not keys <= hidden:  # when every allocation behind this growth was allowed: nothing to add
                for line in finding.evidence:
                    attach(keys, line)
            continue
        if (finding.rule_id in JOINED_MODULE_RULES and finding.symbol in sites
                and any(UNRESOLVED_INDIRECT in line for line in finding.evidence)):
            finding = _unconfirmed_guess(finding)
        merged.append(_placed(finding, sites))
        if finding.symbol and finding.rule_id in JOINED_MODULE_RULES:
            standalone[finding.symbol] = len(merged) - 1

    for symbol, line in runtime_evidence.items():
        attach(explaining(symbol), line, confirmed=True)
        if symbol in standalone:
            current = merged[standalone[symbol]]
            merged[standalone[symbol]] = current.replace(evidence=current.evidence + (line,), confirmed=True)
    merged.extend(_placed(f, sites) for f in runtime)
    return merged
