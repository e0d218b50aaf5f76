"""What `wasmlint exports` shows: every export of each crate as the source layer sees it for one
build (its symbol, function, form, host contract and the cfg that enabled it), as text or JSON;
the JSON also lists, per export, the allocating sites it reaches (every export that reaches a site
counts, not only the nearest one its finding is reported under)."""

from __future__ import annotations

from dataclasses import dataclass, field

from wasmlint.cfg import combine
from wasmlint.discover import Crate, display_path
from wasmlint.findings import ExportSite, Finding, RunError, finding_key
from wasmlint.reporters.json import json_document
from wasmlint.rules import Rule
from wasmlint.terminal import visible


@dataclass
class CrateExports:
    crate: Crate
    exports: list[ExportSite] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    partial_files: set[str] = field(default_factory=set)
    sites: dict[str, list[Finding]] = field(default_factory=dict)  # export -> the allocating sites it reaches

    def cfg_of(self, site: ExportSite) -> str | None:
        """The cfg that enabled an export: those of the `mod` declarations that bring its file into
        the crate, then those around and on the item."""
        return combine(self._file_conditions().get(site.path, ()) + site.cfg)

    def _file_conditions(self) -> dict[str, tuple[str, ...]]:
        return {display_path(path): conditions for path, conditions in self.crate.conditions.items()}


def crate_exports(crate: Crate, rules: dict[str, Rule] | None = None) -> CrateExports:
    """The exports of one crate, from the same analysis `wasmlint check` runs; with `rules`, also
    the allocating sites (source findings, less those allowed) each export reaches."""
    from wasmlint.check import analyze_sources, read_crate
    from wasmlint.suppress import hidden_by

    files, errors = read_crate(crate)
    rules = rules or {}
    outcome = analyze_sources(files, rules, set(rules), with_reach=bool(rules), build=crate.cfg)
    exports = sorted(outcome.exports.values(), key=lambda s: (s.path, s.line, s.column, s.symbol))
    allocating = {finding_key(f): f for f in hidden_by(outcome.findings, outcome.suppressions).shown(outcome.findings)
                  if f.symbol and rules[f.rule_id].allocation}
    sites = {symbol: sorted((allocating[key] for key in keys if key in allocating), key=lambda f: f.sort_key)
             for symbol, keys in outcome.reach.items()}
    return CrateExports(crate, exports, errors + outcome.errors, outcome.partial_files, sites)


def _form(site: ExportSite) -> str:
    return f"method of {site.owner}" if site.form == "method" and site.owner else site.form


def _features(crate: Crate) -> list[str]:
    return sorted(crate.cfg.features)


def render_text(listings: list[CrateExports], infos: list[str]) -> str:
    out: list[str] = []
    for listing in listings:
        crate = listing.crate
        where = display_path(crate.manifest or crate.root)
        features = ", ".join(_features(crate)) or "none"
        # Names, paths, symbols and cfgs all come from the crate: each is made visible before the
        # columns are measured, so that a newline or escape sequence in one stays in its cell.
        out.append(visible(f"crate {crate.name} ({where}); features: {features}"))
        rows: list[tuple[str, ...]] = [("EXPORT", "FUNCTION", "FORM", "CONTRACT", "CFG", "DEFINED AT")]
        rows += [
            tuple(map(visible, (site.symbol, site.display, _form(site), site.contract, listing.cfg_of(site) or "-",
                                f"{site.path}:{site.line}:{site.column}")))
            for site in listing.exports
        ]
        if len(rows) == 1:
            out.append("  no exports")
        else:
            widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
            for row in rows:
                out.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])
        counts = {contract: sum(1 for s in listing.exports if s.contract == contract) for contract in ("raw", "wasm-bindgen")}
        total = len(listing.exports)
        out.append(f"  {total} export{'s' if total != 1 else ''} ({counts['raw']} raw, {counts['wasm-bindgen']} wasm-bindgen)")
        out.append("")
    out += [f"info: {visible(line)}" for line in infos]
    text = "\n".join(out).rstrip("\n")
    return text + "\n" if text else ""


def render_json(listings: list[CrateExports], infos: list[str], errors: list[RunError]) -> str:
    data = {
        "version": 1,
        "crates": [
            {
                "name": listing.crate.name,
                "path": display_path(listing.crate.root),
                "manifest": display_path(listing.crate.manifest) if listing.crate.manifest else None,
                "features": _features(listing.crate),
                "exports": [
                    {
                        "symbol": site.symbol,
                        "function": site.display,
                        "form": site.form,
                        "owner": site.owner,
                        "contract": site.contract,
                        "cfg": listing.cfg_of(site),
                        "path": site.path,
                        "line": site.line,
                        "column": site.column,
                        "allocating_sites": [
                            {"rule_id": f.rule_id, "severity": f.severity.label, "path": f.path, "line": f.line,
                             "column": f.column, "nearest": f.symbol == site.symbol}
                            for f in listing.sites.get(site.symbol, [])
                        ],
                    }
                    for site in listing.exports
                ],
                "partial_files": sorted(listing.partial_files),
            }
            for listing in listings
        ],
        "errors": [error.to_dict() for error in errors],
        "notes": list(infos),
    }
    return json_document(data)
