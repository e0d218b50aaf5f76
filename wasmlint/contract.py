"""Severity follows the host contract: a guest's allocation matters as much as the hosts that call it.

An export's contract is `raw` (`no_mangle` / `export_name`: the host reads memory itself) or
`wasm-bindgen` (the generated glue marshals every argument and result, through getters that
re-create their views when memory grew). An allocation can detach a view only in a host that keeps
one across a call, so:

- a finding in a `wasm-bindgen` export is `info`, unless a host of the project keeps a view over
  that module's memory across a call to it: then it is an `error`, joined with the host's
  `stale-memory-view` (each names the other);
- a finding in a `raw` export keeps its severity, unless the project holds the hosts that load the
  crate and none of them keeps a view across a call to it: then it is `info`, "safe with the hosts
  in this project"; a crate whose hosts are not all in the project (`hosts = "unknown"`) keeps it;
- a module's own finding (a module found in the project or given alone, not built from a crate
  of it) is weighed like a `raw` export's: `info` when the project holds hosts judged by that
  module and none of them keeps a view across a call to the export (a published package's glue,
  a `pkg/` folder next to its loader); otherwise it keeps its severity;
- `--strict` leaves every severity as the rules give it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wasmlint.evidence import ContractNote, GuestAllocation, HostKeepsView, ModuleNeverGrows, also_reached_from
from wasmlint.findings import ExportSite, Finding, Layer, Severity, finding_key
from wasmlint.merge import exports_reaching
from wasmlint.registry import STALE_MEMORY_VIEW
from wasmlint.rules import Rule


@dataclass
class CrateContract:
    """What the contract step needs to know of one crate."""

    root: Path
    files: set[str]  # the display paths of its files (and its Cargo.toml)
    exports: dict[str, ExportSite]
    reach: dict[str, frozenset] = field(default_factory=dict)  # export -> finding keys it reaches
    hosts_unknown: bool = False  # [package.metadata.wasmlint] hosts = "unknown"


def apply_host_contract(findings: list[Finding], crates: list[CrateContract], host_crates: dict[str, Path],
                        rules: Mapping[str, Rule], strict: bool = False, hidden: frozenset[tuple] = frozenset()) -> list[Finding]:
    """Findings with severities set by their exports' contracts and the hosts that load each crate.
    `host_crates` maps each host file checked to the crate it loads. Only findings whose rule is
    an `allocation` one are weighed: the others are about the files themselves.

    `hidden` holds the `finding_key`s of the findings an allow hides: a hidden guest finding is
    passed on untouched, neither weighed nor named by a host. A hidden `stale-memory-view` still
    counts: the host does keep that view, and allowing it there does not make the guest's
    allocation safe with that host."""
    if strict or not crates:
        return findings
    not_allocation = {rule_id for rule_id, rule in rules.items() if not rule.allocation}
    crate_of: dict[str, CrateContract] = {path: crate for crate in crates for path in crate.files}
    hosts_of: dict[Path, list[str]] = {}
    for host_path, crate_root in sorted(host_crates.items()):
        hosts_of.setdefault(crate_root, []).append(host_path)
    stale: dict[tuple[Path, str], list[Finding]] = {}
    for finding in findings:
        host_root = host_crates.get(finding.path)
        if finding.rule_id == STALE_MEMORY_VIEW and finding.symbol and host_root is not None and finding.severity >= Severity.ERROR:
            stale.setdefault((host_root, finding.symbol), []).append(finding)

    adjusted: list[Finding] = []
    guests_of_host: dict[tuple, list[Finding]] = {}
    # Per crate, the exports that reach each finding: looked up, not searched for, per finding.
    reached_by: dict[Path, dict[tuple, set[str]]] = {}
    for finding in findings:
        crate = crate_of.get(finding.path)
        key = finding_key(finding)
        if crate is None or finding.layer is Layer.HOST or finding.rule_id in not_allocation or key in hidden \
                or any(isinstance(item, ModuleNeverGrows) for item in finding.evidence):
            # (The compiled module showed that no export reaching it grows memory: no view goes stale.)
            adjusted.append(finding)
            continue
        if crate.root not in reached_by:
            reached_by[crate.root] = exports_reaching(crate.reach)
        # Every export that reaches the site is affected: the nearest (`symbol`) and the others.
        names = {finding.symbol} if finding.symbol else set()
        names.update(also_reached_from(finding.evidence))
        names.update(reached_by[crate.root].get(key, ()))
        sites = [crate.exports[name] for name in sorted(names) if name in crate.exports]
        if not sites:
            adjusted.append(finding)
            continue
        joined = [host for site in sites for host in stale.get((crate.root, site.symbol), ())]
        if joined:
            kept = tuple(dict.fromkeys(HostKeepsView(host.path, host.line, host.symbol, host.rule_id) for host in joined))
            finding = finding.replace(severity=max(finding.severity, Severity.ERROR),
                                      evidence=finding.evidence + tuple(item for item in kept if item not in finding.evidence))
            for host in joined:
                guests_of_host.setdefault(finding_key(host), []).append(finding)
        elif all(site.contract == "wasm-bindgen" for site in sites):
            finding = finding.replace(
                severity=Severity.INFO,
                message=f"{finding.message} (a wasm-bindgen export: its glue cannot be left holding a detached view)",
                evidence=finding.evidence + (ContractNote("wasm-bindgen"),))
        elif all(site.contract == "raw" for site in sites) and hosts_of.get(crate.root) and not crate.hosts_unknown:
            hosts = hosts_of[crate.root]
            finding = finding.replace(
                severity=Severity.INFO,
                message=f"{finding.message}; safe with the hosts in this project ({', '.join(hosts)})",
                evidence=finding.evidence + (ContractNote("raw", tuple(hosts)),))
        adjusted.append(finding)

    # Each host finding joined with the guest's allocation names it.
    result = []
    for finding in adjusted:
        guests = guests_of_host.get(finding_key(finding)) if finding.layer is Layer.HOST else None
        if guests:
            named = tuple(dict.fromkeys(GuestAllocation(g.symbol, g.rule_id, g.path, g.line) for g in guests))
            finding = finding.replace(evidence=finding.evidence + named)
        result.append(finding)
    return result



def apply_module_contract(findings: list[Finding], hosts_of_module: Mapping[str, Sequence[str]], rules: Mapping[str, Rule],
                          strict: bool = False, hidden: frozenset[tuple] = frozenset()) -> list[Finding]:
    """A module's own findings (on the module file: not placed on a crate's source) weighed by the
    hosts of the project judged by that module, `hosts_of_module` (module path -> host paths), as
    a `raw` export's are by the hosts of its crate: where every such host makes its views after
    the calls that may grow memory, the export's growth detaches nothing they hold. An export
    some host keeps a view across (its `stale-memory-view` error names the export) keeps its
    severity; a hidden finding is passed on untouched, and a hidden stale view still counts."""
    if strict or not hosts_of_module:
        return findings
    not_allocation = {rule_id for rule_id, rule in rules.items() if not rule.allocation}
    kept_across: set[tuple[str, str]] = set()  # (host path, export) of every stale view a host keeps
    for finding in findings:
        if finding.rule_id == STALE_MEMORY_VIEW and finding.symbol and finding.severity >= Severity.ERROR:
            kept_across.add((finding.path, finding.symbol))
    adjusted = []
    for finding in findings:
        hosts = hosts_of_module.get(finding.path)
        if hosts and finding.layer in (Layer.MODULE, Layer.RUNTIME) and finding.symbol \
                and finding.rule_id not in not_allocation and finding_key(finding) not in hidden \
                and finding.severity > Severity.INFO \
                and not any((host, finding.symbol) in kept_across for host in hosts):
            finding = finding.replace(
                severity=Severity.INFO,
                message=f"{finding.message}; safe with the hosts in this project ({', '.join(hosts)})",
                evidence=finding.evidence + (ContractNote("module", tuple(hosts)),))
        adjusted.append(finding)
    return adjusted
