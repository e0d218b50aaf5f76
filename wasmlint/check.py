"""`wasmlint check`: run the four layers over a planned check and join them into one Report.

The only orchestration. Data flows one way, each stage returning plain data (findings, errors,
facts) that this module passes on; no stage appends to what it was given:

  discover -> plan (plan.py: configuration per crate, features, builds)
  -> source (per crate, here: cached, parallel) -> module and runtime (module_layers.py)
  -> merge (merge.py: module and runtime results onto the source findings)
  -> host (host/run.py: each host file, handed the facts of the module it loads, or its crate's
     source where no module is built) -> suppressions (suppress.py: which findings an allow hides)
  -> host contract (contract.py: severities by each export's contract, host and guest findings
     joined) -> the hidden findings dropped, unused allows reported -> only the requested files.

Suppressions are applied once, when every finding of every layer is in its final place (module
and runtime findings placed on their `fn`): which findings an allow hides is decided then, the host
contract heeds it (a hidden guest finding is neither weighed nor named by a host), and the hidden
findings are dropped after it, with whatever evidence was joined to them. An allow is used when it
hid a finding of any layer; a growth the merge accepted with its allowed allocations uses none.

Nothing here prints; the CLI renders the Report.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wasmlint.cache import ResultCache, digest, result_key
from wasmlint.cfg import BuildCfg
from wasmlint.contract import CrateContract, apply_host_contract, apply_module_contract
from wasmlint.discover import Crate, Targets, display_path
from wasmlint.findings import ExportSite, Finding, Layer, Report, RunError, finding_key
from wasmlint.merge import CrateModules, ModuleVerdicts, merge_layers, module_decides
from wasmlint.options import CheckOptions
from wasmlint.parallel import parallel_map
from wasmlint.plain import to_plain
from wasmlint.reading import SOURCE_LIMIT, read_regular, reason
from wasmlint.rules import Rule
from wasmlint.suppress import Problem, Suppression, hidden_by, suppression_findings

if TYPE_CHECKING:
    from wasmlint.host.embedded import EmbeddedModule, ModuleSource
    from wasmlint.host.run import HostOutcome, HostRead, HostResults
    from wasmlint.module import ModuleFacts

# Below this much Rust in the crates to analyse, one process is faster than several: a worker
# costs a fork and a pipe, about what analysing 100 KB costs (bench/jobs.py measures -j 2 / -j 1).
SOURCE_BYTES_WORTH_A_WORKER = 200_000


@dataclass
class CrateOutcome:
    """What the source layer found in one crate; plain data so that it can cross processes."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    partial_files: set[str] = field(default_factory=set)
    exports: dict[str, ExportSite] = field(default_factory=dict)
    reach: dict[str, frozenset[tuple]] = field(default_factory=dict)  # export -> finding keys it reaches
    suppressions: list[Suppression] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0


def analyze_sources(
    files: list[tuple[str, bytes, tuple[str, ...]]],
    rules: dict[str, Rule],
    known_ids: set[str],
    all_functions: bool = False,
    with_reach: bool = False,
    build: BuildCfg = BuildCfg(),
) -> CrateOutcome:
    """The source layer on one crate given as (display, bytes, module path), compiled for `build`,
    plus its suppressions."""
    # Imported here: a run whose crates all come from the cache never needs tree-sitter.
    from wasmlint.source import analyze_crate
    from wasmlint.suppress import find_suppressions

    source_rules = {k: r for k, r in rules.items() if r.layer is Layer.SOURCE}
    result = analyze_crate(files, source_rules, all_functions=all_functions, with_reach=with_reach, build=build)
    outcome = CrateOutcome(
        findings=result.findings,
        errors=result.errors,
        partial_files=result.partial_files,
        exports=result.exports,
        reach=result.reach,
        files=len(files),
    )
    for parsed in result.files:
        suppressions, problems = find_suppressions(parsed, known_ids)
        outcome.suppressions.extend(suppressions)
        outcome.problems.extend(problems)
    return outcome


@dataclass
class CrateWork:
    """One crate's source analysis to do: its files as read, and the cache key of the result."""

    files: list[tuple[str, bytes, tuple[str, ...]]]
    read_errors: list[RunError]
    rules: dict[str, Rule]
    key: str | None  # None: not cached
    label: str  # the crate as errors name it: its Cargo.toml, or its folder
    build: BuildCfg = BuildCfg()  # the features its cfgs are judged by


