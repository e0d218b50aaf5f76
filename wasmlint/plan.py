"""The plan of a check: what every layer is handed, decided once before any layer runs.

From what discovery found, the configurations and `--wasm`/`--build`: the crates as checked (each
crate's own configuration's excludes applied, a misconfigured crate left out with an error naming
it), the rules in force per crate, the modules to check (built ones paired with their crate) and
every error met on the way. Nothing found by discovery is changed: the plan holds new values.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from wasmlint.config import Config, ConfigError, find_config
from wasmlint.discover import Crate, Targets, display_path, is_excluded
from wasmlint.findings import RunError
from wasmlint.reading import is_file, problem_with
from wasmlint.rules import Rule


class CrateConfigs:
    """Each crate's nearest configuration, found once per crate root (`configs(root)`). A crate
    whose own configuration is bad is not checked: `checked` leaves it out with one error naming
    the file and the key, and the rest of the run goes on; until then the run's configuration
    stands in for it. The run's own configuration (the first path's, or --config) was read before:
    an error in it ends the run, as it decides run-wide settings."""

    def __init__(self, run: Config, configured: Callable[[Config], Config] = lambda found: found,
                 fixed: bool = False) -> None:
        self.run = run
        self.configured = configured
        self.fixed = fixed  # --config: one configuration for every crate
        self.found: dict[Path, Config] = {}
        self.misconfigured: dict[Path, str] = {}  # crate root -> what is wrong with its configuration

    def __call__(self, root: Path) -> Config:
        if self.fixed:
            return self.run
        if root not in self.found:
            try:
                self.found[root] = self.configured(find_config(root))
            except ConfigError as exc:
                self.misconfigured[root] = str(exc)
                self.found[root] = self.run
        return self.found[root]

    def checked(self, targets: Targets) -> Targets:
        """`targets` without the misconfigured crates, with an error for each."""
        dropped = [crate for crate in targets.crates if crate.root in self.misconfigured]
        return dataclasses.replace(
            targets,
            crates=[crate for crate in targets.crates if crate.root not in self.misconfigured],
            errors=targets.errors + [RunError(display_path(crate.root), f"crate {crate.name} not checked: "
                                              f"{self.misconfigured[crate.root]}") for crate in dropped],
        )


@dataclass(frozen=True)
class Plan:
    targets: Targets  # the crates as checked; `errors` holds every error met while planning too
    crate_rules: Mapping[Path, dict[str, Rule]]  # crates whose own configuration's rules differ from the run's
    modules: list[tuple[Path, Crate | None]]  # module files to check, each with the crate built into it
    wasm: tuple[Path, ...]  # the --wasm modules that exist
    hosts_unknown: frozenset[Path]  # crate roots configured with hosts = "unknown"


Builder = Callable[[list[Crate]], tuple[list[tuple[Path, Crate | None]], list[RunError]]]


def make_plan(targets: Targets, config: Config, config_of: CrateConfigs, cache_dir: Path | None,
              wasm: list[Path], build: Builder | None = None) -> Plan:
    """The plan of a check of `targets` under the run's `config`, each crate following its own
    (`config_of`). `build` (--build) builds the crates checked: the modules it returns are checked
    with their crate, its errors (a crate that fails to build) are errors of the plan."""
    from wasmlint.ruleset import effective_rules

    crate_rules: dict[Path, dict[str, Rule]] = {}
    crates: list[Crate] = []
    for crate in targets.crates:
        own = config_of(crate.root)
        if not config_of.fixed and own.source != config.source:
            try:
                crate_rules[crate.root] = effective_rules(own, cache_dir)[1]
            except ConfigError as exc:
                config_of.misconfigured[crate.root] = str(exc)
            crate = dataclasses.replace(crate, files=[f for f in crate.files if not is_excluded(f, own.exclude)])
        crates.append(crate)
    checked = config_of.checked(dataclasses.replace(targets, crates=crates))
    errors = list(checked.errors)
    for path in wasm:
        problem = problem_with(path)
        if problem is not None:
            errors.append(RunError(str(path), problem if os.path.lexists(path) else "no such module file"))
    modules: list[tuple[Path, Crate | None]] = list(_modules_once(wasm + checked.modules))
    if build is not None:
        built, build_errors = build(checked.crates)
        modules += built
        errors += build_errors
    return Plan(
        targets=dataclasses.replace(checked, errors=errors),
        crate_rules=crate_rules,
        modules=[m for m in modules if is_file(m[0])],
        wasm=tuple(p for p in wasm if is_file(p)),
        hosts_unknown=frozenset(crate.root for crate in checked.crates if config_of(crate.root).hosts == "unknown"),
    )


def _modules_once(paths: list[Path]) -> list[tuple[Path, None]]:
    """Each module file once, by where it really is: one given with --wasm that the folder walk
    also found is checked (and reported) once, as given."""
    seen: set[str] = set()
    kept = []
    for path in paths:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            kept.append((path, None))
    return kept
