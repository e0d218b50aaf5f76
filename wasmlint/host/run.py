"""Run the host layer over a check's host files, in two steps with the orchestration between them:
`read_hosts` analyses each file (from the cache when its bytes were seen) and finds the module it
loads; `check.py` hands back those modules' facts (the module layer's, computed there); `run_hosts`
judges each file's stale views by its module's exports, or by the source of the crate it loads
where no module is built. Results are returned as plain data (HostResults)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wasmlint.cache import ResultCache, digest, result_key
from wasmlint.discover import display_path
from wasmlint.evidence import HostGrowthPath, HostView, ImportGrowsMemory, NodeNotRun
from wasmlint.findings import Finding, Layer, RunError, Span
from wasmlint.host.embedded import EmbeddedLiteral, EmbeddedModule, ModuleSource, source_label
from wasmlint.host.imports import GrowingImport
from wasmlint.host.values import HostFacts
from wasmlint.options import CheckOptions
from wasmlint.parallel import file_size, parallel_map
from wasmlint.reading import SOURCE_LIMIT, leads_out, read_regular, reason
from wasmlint.registry import PARSE_ERROR
from wasmlint.rules import Rule
from wasmlint.suppress import Problem, Suppression

if TYPE_CHECKING:
    from wasmlint.host.crates import SourceModule
    from wasmlint.host.parsing import HostFile
    from wasmlint.module import ModuleFacts
    from wasmlint.runtime.scenario import Scenario

# Below this much JavaScript/TypeScript, one process is faster than several: a worker costs a
# fork and a pipe, about what analysing 20 KB of host code costs.
HOST_BYTES_WORTH_A_WORKER = 50_000


@dataclass
class HostOutcome:
    """One host file's analysis: plain data, so that it can be cached and cross processes."""

    facts: HostFacts
    suppressions: list[Suppression] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error: RunError | None = None
    growing_imports: list[GrowingImport] = field(default_factory=list)  # imports its JavaScript grows memory in
    module_paths: list[str] = field(default_factory=list)  # `.wasm` paths it builds from constant strings
    embedded: list[EmbeddedLiteral] = field(default_factory=list)  # modules it carries in its text


def analyze_host_file(path: Path, known_ids: frozenset[str], cache_dir: Path | None) -> HostOutcome:
    shown = display_path(path)
    try:
        source = read_regular(path, SOURCE_LIMIT)
    except OSError as exc:
        return HostOutcome(HostFacts(shown), error=RunError(shown, reason(exc)))

    def compute() -> HostOutcome:
        from wasmlint.host.analyze import analyze_host
        from wasmlint.host.embedded import embedded_literals, may_embed_module
        from wasmlint.host.imports import instantiates
        from wasmlint.host.modules import may_build_module_paths, module_paths
        from wasmlint.host.parsing import parse_host
        from wasmlint.suppress import find_suppressions

        try:
            # One parse for the analysis and for what it does not say: which module the file
            # loads, which imports grow memory, its suppressions.
            host = parse_host(shown, source)
            embedded = embedded_literals(host) if may_embed_module(source) else []
            outcome = HostOutcome(analyze_host(shown, source, read_import, parsed=host, carried=embedded), embedded=embedded)
            paths, imports, allows = may_build_module_paths(source), instantiates(source), b"wasmlint:" in source
            if paths or imports or allows:
                outcome.module_paths = module_paths(host, path) if paths else []
                if imports:
                    outcome.growing_imports = _growing_imports(host, outcome.facts)
                if allows:
                    outcome.suppressions, outcome.problems = find_suppressions(host, set(known_ids))
        except Exception as exc:  # a bug of ours on odd input: lose this file, not the run
            return HostOutcome(HostFacts(shown), error=RunError(
                shown, f"internal error, host not analysed ({type(exc).__name__}: {exc}); please report it"))
        return outcome

    if cache_dir is None:
        return compute()
    key = _host_key(shown, known_ids, source)
    cache = ResultCache(cache_dir)
    outcome = cache.load(key, HostOutcome)
    if outcome is None or not _unchanged(outcome.facts.dependencies):
        # The files it imports are part of the result: a changed helper is a new analysis.
        outcome = compute()
        cache.store(key, outcome)
    return outcome