def read_crate(crate: Crate) -> tuple[list[tuple[str, bytes, tuple[str, ...]]], list[RunError]]:
    files: list[tuple[str, bytes, tuple[str, ...]]] = []
    errors: list[RunError] = []
    for path in crate.files:
        try:
            data = crate.sources.get(path)  # read already while following its module tree
            data = data if data is not None else read_regular(path, SOURCE_LIMIT)
            files.append((display_path(path), data, crate.module_path(path)))
        except OSError as exc:
            errors.append(RunError(display_path(path), reason(exc)))
    return files, errors


def _rules_fingerprint(rules: dict[str, Rule]) -> str:
    """What of the rules decides findings: every field but the docs, the test cases and where the
    file is (so a field added to Rule is part of the key without anyone remembering it here)."""
    decisive = [
        dataclasses.replace(rule, why="", fix="", tests=(), origin=Path())
        for rule in sorted(rules.values(), key=lambda r: r.id)
    ]
    return digest(json.dumps(to_plain(decisive), sort_keys=True).encode())


def _analyze_work(work: CrateWork, known_ids: set[str], options: CheckOptions, with_reach: bool) -> CrateOutcome:
    try:
        outcome = analyze_sources(work.files, work.rules, known_ids, options.all_functions, with_reach, work.build)
    except Exception as exc:  # a bug of ours on odd input: lose this crate, not the whole run
        problem = f"internal error, crate not analysed ({type(exc).__name__}: {exc}); please report it"
        return CrateOutcome(errors=[RunError(work.label, problem)], files=len(work.files))
    if work.key is not None and options.cache_dir is not None:
        ResultCache(options.cache_dir).store(work.key, outcome)
    return outcome


def _work_lost(work: CrateWork, why: str) -> CrateOutcome:
    return CrateOutcome(errors=[RunError(work.label, f"crate not analysed: {why}")], files=len(work.files))


def _run_source(targets: Targets, rules_of, known_ids, options: CheckOptions, with_reach: bool) -> list[CrateOutcome]:
    """Every crate's source results, from the cache where the key matches, else analysed: in
    worker processes when there is more than one crate to analyse and more than one job."""
    cache = ResultCache(options.cache_dir) if options.cache_dir is not None else None
    fingerprints: dict[int, str] = {}  # id(rules) -> fingerprint: most crates share one rule set
    outcomes: list[CrateOutcome | None] = []
    pending: list[tuple[int, CrateWork]] = []
    for crate in targets.crates:
        files, read_errors = read_crate(crate)
        rules = rules_of(crate)
        key = None
        if cache is not None:
            if id(rules) not in fingerprints:
                fingerprints[id(rules)] = _rules_fingerprint(rules)
            key = result_key(
                "crate", fingerprints[id(rules)], sorted(known_ids), options.all_functions, with_reach,
                sorted(crate.cfg.features),
                [(display, module_path, digest(source)) for display, source, module_path in files],
            )
            cached = cache.load(key, CrateOutcome)
            if cached is not None:
                outcomes.append(dataclasses.replace(cached, errors=read_errors + cached.errors))
                continue
        outcomes.append(None)
        label = display_path(crate.manifest or crate.root)
        pending.append((len(outcomes) - 1, CrateWork(files, read_errors, rules, key, label, crate.cfg)))
    if pending:
        from wasmlint.source import validate_queries

        # Compiled once here, a broken rule query stops the run before any work is spread out,
        # and forked workers inherit the compiled query instead of compiling it again.
        for rules in {id(work.rules): work.rules for _, work in pending}.values():
            validate_queries(rules)
    done = parallel_map(lambda work: _analyze_work(work, known_ids, options, with_reach),
                        [work for _, work in pending], jobs=options.jobs, failed=_work_lost,
                        size=lambda work: sum(len(source) for _, source, _ in work.files),
                        serial_below=SOURCE_BYTES_WORTH_A_WORKER)
    for (slot, work), outcome in zip(pending, done):
        outcomes[slot] = dataclasses.replace(outcome, errors=work.read_errors + outcome.errors)
    return [outcome for outcome in outcomes if outcome is not None]  # every slot is filled by now


