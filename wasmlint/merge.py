"""Join the three layers on the exported symbol: one entry per export, with module and runtime evidence."""

from __future__ import annotations

from wasmlint.findings import Finding, Layer
from wasmlint.source import ExportSite

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


def merge_layers(
    source: list[Finding],
    module: list[Finding],
    runtime: list[Finding],
    runtime_evidence: dict[str, str],
    sites: dict[str, ExportSite],
) -> list[Finding]:
    by_symbol: dict[str, list[int]] = {}
    merged = list(source)
    for position, finding in enumerate(merged):
        if finding.symbol:
            by_symbol.setdefault(finding.symbol, []).append(position)

    for finding in module:
        targets = by_symbol.get(finding.symbol or "", []) if finding.rule_id in JOINED_MODULE_RULES else []
        if targets:
            for position in targets:
                current = merged[position]
                merged[position] = current.replace(
                    evidence=current.evidence + finding.evidence,
                    call_path=current.call_path,
                )
            continue
        placed = _placed(finding, sites)
        merged.append(placed)
        if placed.symbol and placed.rule_id in JOINED_MODULE_RULES:
            by_symbol.setdefault(placed.symbol, []).append(len(merged) - 1)

    for symbol, line in runtime_evidence.items():
        for position in by_symbol.get(symbol, []):
            current = merged[position]
            merged[position] = current.replace(evidence=current.evidence + (line,), confirmed=True)
    merged.extend(_placed(f, sites) for f in runtime)
    return merged