def _growing_imports(host: HostFile, facts: HostFacts) -> list[GrowingImport]:
    """The imports of the host's import objects whose function grows memory; a file it imports
    that holds one of them is one of the result's dependencies."""
    from wasmlint.host.imports import growing_imports

    found = growing_imports(host, read_import)
    known = {path for path, _ in facts.dependencies}
    for grow in found:
        if grow.file != host.display and grow.file not in known:
            known.add(grow.file)
            try:
                facts.dependencies.append((grow.file, hashlib.sha256(read_regular(grow.file, SOURCE_LIMIT)).hexdigest()))
            except OSError:
                pass
    return found


def read_import(importer: str, specifier: str) -> tuple[str, bytes] | None:
    """The file a relative import names, as Node and bundlers resolve it: the path itself, with a
    JavaScript/TypeScript suffix added, or its folder's index file."""
    from wasmlint.host.parsing import HOST_SUFFIXES

    base = Path(importer).parent / specifier
    candidates = [base, *(base.with_name(base.name + suffix) for suffix in HOST_SUFFIXES),
                  *(base / f"index{suffix}" for suffix in (".js", ".mjs", ".cjs", ".ts"))]
    if base.suffix == ".js":  # TypeScript sources import `./x.js` meaning `./x.ts`
        candidates += [base.with_suffix(".ts"), base.with_suffix(".tsx")]
    for candidate in candidates:
        try:
            if candidate.is_file():
                return display_path(candidate), read_regular(candidate, SOURCE_LIMIT)
        except OSError:
            return None
    return None


def _unchanged(dependencies: list[tuple[str, str]]) -> bool:
    for path, expected in dependencies:
        try:
            if hashlib.sha256(read_regular(path, SOURCE_LIMIT)).hexdigest() != expected:
                return False
        except OSError:
            return False
    return True


def host_outcomes(paths: list[Path], known_ids: frozenset[str], options: CheckOptions) -> dict[Path, HostOutcome]:
    """Each host file's analysis (from the cache where its bytes were seen), by path."""
    return dict(zip(paths, _all_outcomes(paths, known_ids, options)))


def _all_outcomes(paths: list[Path], known_ids: frozenset[str], options: CheckOptions) -> list[HostOutcome]:
    # Read back from the cache here what it holds: only the rest is worth a worker process (a
    # pre-commit run on unchanged hosts starts none).
    found: list[HostOutcome | None] = [_cached_outcome(path, known_ids, options.cache_dir) for path in paths]
    missing = [path for path, outcome in zip(paths, found) if outcome is None]
    computed = iter(parallel_map(lambda path: analyze_host_file(path, known_ids, options.cache_dir), missing,
                                 jobs=options.jobs, failed=_host_lost, size=file_size,
                                 serial_below=HOST_BYTES_WORTH_A_WORKER, prepare=_load_grammars) if missing else [])
    return [outcome if outcome is not None else next(computed) for outcome in found]


def _cached_outcome(path: Path, known_ids: frozenset[str], cache_dir: Path | None) -> HostOutcome | None:
    """The host's analysis from the cache when its bytes and those of the files it imports are
    unchanged; else None."""
    if cache_dir is None:
        return None
    try:
        source = read_regular(path, SOURCE_LIMIT)
    except OSError:
        return None
    outcome = ResultCache(cache_dir).load(_host_key(display_path(path), known_ids, source), HostOutcome)
    return outcome if outcome is not None and _unchanged(outcome.facts.dependencies) else None


def _host_key(shown: str, known_ids: frozenset[str], source: bytes) -> str:
    return result_key("host", shown, sorted(known_ids), digest(source))