def crates_hosts_load(targets: Targets, known_ids: set[str], options: CheckOptions) -> tuple[dict[Path, HostOutcome], list[Path]]:
    """The hosts' analyses, and the folders of the crates they load that this run does not check
    yet, inside each host's project: a host named alone is judged by its crate, as when the whole
    project is checked. The analyses are handed on to `run_check`, not made twice."""
    from wasmlint.host.crates import crate_folders_named_by
    from wasmlint.host.run import host_outcomes
    from wasmlint.reading import inside, project_root

    analysed = host_outcomes(targets.hosts, frozenset(known_ids), options)
    checked = {crate.root for crate in targets.crates}
    folders: dict[Path, None] = {}
    for host, outcome in analysed.items():
        if outcome.error is None:
            project = project_root(host)
            for folder in crate_folders_named_by(host, outcome.facts, outcome.module_paths):
                if folder.resolve() not in checked and inside(folder.resolve(), project):
                    folders[folder] = None
    return analysed, list(folders)


def run_check(targets: Targets, rules: dict[str, Rule], all_rules: dict[str, Rule], options: CheckOptions,
              modules: Sequence[tuple[Path, Crate | None]] = (), crate_rules: Mapping[Path, dict[str, Rule]] | None = None,
              analysed_hosts: dict[Path, HostOutcome] | None = None) -> Report:
    """Run every requested layer. `modules` pairs each compiled module with the crate it came from;
    `crate_rules` holds the rules of crates whose own configuration differs from the run's;
    `analysed_hosts` the host analyses `crates_hosts_load` made."""
    report = Report(errors=list(targets.errors), infos=list(targets.notes))
    known_ids = set(all_rules)
    crate_rules = crate_rules or {}

    def rules_of(crate: Crate | None) -> dict[str, Rule]:
        return crate_rules.get(crate.root, rules) if crate is not None else rules

    run_modules = bool(modules) and (Layer.MODULE in options.layers or options.confirm)
    run_hosts_ = Layer.HOST in options.layers and bool(targets.hosts)
    # Which findings each export reaches: the module layer joins on it, and hosts are judged by it
    # where no module is built.
    outcomes = _run_source(targets, rules_of, known_ids, options, with_reach=run_modules or run_hosts_)
    findings: list[Finding] = []
    sites: dict[str, ExportSite] = {}
    reach: dict[str, frozenset] = {}
    suppressions: list[Suppression] = []
    problems: list[Problem] = []
    for outcome in outcomes:
        if Layer.SOURCE in options.layers:
            findings.extend(outcome.findings)
        report.errors.extend(outcome.errors)
        report.partial_files |= outcome.partial_files
        report.files_checked += outcome.files
        for symbol, site in outcome.exports.items():
            sites.setdefault(symbol, site)
        for symbol, keys in outcome.reach.items():
            reach[symbol] = reach.get(symbol, frozenset()) | keys
        suppressions.extend(outcome.suppressions)
        problems.extend(outcome.problems)

    module_findings: list[Finding] = []
    runtime_findings: list[Finding] = []
    runtime_evidence = None  # with --confirm: what the runtime layer saw of each export
    # The hosts are read first: the imports their JavaScript grows memory in make exports grow,
    # for the module findings and for the hosts' own judgement.
    read = []
    if run_hosts_:
        from wasmlint.host.run import growth_by_module, read_hosts  # tree-sitter's JS grammars only with hosts

        read = read_hosts(targets.hosts, known_ids, options, analysed_hosts)
    host_growth = growth_by_module(read) if read else {}
    verdicts: list[tuple[ModuleSource, Crate | None, ModuleVerdicts]] = []  # each module's word on its exports
    if run_modules:
        # Imported here: the heavy imports only when a module is checked.
        from wasmlint.module_layers import module_and_runtime

        predicted = {f.symbol for f in findings if f.symbol}
        module_results = module_and_runtime(modules, rules_of, options, predicted, host_growth)
        module_findings, runtime_findings = module_results.module_findings, module_results.runtime_findings
        runtime_evidence = module_results.evidence
        verdicts = [*module_results.verdicts]
        report.errors.extend(module_results.errors)
        report.infos.extend(module_results.notes)
        if Layer.MODULE not in options.layers:
            module_findings = []
    merged = _merge_per_crate(targets, outcomes, findings, module_findings, runtime_findings, runtime_evidence,
                              sites, reach, all_rules)
    if run_hosts_:
        # Imported here: tree-sitter's JS grammars only when there are hosts.
        from wasmlint.host.crates import source_module
        from wasmlint.host.run import run_hosts

        stand_ins = {
            crate.root: source_module(f"{display_path(crate.manifest or crate.root)} (its source; no module built)",
                                      crate.name, outcome.exports, outcome.findings, outcome.reach, all_rules)
            for crate, outcome in zip(targets.crates, outcomes) if crate.manifest is not None
        }
        # The module layer's facts of every module a host loads, computed here so that the host
        # layer judges by them without running the module layer itself.
        loaded: dict[ModuleSource, ModuleFacts | RunError] = {}
        if any(host.module is not None for host in read):
            from wasmlint.host.run import module_key
            from wasmlint.module_layers import facts_or_error  # the module layer's imports only when needed

            loaded = {host.module: facts_or_error(host.module, options.cache_dir, host_growth.get(module_key(host.module)))
                      for host in read if host.module is not None}
        hosts = run_hosts(read, loaded, rules, options, stand_ins)
        verdicts += _modules_hosts_link(read, hosts, loaded, targets, options, host_growth)
        merged += hosts.findings
        suppressions += hosts.suppressions
        problems += hosts.problems
        report.errors.extend(hosts.errors)
        report.partial_files |= hosts.partial_files
    if Layer.MODULE in options.layers:
        merged = module_decides(merged, _crate_modules(targets, outcomes, verdicts, options), all_rules)
    hidden = hidden_by(merged, suppressions)
    merged = apply_host_contract(merged, [
        CrateContract(crate.root, {display_path(f) for f in crate.files} | ({display_path(crate.manifest)} if crate.manifest else set()),
                      outcome.exports, outcome.reach, crate.root in options.hosts_unknown)
        for crate, outcome in zip(targets.crates, outcomes)
    ], hosts.crates if run_hosts_ else {}, all_rules, options.strict, hidden.keys)
    if run_hosts_:
        merged = apply_module_contract(merged, _hosts_of_module(read, hosts, options), all_rules, options.strict, hidden.keys)
    merged = hidden.shown(merged)
    if Layer.SOURCE in options.layers or Layer.HOST in options.layers:
        ran = {r.id for r in rules.values() if r.layer in _layers_run(options, run_modules, run_hosts_)}
        merged += suppression_findings(suppressions, problems, rules, ran, hidden.used)
    # A module's findings placed on, or joined to, the source of a crate read only as context (the
    # crate a named host loads) are still the module's: they are reported there, never lost.
    spoke = {f.symbol for f in module_findings + runtime_findings if f.symbol}
    told = {finding_key(f) for f in findings if f.symbol in spoke} | {key for symbol in spoke for key in reach.get(symbol, ())}
    report.findings = _only_requested_files(merged, targets, told)
    report.files_checked = len(_source_files_in_scope(targets)) + len(modules) + len(targets.hosts) - len(targets.context_hosts)
    return report


