"""The command line: check, exports, inspect, run, rules, explain, clean. The only place that prints and picks exit codes.

Exit codes: 0 no findings at or above the fail level, 1 findings, 2 could not run (bad path, bad
configuration, unknown rule id, unreadable or malformed input, failed build).
"""

from __future__ import annotations

import os
import shutil
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Optional

import typer

from wasmlint import __version__
from wasmlint.findings import Layer, Report, RunError, Severity

if TYPE_CHECKING:
    # The commands import it where they run (the CLI starts without loading the pipeline).
    from wasmlint.discover import Crate, Targets
    from wasmlint.plan import CrateConfigs  # noqa: TC004

app = typer.Typer(
    # --install-completion / --show-completion: bash, zsh, fish and PowerShell
    add_completion=True,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Find the exported functions of Rust WebAssembly guests that can grow linear memory "
    "(and so detach the JavaScript host's ArrayBuffer views).",
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Format(str, Enum):
    text = "text"
    concise = "concise"
    json = "json"
    sarif = "sarif"
    github = "github"


class SimpleFormat(str, Enum):
    text = "text"
    json = "json"


# Shared by the commands that judge a crate's cfgs (check, exports): cargo's feature options.
FEATURES_OPTION = typer.Option(None, "--features", "-F", help="Features to enable, as cargo takes them (comma- or space-separated; `crate/feature` for one crate).")
ALL_FEATURES_OPTION = typer.Option(False, "--all-features", help="Enable every feature of the crates checked.")
NO_DEFAULT_FEATURES_OPTION = typer.Option(False, "--no-default-features", help="Do not enable the `default` feature.")

# Shared by the commands that walk folders (check, exports).
RESPECT_GITIGNORE_OPTION = typer.Option(True, "--respect-gitignore/--no-respect-gitignore", help="Skip what the git work tree's .gitignore and .ignore files leave out when walking folders (paths given are always checked).")

# Shared by the commands that cache results (check, inspect).
CACHE_DIR_OPTION = typer.Option(None, "--cache-dir", envvar="WASMLINT_CACHE_DIR", help="Where to keep results between runs [default: the user cache dir].")
NO_CACHE_OPTION = typer.Option(False, "--no-cache", help="Neither read nor write cached results.")


def _results_dir(cache_dir: Path | None, no_cache: bool) -> Path | None:
    from wasmlint.cache import default_results_dir

    return None if no_cache else (cache_dir.absolute() if cache_dir else default_results_dir())


def say_error(message: str) -> None:
    """`error: message` on stderr. The message often names a file, a key or a value from the analysed
    tree, so it is made visible: one line, and nothing in it reaches the terminal (or CI log) raw."""
    from wasmlint.terminal import visible

    typer.echo(f"error: {visible(message)}", err=True)


def fail(message: str) -> NoReturn:
    """A one-line error on stderr and exit 2: wasmlint could not run."""
    say_error(message)
    raise typer.Exit(EXIT_ERROR)


def _split(values: list[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _print_errors(errors: list[RunError]) -> None:
    for error in errors:
        say_error(error.one_line())


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wasmlint {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """wasmlint: lint Rust WebAssembly guests for memory growth on exported paths."""


@app.command()
def check(
    paths: list[Path] = typer.Argument(None, help="Files, src/ folders, crates, workspaces or .wasm/.wat modules [default: .]"),
    format: Optional[Format] = typer.Option(None, "--format", "-f", help="Output format [default: text]; concise is one line per finding."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report in --format to FILE; stdout gets the summary line only."),
    layer: list[str] = typer.Option(None, "--layer", help="Layers to run: source, module, runtime, host (repeat or comma-separate)."),
    wasm: list[Path] = typer.Option(None, "--wasm", help="A compiled module of the crate being checked (module layer), and the module the hosts checked load."),
    build: bool = typer.Option(False, "--build", help="Build the crates with cargo for wasm32-unknown-unknown and check the modules. Like `cargo build`, this runs the crates' build scripts and proc macros (and what their .cargo/config.toml names): only on code you trust. cargo builds a copy in the user cache; the tree is not written."),
    offline: bool = typer.Option(False, "--offline", help="With --build: cargo must not use the network (it otherwise fetches the dependencies it lacks, unless its own configuration says offline)."),
    confirm: bool = typer.Option(False, "--confirm", help="Run the modules in a wasmtime sandbox to confirm growth (runtime layer)."),
    scenario: Optional[Path] = typer.Option(None, "--scenario", help="Scenario file for --confirm [default: scenario.toml beside Cargo.toml]."),
    select: list[str] = typer.Option(None, "--select", help="Rule ids or globs to run (e.g. '*-in-export')."),
    ignore: list[str] = typer.Option(None, "--ignore", help="Rule ids or globs to skip."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Lowest severity that makes the exit code 1: error, warning, info."),
    exclude: list[str] = typer.Option(None, "--exclude", help="Glob of paths to skip (adds to the configuration's)."),
    strict: bool = typer.Option(False, "--strict", help="Every export at the rules' own severities, whatever its host contract (wasm-bindgen / raw) and the project's hosts."),
    all_functions: bool = typer.Option(False, "--all-functions", help="Also report allocation in functions no export reaches (as info)."),
    features: list[str] = FEATURES_OPTION,
    all_features: bool = ALL_FEATURES_OPTION,
    no_default_features: bool = NO_DEFAULT_FEATURES_OPTION,
    config_file: Optional[Path] = typer.Option(None, "--config", help="Use this wasmlint.toml (or Cargo.toml) instead of searching."),
    show_config: bool = typer.Option(False, "--show-config", help="Print the effective configuration and where each value came from."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Hide findings recorded in this baseline file."),
    write_baseline: Optional[Path] = typer.Option(None, "--write-baseline", help="Record the current findings to this file."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Worker processes [default: 0, one per core]; crates and modules are spread over them, one crate being one unit."),
    cache_dir: Optional[Path] = CACHE_DIR_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    statistics: bool = typer.Option(False, "--statistics", help="Show how many findings each rule has instead of the findings (text, concise or json)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the findings only: no info lines, no summary."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color", help="Colour the text report [default: on a terminal, unless NO_COLOR or TERM=dumb]."),
    respect_gitignore: bool = RESPECT_GITIGNORE_OPTION,
    stdin_filename: Optional[Path] = typer.Option(None, "--stdin-filename", help="With `check -`: the file the text on stdin stands for (an editor's buffer); the rest of its crate and hosts are read from disk."),
) -> None:
    """Check Rust crates, their compiled modules and the JavaScript/TypeScript hosts that load them."""
    from wasmlint.check import checked_paths, run_check
    from wasmlint.config import ConfigError, find_config, load_config_file
    from wasmlint.discover import discover
    from wasmlint.options import CheckOptions
    from wasmlint.plan import CrateConfigs, make_plan
    from wasmlint.reporters import chunker, text, write_chunks
    from wasmlint.rules import RuleError
    from wasmlint.ruleset import effective_rules
    from wasmlint.terminal import visible

    if stdin_filename is not None or any(str(path) == "-" for path in paths or ()):
        paths = [_stand_in_stdin(paths, stdin_filename)]
        jobs = 1  # the stand-in lives in this process
    paths = list(paths or [Path(".")])
    results = _results_dir(cache_dir, no_cache)
    try:
        severity = Severity.parse(fail_on) if fail_on else None
    except ValueError as exc:
        fail(str(exc))
    overrides = {
        "select": _split(select),
        "ignore": _split(ignore),
        "fail_on": severity,
        **_feature_overrides(features, all_features, no_default_features),
    }

    def configured(found):
        extra = found.exclude + _split(exclude) if exclude else None
        return found.with_overrides(exclude=extra, **overrides)

    try:
        config = configured(load_config_file(config_file) if config_file else find_config(paths[0]))
        all_rules, rules = effective_rules(config, results)
    except ConfigError as exc:
        fail(str(exc))
    if show_config:
        typer.echo(config.describe(visible))
        raise typer.Exit(EXIT_CLEAN)
    layers = _layers(layer, confirm)

    # Each crate follows its nearest configuration (a workspace member's own table, say); the
    # first path's configuration decides run-wide settings (fail-on, scenarios, --show-config).
    # Found once per crate: its features are asked while discovery follows its modules, its rules after.
    config_of = CrateConfigs(config, configured, fixed=config_file is not None)
    targets = discover(paths, config.exclude, features=lambda root: _feature_request(config_of(root)),
                       respect_ignore=respect_gitignore)
    _contain_feature_problems(targets, config_of)
    analysed_hosts, context = _crates_hosts_load(targets, layers, set(all_rules), jobs, results, config.exclude,
                                                 config_of, respect_gitignore)
    if context is not None:
        targets = targets.with_context(context)
    confirm = confirm or Layer.RUNTIME in layers  # asking for the runtime layer means running it
    if confirm:
        _require_wasmtime("--confirm")
    # A host that carries its module in its text gives --confirm a module for V8 to run.
    carried = any(outcome.embedded for outcome in (analysed_hosts or {}).values())
    if (confirm or Layer.MODULE in layers and layer) and not (wasm or targets.modules or build or carried and confirm):
        fail("the module and runtime layers need a compiled module: add --build, or --wasm FILE, or give a .wasm path")
    plan = make_plan(targets, config, config_of, results, list(wasm or []),
                     (lambda crates: _build(crates, offline)) if build else None)
    options = CheckOptions(
        layers=layers,
        wasm=plan.wasm,
        build=build,
        confirm=confirm,
        scenario=scenario,
        all_functions=all_functions,
        jobs=jobs or _cores(),
        scenarios=config.scenarios,
        cache_dir=results,
        strict=strict,
        hosts_unknown=plan.hosts_unknown,
    )
    try:
        report = run_check(plan.targets, rules, all_rules, options, plan.modules, plan.crate_rules, analysed_hosts)
    except RuleError as exc:  # a rule query that does not compile, found when it is first needed
        fail(str(exc))

    if baseline is not None or write_baseline is not None:
        report = _baseline(report, baseline, write_baseline, checked_paths(plan.targets))

    chosen = format or (Format.text)
    pieces = chunker(chosen.value)  # each report is written as it is made, never held whole
    colored = text.use_color(sys.stdout) if color is None else color
    if statistics and chosen in (Format.sarif, Format.github):
        fail(f"--statistics counts findings per rule: use it with --format text, concise or json, not {chosen.value}")
    if output is not None:
        try:
            # errors=: a file name that is not UTF-8 is written with its own bytes, as on stdout.
            with output.open("w", encoding="utf-8", errors="surrogateescape") as written:
                write_chunks(pieces(report, rules), written.write)
        except OSError as exc:
            fail(f"{output}: cannot write the report: {exc.strerror or exc}")
    if statistics:
        from wasmlint.reporters import statistics as counted

        shown = counted.render_json(report, rules) if chosen is Format.json else counted.render_text(report, rules, quiet=quiet)
        typer.echo(shown, nl=False, color=True)
    elif output is not None:
        # The report is in the file (for SARIF, code scanning shows it on the pull request): the
        # log says what happened, and nothing on stdout reports a finding a second time.
        typer.echo(text.render_summary(report, color=colored), nl=False, color=colored)
    elif chosen is Format.text:
        # color=: click would strip the escapes when stdout is a pipe
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        write_chunks(text.chunks(report, rules, color=colored, width=width, quiet=quiet),
                     lambda piece: typer.echo(piece, nl=False, color=colored))
    elif chosen is Format.concise:
        from wasmlint.reporters import concise

        write_chunks(concise.chunks(report, rules, quiet=quiet), lambda piece: typer.echo(piece, nl=False, color=True))
    else:
        # color=True: a machine format is written exactly as rendered; click would strip what
        # looks like a colour code in a pipe, and so change a path in a `github` annotation.
        write_chunks(pieces(report, rules), lambda piece: typer.echo(piece, nl=False, color=True))
    # On GitHub Actions the text report also carries annotations (errors first: GitHub shows only
    # the first few of each kind). Not with --output: that report is the one to use.
    text_on_stdout = output is None and chosen is Format.text and not statistics
    if text_on_stdout and os.environ.get("GITHUB_ACTIONS") == "true":
        write_chunks(chunker("github")(report, rules), lambda piece: typer.echo(piece, nl=False, color=True))
    _print_errors(report.errors)
    raise typer.Exit(_exit_code(report, config.fail_on))


def _require_wasmtime(what: str) -> None:
    """The runtime layer runs modules in wasmtime, an extra (`wasmlint[runtime]`): say so in one line."""
    from importlib.util import find_spec

    if find_spec("wasmtime") is None:
        fail(f"{what} runs modules in wasmtime, which is not installed: pip install 'wasmlint[runtime]' "
             "(pipx: pipx install 'wasmlint[runtime]', or pipx inject wasmlint wasmtime)")


def _stand_in_stdin(paths: list[Path] | None, name: Path | None) -> Path:
    """`check - --stdin-filename PATH`: the text on stdin is checked as the file PATH (every read of
    PATH gives it); the rest of PATH's crate, its hosts and its configuration come from disk."""
    from wasmlint.reading import SOURCE_LIMIT, stand_in, too_large

    if name is None:
        fail("`check -` reads a file's text from stdin: add --stdin-filename PATH, the file it stands for")
    if paths and [str(path) for path in paths] != ["-"]:
        fail("--stdin-filename checks the text on stdin: give `-` as the only path")
    if not name.is_file():
        fail(f"{name}: --stdin-filename must name an existing file of the project (the rest of its crate is read from disk)")
    data = sys.stdin.buffer.read(SOURCE_LIMIT + 1)
    if len(data) > SOURCE_LIMIT:
        fail(f"stdin ({name}): {too_large(SOURCE_LIMIT)}")
    stand_in(name, data)
    return name


def _crates_hosts_load(targets, layers, known_ids: set[str], jobs: int, results: Path | None,
                       exclude: tuple[str, ...], config_of, respect_ignore: bool) -> tuple[dict | None, Targets | None]:
    """With the host layer on: the hosts' analyses, and the crates the hosts load that the paths
    given do not include, found as context (read, never reported; None when there are none), for
    the caller to add so that a host named alone is judged as in the project."""
    from wasmlint.check import crates_hosts_load
    from wasmlint.discover import discover
    from wasmlint.options import CheckOptions

    if Layer.HOST not in layers or not targets.hosts:
        return None, None
    analysed, folders = crates_hosts_load(targets, known_ids, CheckOptions(jobs=jobs or _cores(), cache_dir=results))
    if not folders:
        return analysed, None
    return analysed, discover(folders, exclude, features=lambda root: _feature_request(config_of(root)),
                              reported=False, respect_ignore=respect_ignore)


def _feature_overrides(features: list[str] | None, all_features: bool, no_default_features: bool) -> dict:
    """The feature options given (None: not given, so the configuration's stand)."""
    from wasmlint.config import split_features

    return {
        "features": split_features(features) if features else None,
        "all_features": True if all_features else None,
        "no_default_features": True if no_default_features else None,
    }


def _feature_request(config):
    from wasmlint.cfg import FeatureRequest

    return FeatureRequest(config.features, config.all_features, config.no_default_features)


def _contain_feature_problems(targets, configs: CrateConfigs) -> None:
    """A feature the crates lack: an error that ends the run when the command line or the run's
    configuration asked for it; when a crate's own configuration did, only that crate is not checked."""
    for origin, crates, message in _feature_problems(targets, configs):
        if origin == "command line" or origin == configs.run.source:
            fail(message)
        for crate in crates:
            configs.misconfigured.setdefault(crate.root, message)


def _feature_problems(targets, config_of) -> list[tuple[str, list, str]]:
    """cargo refuses a feature the package does not have: so does wasmlint. A feature asked for by
    the command line, or by one configuration for several crates (a workspace's table), must exist
    in at least one of them (a workspace's members differ). (origin, the crates it asked, message)
    for each that does not."""
    asked_by: dict[str, list] = {}
    for crate in targets.crates:
        if crate.features is not None:
            asked_by.setdefault(config_of(crate.root).origins.get("features", "command line"), []).append(crate)
    problems = []
    for origin, crates in asked_by.items():
        for name in sorted({name for crate in crates for name in crate.features.unknown}):
            if all(name in crate.features.unknown for crate in crates):
                where = "--features" if origin == "command line" else f"{origin}: `features`"
                who = f"crate {crates[0].name}" if len(crates) == 1 else "none of the crates checked"
                has = _has(crates[0]) if len(crates) == 1 else ""
                problems.append((origin, crates, f"{where}: {who} has{' no' if len(crates) == 1 else ''} feature `{name}`{has}"))
    return problems


def _has(crate) -> str:
    names = sorted(crate.features.known - {"default"})
    return f" (it has: {', '.join(names)})" if names else " (it has no features)"


def _cores() -> int:
    """The cores this process may run on (fewer than the machine's under a CPU affinity mask)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _layers(values: list[str] | None, confirm: bool) -> frozenset[Layer]:
    names = _split(values)
    if not names:
        chosen = {Layer.SOURCE, Layer.MODULE, Layer.HOST}
        if confirm:
            chosen.add(Layer.RUNTIME)
        return frozenset(chosen)
    try:
        return frozenset(Layer(name) for name in names)
    except ValueError:
        fail(f"unknown layer in --layer {','.join(names)!r} (expected source, module, runtime, host)")


def _build(crates: list[Crate], offline: bool) -> tuple[list[tuple[Path, Crate | None]], list[RunError]]:
    """Build every crate for wasm32; a crate that fails to build is a run error, the rest go on.
    stderr gets which toolchain was chosen and why, then cargo's progress as it builds. Returns the
    modules built, each with its crate, and the errors."""
    from wasmlint.cfg import FeatureRequest
    from wasmlint.discover import display_path
    from wasmlint.terminal import visible
    from wasmlint.toolchain import BuildError, ToolchainError, build, find_toolchain

    built: list[tuple[Path, Crate | None]] = []
    errors: list[RunError] = []
    seen: set[Path] = set()
    crates = [crate for crate in crates if crate.manifest is not None]
    if not crates:
        return built, errors
    try:
        toolchain = find_toolchain()
    except ToolchainError as exc:
        fail(str(exc))
    typer.echo(f"wasmlint --build: {toolchain.choice}{'; offline' if offline else ''}", err=True)
    for crate in crates:
        # The module is built with the features the source layer judged the crate by.
        features = None if crate.feature_request == FeatureRequest() else sorted(crate.cfg.features)
        try:
            artifacts = build(crate.root, toolchain=toolchain, features=features, offline=offline,
                              progress=lambda line: typer.echo(visible(line), err=True))
        except ToolchainError as exc:
            fail(str(exc))
        except BuildError as exc:
            errors.append(RunError(display_path(crate.manifest or crate.root), str(exc)))
            continue
        for artifact in artifacts:
            if artifact.path not in seen:
                seen.add(artifact.path)
                built.append((artifact.path, crate))
    return built, errors


def _baseline(report: Report, use: Path | None, write: Path | None, checked: set[str]) -> Report:
    """The report with the baseline written and/or applied, and a note of each: a new Report."""
    from dataclasses import replace

    from wasmlint.baseline import BaselineError, apply_baseline, write_baseline

    try:
        if write is not None:
            count = write_baseline(report, write)
            report = replace(report, notes=[*report.notes, f"baseline with {count} finding{'s' if count != 1 else ''} written to {write}"])
        if use is not None:
            # Entries for paths this run did not look at are not "fixed".
            result = apply_baseline(report, use, checked_paths=checked)
            report = replace(result.report, notes=[*result.report.notes,
                                                   f"{result.hidden} hidden by the baseline, {result.fixed} fixed since it was written"])
    except BaselineError as exc:
        fail(str(exc))
    return report


def _exit_code(report: Report, fail_on: Severity) -> int:
    if report.errors:
        return EXIT_ERROR
    if any(f.severity >= fail_on for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


@app.command()
def exports(
    paths: list[Path] = typer.Argument(None, help="Crates, workspaces, src/ folders or .rs files [default: .]"),
    format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="Output format."),
    features: list[str] = FEATURES_OPTION,
    all_features: bool = ALL_FEATURES_OPTION,
    no_default_features: bool = NO_DEFAULT_FEATURES_OPTION,
    respect_gitignore: bool = RESPECT_GITIGNORE_OPTION,
) -> None:
    """List what wasmlint considers exported: each export's symbol, function, form (no_mangle,
    export_name, wasm_bindgen, method of a type, start), host contract and the cfg that enabled it.

    Exit codes: 0 listed, 2 a path, a crate or a configuration could not be read.
    """
    from wasmlint.config import ConfigError, find_config
    from wasmlint.discover import discover
    from wasmlint.discover import display_path
    from wasmlint.listing import crate_exports, render_json, render_text
    from wasmlint.plan import CrateConfigs
    from wasmlint.ruleset import effective_rules

    paths = list(paths or [Path(".")])
    overrides = _feature_overrides(features, all_features, no_default_features)
    try:
        run_config = find_config(paths[0]).with_overrides(**overrides)
    except ConfigError as exc:
        fail(str(exc))
    config_of = CrateConfigs(run_config, lambda found: found.with_overrides(**overrides))
    targets = discover(paths, run_config.exclude, features=lambda root: _feature_request(config_of(root)),
                       respect_ignore=respect_gitignore)
    _contain_feature_problems(targets, config_of)
    targets = config_of.checked(targets)
    errors = list(targets.errors)
    listings = []
    for crate in targets.crates:
        try:
            _, rules = effective_rules(config_of(crate.root))
        except ConfigError as exc:
            errors.append(RunError(display_path(crate.manifest or crate.root), str(exc)))
            continue
        listing = crate_exports(crate, {k: r for k, r in rules.items() if r.layer is Layer.SOURCE})
        errors += listing.errors
        listings.append(listing)
    if not targets.crates and not errors:
        errors.append(RunError(", ".join(str(p) for p in paths), "no Rust crate or .rs file here"))
    if format is SimpleFormat.json:
        typer.echo(render_json(listings, targets.notes, errors), nl=False)
    else:
        typer.echo(render_text(listings, targets.notes), nl=False)
    _print_errors(errors)
    raise typer.Exit(EXIT_ERROR if errors else EXIT_CLEAN)


@app.command()
def inspect(
    module: Path = typer.Argument(..., help="A .wasm module (or .wat text module)."),
    format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="Output format."),
    cache_dir: Optional[Path] = CACHE_DIR_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
) -> None:
    """Show what the module layer sees: imports, exports, memories, grow sites, allocator, reachability."""
    import json

    from wasmlint.discover import display_path
    from wasmlint.module import ModuleLoadError, render_inspect_text
    from wasmlint.module_layers import module_facts

    try:
        facts = module_facts(module, _results_dir(cache_dir, no_cache))
    except ModuleLoadError as exc:
        fail(str(exc))
    if format is SimpleFormat.json:
        typer.echo(json.dumps(facts.to_dict(), indent=2))
    else:
        typer.echo(render_inspect_text(facts, display_path(module)), nl=False)


@app.command()
def run(
    module: Path = typer.Argument(..., help="A .wasm module (or .wat text module)."),
    scenario: Optional[Path] = typer.Option(None, "--scenario", help="Scenario file (TOML); without one, smoke calls."),
    format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="Output format."),
    fuel: Optional[int] = typer.Option(None, "--fuel", help="Fuel per call (wasmtime instructions budget)."),
    seconds: Optional[float] = typer.Option(None, "--seconds", help="Wall-clock seconds per call."),
    memory_mb: Optional[int] = typer.Option(None, "--memory-mb", help="Memory cap per instance, in MiB."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds before the worker process is killed."),
) -> None:
    """Run a module's exports in the wasmtime sandbox and print the page count around every call.

    Exit codes: 0 ran (growth is reported, not an error), 1 a scenario expectation failed,
    2 the module could not be loaded or run.
    """
    import json

    _require_wasmtime("wasmlint run")
    from wasmlint.runtime import Limits, ScenarioError, load_scenario, render_run_text, run_module

    if not module.is_file():
        fail(f"{module}: no such module file")
    try:
        loaded = load_scenario(scenario) if scenario is not None else None
        given: dict[str, Any] = {
            "fuel_per_call": fuel,
            "seconds_per_call": seconds,
            "memory_bytes": memory_mb * 1024 * 1024 if memory_mb else None,
            "worker_timeout": timeout,
        }
        limits = Limits(**{key: value for key, value in given.items() if value is not None})
    except (ScenarioError, ValueError) as exc:
        fail(str(exc))
    result = run_module(module, loaded, limits)
    if format is SimpleFormat.json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(render_run_text(result), nl=False)
    if result.error or result.unsupported:
        say_error(f"{module}: {result.error or result.unsupported}")
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if result.failures else EXIT_CLEAN)


@app.command()
def clean(
    cache_dir: Optional[Path] = CACHE_DIR_OPTION,
) -> None:
    """Remove every cache wasmlint made: cached results, --build's cargo folders and project
    copies, wasmtime's compiled code. Files wasmlint did not write are left alone."""
    from wasmlint.cache import default_results_dir
    from wasmlint.cleanup import clean_caches, human_size

    freed = clean_caches(cache_dir.absolute() if cache_dir else default_results_dir())
    for kind in freed:
        typer.echo(kind.line())
    typer.echo(f"freed {human_size(sum(kind.size for kind in freed))}")


@app.command()
def rules(
    format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="Output format."),
) -> None:
    """List the rules: id, layer, severity and summary."""
    import json

    from wasmlint.rules import RuleError, load_rules

    try:
        loaded = load_rules()
    except RuleError as exc:
        fail(str(exc))
    ordered = sorted(loaded.values(), key=lambda r: (list(Layer).index(r.layer), r.id))
    if format is SimpleFormat.json:
        data = [{"id": r.id, "layer": str(r.layer), "severity": r.severity.label, "summary": r.summary} for r in ordered]
        typer.echo(json.dumps(data, indent=2))
        return
    width = max(len(r.id) for r in ordered)
    typer.echo(f"{'ID'.ljust(width)}  {'LAYER':7}  {'SEVERITY':8}  SUMMARY")
    for rule in ordered:
        typer.echo(f"{rule.id.ljust(width)}  {rule.layer!s:7}  {rule.severity.label:8}  {rule.summary}")


@app.command()
def explain(rule_id: str = typer.Argument(..., help="A rule id, as shown by `wasmlint rules`.")) -> None:
    """Show a rule's documentation: what it flags, why it matters, how to fix it, examples."""
    from wasmlint.rules import RuleError, load_rules

    try:
        loaded = load_rules()
    except RuleError as exc:
        fail(str(exc))
    rule = loaded.get(rule_id)
    if rule is None:
        close = [r for r in loaded if rule_id in r or r.startswith(rule_id.split("-")[0])]
        hint = f" (did you mean {', '.join(sorted(close)[:3])}?)" if close else " (see `wasmlint rules`)"
        fail(f"unknown rule id {rule_id!r}{hint}")
    typer.echo(explain_text(rule))


def explain_text(rule) -> str:
    lines = [f"{rule.id} ({rule.layer} layer, {rule.severity.label})", "", rule.summary, "", "Why it matters", "", rule.why, "", "How to fix it", "", rule.fix]
    flagged = next((c for c in rule.tests if c.flagged), None)
    fine = next((c for c in rule.tests if not c.flagged), None)
    language = {Layer.SOURCE: "rust", Layer.HOST: "javascript"}.get(rule.layer, "wat")
    if flagged is not None:
        lines += ["", f"Flagged ({language}):", "", _indent(flagged.code)]
    if fine is not None:
        lines += ["", f"Not flagged ({language}):", "", _indent(fine.code)]
    return "\n".join(lines).rstrip() + "\n"


def _indent(code: str) -> str:
    return "\n".join("    " + line if line else "" for line in code.rstrip().splitlines())


def main() -> None:
    try:
        app(prog_name="wasmlint")
    except KeyboardInterrupt:
        say_error("interrupted")
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # a bug of ours: one line and exit 2, never a traceback or exit 1
        say_error(f"internal error ({type(exc).__name__}: {exc}); please report it")
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