def _host_lost(path: Path, why: str) -> HostOutcome:
    shown = display_path(path)
    return HostOutcome(HostFacts(shown), error=RunError(shown, f"host not analysed: {why}"))


def _load_grammars() -> None:
    """Import the host analysis once, before workers fork: each would otherwise load the
    JavaScript and TypeScript grammars and compile its queries itself (about 0.25 s)."""
    import wasmlint.host.analyze  # noqa: F401


@dataclass
class HostResults:
    findings: list[Finding] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    partial_files: set[str] = field(default_factory=set)
    modules: dict[str, ModuleSource | None] = field(default_factory=dict)  # host path -> the module it was judged by
    crates: dict[str, Path] = field(default_factory=dict)  # host path -> root of the crate it loads


@dataclass
class HostRead:
    """One host file analysed, and the module it loads: a file, or one carried in its own text
    (None: none found, or it uses none)."""

    path: Path
    outcome: HostOutcome
    module: ModuleSource | None


def read_hosts(hosts: list[Path], known_ids: set[str], options: CheckOptions,
               analysed: dict[Path, HostOutcome] | None = None) -> list[HostRead]:
    """Analyse every host file (`analysed`: those analysed already, by `host_outcomes`) and find
    the module each loads: `options.wasm` (from `--wasm`) is the module every host is judged by;
    otherwise each host's own, found from what it loads."""
    analysed = analysed or {}
    missing = [path for path in hosts if path not in analysed]
    analysed = {**analysed, **host_outcomes(missing, frozenset(known_ids), options)}
    read = []
    for path in hosts:
        outcome = analysed[path]
        # A host that grows memory in an import names its module even without a view to judge:
        # the module's exports that reach the import grow, for every layer.
        needed = outcome.error is None and bool(outcome.facts.uses or outcome.growing_imports)
        module = module_of(path, outcome, options) if needed else None
        read.append(HostRead(path, outcome, module))
    return read


def module_of(path: Path, outcome: HostOutcome, options: CheckOptions) -> ModuleSource | None:
    """The module the host at `path` loads: the `--wasm` one, else the first it carries in its text
    (certainly its own, where a path it names may be a guess), else one it names or sits beside."""
    from wasmlint.host.embedded import carried_module
    from wasmlint.host.modules import resolve_module

    if not options.wasm and outcome.embedded:
        return carried_module(path, outcome.embedded, outcome.facts.exports_called)
    found = resolve_module(path, outcome.facts, tuple(options.wasm), outcome.module_paths)
    if found is None and not options.wasm:
        from wasmlint.host.carriers import carried_by_imports

        try:
            source = read_regular(path, SOURCE_LIMIT)
        except OSError:
            return None
        return carried_by_imports(display_path(path), source, outcome.facts.exports_called, read_import)
    return found


def module_key(module: ModuleSource) -> Path | EmbeddedModule:
    """One key for the same module however it is reached (a file by its resolved path)."""
    return module.resolve() if isinstance(module, Path) else module


def growth_by_module(read: list[HostRead]) -> dict[Path | EmbeddedModule, dict[str, str | None]]:
    """For each module a host loads (by its resolved path), the imports its host's JavaScript
    grows memory in: `module.name` -> the export that must be the module's memory for it to be
    memory that grows (None: it is memory whatever the module exports). The module layer judges
    the exports that reach them by this."""
    found: dict[Path | EmbeddedModule, dict[str, str | None]] = {}
    for host in read:
        if host.module is not None and host.outcome.error is None and host.outcome.growing_imports:
            imports = found.setdefault(module_key(host.module), {})
            for grow in host.outcome.growing_imports:
                imports.setdefault(grow.key, grow.memory_export)
    return found