def _modules_hosts_link(read: list[HostRead], hosts: HostResults, loaded: Mapping[ModuleSource, ModuleFacts | RunError],
                        targets: Targets, options: CheckOptions,
                        host_growth: Mapping[Path | EmbeddedModule, Mapping[str, str | None]],
                        ) -> list[tuple[ModuleSource, Crate | None, ModuleVerdicts]]:
    """The modules the project's hosts load, each with the crate of the project it was built from
    (as the host layer links them), and their word on their exports. The host layer reads the
    module of a host only when a view of it may go stale; here every linked host's module counts
    (its facts from the results cache when analysed before). One that cannot be read decides nothing."""
    from wasmlint.host.embedded import source_label
    from wasmlint.host.run import module_key, module_of
    from wasmlint.module_layers import facts_or_error, verdicts_of

    crate_at = {crate.root: crate for crate in targets.crates}
    linked: list[tuple[ModuleSource, Crate | None, ModuleVerdicts]] = []
    for host in read:
        if host.outcome.error is not None or hosts.crates.get(host.outcome.facts.path) not in crate_at:
            continue
        module = host.module or module_of(host.path, host.outcome, options)
        if module is None:
            continue
        facts = loaded.get(module) or facts_or_error(module, options.cache_dir, host_growth.get(module_key(module)))
        if not isinstance(facts, RunError):
            linked.append((module, crate_at[hosts.crates[host.outcome.facts.path]], verdicts_of(facts, source_label(module))))
    return linked


def _hosts_of_module(read: list[HostRead], hosts: HostResults, options: CheckOptions) -> dict[str, list[str]]:
    """Each module file (as findings name it) with the hosts of the project that load it and were
    read whole: also those with no view to judge (glue whose every view is made fresh)."""
    from wasmlint.host.run import module_of

    of: dict[str, set[str]] = {}
    for host in read:
        if host.outcome.error is not None or host.outcome.facts.path in hosts.partial_files:
            continue
        module = host.module or module_of(host.path, host.outcome, options)
        if isinstance(module, Path):
            of.setdefault(display_path(module), set()).add(host.outcome.facts.path)
    return {module: sorted(paths) for module, paths in of.items()}


def _crate_modules(targets: Targets, outcomes: list[CrateOutcome], verdicts: list[tuple[ModuleSource, Crate | None, ModuleVerdicts]],
                   options: CheckOptions) -> list[CrateModules]:
    """Each crate with the modules that speak for it: those built from it or that its hosts load,
    and every `--wasm` module (the user named it for the crates checked). A module found alone
    in a folder is not taken for any crate's."""
    crates = []
    for crate, outcome in zip(targets.crates, outcomes):
        own = [verdict for path, built_from, verdict in verdicts
               if (built_from is not None and built_from.root == crate.root) or (built_from is None and path in options.wasm)]
        crates.append(CrateModules({display_path(f) for f in crate.files}, outcome.reach, list({verdict.module: verdict for verdict in own}.values())))
    return crates


def _layers_run(options: CheckOptions, run_modules: bool, run_hosts: bool) -> frozenset[Layer]:
    """The layers whose rules ran: an allow for a rule of any other layer is not called unused."""
    ran = {Layer.SOURCE} & options.layers
    if run_modules:
        ran |= {Layer.MODULE} & options.layers
        if options.confirm:
            ran.add(Layer.RUNTIME)
    if run_hosts:
        ran.add(Layer.HOST)
    return frozenset(ran)


def _merge_per_crate(targets: Targets, outcomes: list[CrateOutcome], findings: list[Finding],
                     module: list[Finding], runtime: list[Finding], runtime_evidence, sites: dict[str, ExportSite],
                     reach: dict[str, frozenset], rules: dict[str, Rule]) -> list[Finding]:
    """`merge_layers`, one crate at a time for the modules built from a crate (their findings are on
    its Cargo.toml): two crates that both export `set_name` each get their own module's findings,
    placed on their own `fn`. A module given with --wasm or found alone is joined with every crate."""
    merged = findings
    left_module, left_runtime = list(module), list(runtime)
    for crate, outcome in zip(targets.crates, outcomes):
        if crate.manifest is None:
            continue
        where = display_path(crate.manifest)
        own_module = [f for f in left_module if f.path == where]
        own_runtime = [f for f in left_runtime if f.path == where]
        if not own_module and not own_runtime:
            continue
        left_module = [f for f in left_module if f.path != where]
        left_runtime = [f for f in left_runtime if f.path != where]
        files = {display_path(path) for path in crate.files}
        merged = merge_layers([f for f in findings if f.path in files], merged, own_module, own_runtime,
                              runtime_evidence, outcome.exports, outcome.reach, rules, (crate.name,))
    return merge_layers(findings, merged, left_module, left_runtime, runtime_evidence, sites, reach, rules,
                        tuple(crate.name for crate in targets.crates))


def _source_files_in_scope(targets: Targets) -> set[str]:
    return {
        display_path(path)
        for crate in targets.crates
        for path in (crate.files if crate.report_files is None else crate.report_files)
    }


def checked_paths(targets: Targets) -> set[str]:
    """Every path this run could report on: the .rs files in scope, the crates' Cargo.toml (where
    findings about a built module go) and module files. A baseline entry elsewhere was not looked
    at, so it is not counted as fixed."""
    paths = _source_files_in_scope(targets)
    paths |= {display_path(crate.manifest) for crate in targets.crates if crate.manifest is not None}
    paths |= {display_path(module) for module in targets.modules}
    return paths


def _only_requested_files(findings: list[Finding], targets: Targets, told: set[tuple] | frozenset[tuple] = frozenset()) -> list[Finding]:
    """When files were named (as pre-commit does), report only findings in those files.

    The whole crate is still analysed, so calls across files resolve, and so are its hosts and the
    crate a named host loads, which decide severities; findings on module files (not part of any
    crate) are always kept, and so are, in a crate read only as context, the module layer's findings
    placed on its source and the source findings it joined (`told`: their `finding_key`s).
    """
    if all(crate.report_files is None for crate in targets.crates) and not targets.context_hosts:
        return findings
    hidden = {display_path(host) for host in targets.context_hosts} | {
        display_path(path)
        for crate in targets.crates
        if crate.report_files is not None and crate.root not in targets.context_crates
        for path in crate.files
        if path not in crate.report_files
    }
    context = {display_path(path) for crate in targets.crates if crate.root in targets.context_crates for path in crate.files}
    return [finding for finding in findings
            if finding.path not in hidden
            and (finding.path not in context or finding.layer in (Layer.MODULE, Layer.RUNTIME) or finding_key(finding) in told)]