def run_hosts(read: list[HostRead], module_facts: Mapping[ModuleSource, ModuleFacts | RunError], rules: dict[str, Rule],
              options: CheckOptions, crates: Mapping[Path, SourceModule] | None = None) -> HostResults:
    """Host findings for every file read. `module_facts` holds the facts of every module a host
    loads (a RunError: it could not be read, reported once); where a host's module is not built,
    the source of the project's crate it loads stands in (`crates`: crate root -> its
    SourceModule)."""
    from wasmlint.host.crates import crate_by_exports, crate_loaded_by, linked_by_exports
    from wasmlint.host.report import host_findings

    results = HostResults()
    crates = crates or {}
    reported: set[ModuleSource] = set()  # modules whose load error is reported already
    for host in read:
        path, outcome, module_path = host.path, host.outcome, host.module
        results.suppressions.extend(outcome.suppressions)
        results.problems.extend(outcome.problems)
        if outcome.error is not None:
            results.errors.append(outcome.error)
            continue
        facts = outcome.facts
        if facts.parse_error is not None:
            results.partial_files.add(facts.path)
            line, column, detail = facts.parse_error
            results.findings.extend(_parse_error(rules, facts.path, line, column, detail))
        root = crate_loaded_by(path, facts, {r: m.name for r, m in crates.items()}, outcome.module_paths) if crates else None
        by_exports = root is None and module_path is None and bool(crates)
        if by_exports:  # no path it names exists (a build script copies the module there)
            root = crate_by_exports(path, facts.exports_called, crates)
        if root is not None:
            results.crates[facts.path] = root
            for dependency, _ in facts.dependencies:  # a helper it requires talks to the same module
                results.crates.setdefault(dependency, root)
        built: ModuleFacts | None = None
        if module_path is not None:
            loaded = module_facts[module_path]
            if isinstance(loaded, RunError):
                if module_path not in reported:
                    reported.add(module_path)
                    results.errors.append(loaded)
            else:
                built = loaded
        if built is not None and facts.must_undecided:
            facts = _with_module(path, facts, built, outcome.embedded)
        results.modules[facts.path] = module_path if built is not None else None
        label = source_label(module_path) if module_path is not None else None
        module: ModuleFacts | SourceModule | None = built
        if built is None and root is not None and facts.uses:
            module = linked_by_exports(crates[root], facts.exports_called) if by_exports else crates[root]
            label = module.label
        found = _with_growing_imports(host_findings(facts, rules, module, label), outcome.growing_imports)
        if options.confirm and found:
            if module_path is not None and built is not None:
                found = _confirmed(found, module_path, path, options, results, built.allocator.host_growth_imports)
            elif module is not None:
                # Judged by a crate's source: there is no module for V8 to run.
                found = [f.replace(evidence=f.evidence + (NodeNotRun(label or ""),)) for f in found]
        results.findings.extend(found)
    return results


def _with_module(path: Path, facts: HostFacts, module: ModuleFacts, carried: Sequence[EmbeddedLiteral]) -> HostFacts:
    """The file analysed again with its module's facts: a detachment test of a value that calls
    since grew memory for sure has a known value (`must.py`). The first analysis stands if the
    file cannot be read again or no longer parses the same."""
    from wasmlint.host.analyze import analyze_host

    try:
        again = analyze_host(facts.path, read_regular(path, SOURCE_LIMIT), read_import, carried=carried, module=module)
    except OSError:
        return facts
    again.must_undecided = False
    return again if again.parse_error == facts.parse_error else facts


def _with_growing_imports(found: list[Finding], growing: list[GrowingImport]) -> list[Finding]:
    """Each finding whose export grows through an import of this host's, with where the host's
    JavaScript grows memory in it."""
    if not growing:
        return found
    out = []
    for finding in found:
        reached = next((item.call_path[-1] for item in finding.evidence if isinstance(item, HostGrowthPath)), None)
        grow = next((grow for grow in growing if reached in (grow.key, grow.name)), None)
        if grow is not None:
            finding = finding.replace(evidence=finding.evidence + (
                ImportGrowsMemory(grow.key, grow.via, grow.file, grow.line),))
        out.append(finding)
    return out


def _scenario_for(module: ModuleSource, host: Path, options: CheckOptions) -> Scenario | None:
    """--scenario, else the configured one, else `scenario.toml` beside the host or the module."""
    from wasmlint.runtime import load_scenario

    for candidate in [options.scenario, *options.scenarios]:
        if candidate is not None and Path(candidate).is_file():
            return load_scenario(Path(candidate))
    folder = module.parent if isinstance(module, Path) else module.host.parent
    for beside in (host.parent / "scenario.toml", folder / "scenario.toml"):
        if beside.is_file() and not leads_out(beside):  # one leading out of the project is not read
            return load_scenario(beside)
    return None


def _confirmed(found: list[Finding], module: ModuleSource, host: Path, options: CheckOptions, results: HostResults,
               growing_imports: tuple[str, ...] = ()) -> list[Finding]:
    """Reproduce each finding's growth in V8: a generated harness makes the same kind of view,
    calls the export and reports whether the view detached. The host's own code never runs; in
    the imports through which the host grows memory (`growing_imports`), the harness grows it."""
    from wasmlint.host.confirm import NodeUnavailable, confirm_in_node, rechecks_detachment
    from wasmlint.host.embedded import EmbeddedModuleError, embedded_module_bytes
    from wasmlint.runtime import ScenarioError

    wanted = {(f.symbol, _view_kind(f)) for f in found if f.symbol}
    try:
        scenario = _scenario_for(module, host, options)
        loaded = module if isinstance(module, Path) else embedded_module_bytes(module)
        verdicts = confirm_in_node(loaded, sorted(wanted), scenario, growing_imports=growing_imports)
    except EmbeddedModuleError as exc:  # changed since the module layer read it
        results.errors.append(RunError(display_path(host), f"--confirm: {exc}", exc.line, exc.column))
        return found
    except NodeUnavailable as exc:
        results.errors.append(RunError(display_path(host), f"--confirm: {exc}"))
        return found
    except ScenarioError as exc:
        results.errors.append(RunError(display_path(host), f"--confirm: {exc}"))
        return found
    confirmed = []
    source: bytes | None = None
    for finding in found:
        verdict = verdicts.get(finding.symbol or "")
        if verdict is None:
            confirmed.append(finding)
            continue
        if verdict.error:
            results.errors.append(RunError(display_path(host), f"--confirm: {finding.symbol}: {verdict.error}"))
        if verdict.detached:
            if source is None:
                try:
                    source = read_regular(host, SOURCE_LIMIT)
                except OSError:
                    source = b""
            holder = next((item.holder for item in finding.evidence if isinstance(item, HostView)), "")
            verdict = dataclasses.replace(verdict, host_rechecks_at=rechecks_detachment(source, holder))
        # V8 ran the module, not the host: its growth backs the finding only where the host does
        # not test the view it keeps for detachment (which may re-create it: no engine ran that).
        proof = verdict.detached and verdict.host_rechecks_at is None
        confirmed.append(finding.replace(evidence=finding.evidence + (verdict,), confirmed=finding.confirmed or proof))
    return confirmed


def _view_kind(finding: Finding) -> str:
    """The constructor of the view a finding is about, for the harness to make one of that kind."""
    from wasmlint.host.values import VIEW_TYPES

    ctor = next((item.ctor for item in finding.evidence if isinstance(item, HostView)), "")
    return ctor if ctor in VIEW_TYPES else "Uint8Array"


def _parse_error(rules: dict[str, Rule], path: str, line: int, column: int, detail: str) -> list[Finding]:
    rule = rules.get(PARSE_ERROR)
    if rule is None:
        return []
    return [rule.finding(Span(path, line, column, line, column + 1), {"detail": detail}, layer=Layer.HOST,
                         snippet=detail)]
