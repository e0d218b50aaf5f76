"""Find and validate configuration (`wasmlint.toml`, `[package|workspace.metadata.wasmlint]`) into a frozen Config.

Precedence: command-line flags over the nearest configuration found walking up from the first
path checked; at each folder `wasmlint.toml` wins over `Cargo.toml`'s `[package.metadata.wasmlint]`,
which wins over its `[workspace.metadata.wasmlint]`. The first one found is used whole (no merging).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wasmlint.findings import Severity
from wasmlint.reading import exists, is_dir, is_file, leads_out, outside, problem_with, project_root, reason
from wasmlint.tomlfiles import read_toml, value_at

KEYS = ("select", "ignore", "severity", "fail-on", "exclude", "scenarios", "rules-dirs",
        "features", "all-features", "no-default-features", "hosts")
HOSTS = ("project", "unknown")


class ConfigError(ValueError):
    """Bad configuration; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("*",)
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    fail_on: Severity = Severity.WARNING
    exclude: tuple[str, ...] = ()
    scenarios: tuple[Path, ...] = ()
    rules_dirs: tuple[Path, ...] = ()
    # The crate's features as cargo's options spell them: they decide its `#[cfg]`s, `cfg_attr`
    # exports and which `mod` declarations are compiled.
    features: tuple[str, ...] = ()
    all_features: bool = False
    no_default_features: bool = False
    # "project": the hosts that load the crate's module are in the checked project, so a raw
    # export's allocation they cannot be hurt by is `info`; "unknown": others exist (a published
    # crate), keep raw exports at full severity.
    hosts: str = "project"
    source: str = "defaults"  # where the file values came from
    origins: dict[str, str] = field(default_factory=dict, compare=False)  # key -> "defaults" | file | "command line"

    def with_overrides(self, **values) -> "Config":
        """Command-line values (None means not given) replace configured ones."""
        given = {key: value for key, value in values.items() if value is not None}
        origins = dict(self.origins)
        for key in given:
            origins[key.replace("_", "-")] = "command line"
        return dataclasses.replace(self, origins=origins, **given)

    def describe(self, shown: Callable[[str], str] = str) -> str:
        """The effective configuration and where each value came from (`--show-config`), one line
        per setting; `shown` is applied to every value, which may come from the analysed tree."""
        rows = [
            ("select", ", ".join(self.select)),
            ("ignore", ", ".join(self.ignore) or "(none)"),
            ("severity", ", ".join(f"{k} = {v.label}" for k, v in self.severity) or "(rule defaults)"),
            ("fail-on", self.fail_on.label),
            ("exclude", ", ".join(self.exclude) or "(none)"),
            ("scenarios", ", ".join(p.as_posix() for p in self.scenarios) or "(scenario.toml beside each crate, if any)"),
            ("rules-dirs", ", ".join(p.as_posix() for p in self.rules_dirs) or "(built-in rules only)"),
            ("features", ", ".join(self.features) or "(none beyond the defaults)"),
            ("all-features", str(self.all_features).lower()),
            ("no-default-features", str(self.no_default_features).lower()),
            ("hosts", self.hosts),
        ]
        width = max(len(key) for key, _ in rows)
        lines = [f"configuration: {shown(str(self.source))}"]
        lines += [f"  {key.ljust(width)} = {shown(value)}    # {shown(self.origins.get(key, 'defaults'))}"
                  for key, value in rows]
        return "\n".join(lines)


def _strings(value: object, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings")
    return tuple(v.strip() for v in value)


def parse_config(data: object, where: str, base: Path) -> Config:
    """Validate one configuration table. `base` is the folder relative paths are taken from."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the wasmlint configuration must be a table")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        hint = f" (known keys: {', '.join(KEYS)})"
        raise ConfigError(f"{where}: unknown key `{unknown[0]}`{hint}")
    values: dict = {}
    if "select" in data:
        values["select"] = _strings(data["select"], where, "select")
    if "ignore" in data:
        values["ignore"] = _strings(data["ignore"], where, "ignore")
    if "severity" in data:
        table = data["severity"]
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: `severity` must be a table of rule-id = \"error\" | \"warning\" | \"info\"")
        pairs = []
        for rule_id, level in sorted(table.items()):
            try:
                pairs.append((rule_id, Severity.parse(str(level))))
            except ValueError as exc:
                raise ConfigError(f"{where}: `severity.{rule_id}`: {exc}") from None
        values["severity"] = tuple(pairs)
    if "fail-on" in data:
        try:
            values["fail_on"] = Severity.parse(str(data["fail-on"]))
        except ValueError as exc:
            raise ConfigError(f"{where}: `fail-on`: {exc}") from None
    if "exclude" in data:
        values["exclude"] = _strings(data["exclude"], where, "exclude")
    if "scenarios" in data:
        values["scenarios"] = _project_paths(data["scenarios"], where, "scenarios", base)
    if "rules-dirs" in data:
        values["rules_dirs"] = _project_paths(data["rules-dirs"], where, "rules-dirs", base)
    if "features" in data:
        values["features"] = split_features(_strings(data["features"], where, "features"))
    for key in ("all-features", "no-default-features"):
        if key in data:
            if not isinstance(data[key], bool):
                raise ConfigError(f"{where}: `{key}` must be true or false")
            values[key.replace("-", "_")] = data[key]
    if "hosts" in data:
        if data["hosts"] not in HOSTS:
            raise ConfigError(f"{where}: `hosts` must be \"project\" or \"unknown\"")
        values["hosts"] = data["hosts"]
    origins = {key.replace("_", "-"): where for key in values}
    return Config(source=where, origins=origins, **values)


def _project_paths(value: object, where: str, key: str, base: Path) -> tuple[Path, ...]:
    """Paths a configuration file names, relative to its folder. They must lie inside its project
    (the configuration may come from the pull request being checked); a path given on the command
    line instead (`--scenario`) may point anywhere."""
    paths = tuple(base / p for p in _strings(value, where, key))
    root = project_root(base) if paths else base
    for path in paths:
        if "\x00" in str(path):  # no file name holds one; every file-system call would raise
            raise ConfigError(f"{where}: `{key}` holds a NUL character, which no path can")
        if outside(path, root) is not None:
            raise ConfigError(f"{where}: `{key}`: {path.as_posix()} is outside the project ({root.as_posix()}); not read")
    return paths


def split_features(values) -> tuple[str, ...]:
    """Feature names as cargo reads `--features`: separated by commas or spaces, in any number of values."""
    return tuple(dict.fromkeys(name for value in values for name in re.split(r"[\s,]+", value) if name))


def _load_toml(path: Path) -> dict:
    try:
        return read_toml(path)
    except OSError as exc:
        raise ConfigError(f"{path}: {reason(exc)}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_config_file(path: Path) -> Config:
    """An explicit `--config FILE`: a wasmlint.toml, or a Cargo.toml with a metadata table."""
    data = _load_toml(path)
    if path.name == "Cargo.toml":
        found = _from_manifest(path, data)
        if found is None:
            raise ConfigError(f"{path}: no [package.metadata.wasmlint] or [workspace.metadata.wasmlint] table")
        return found
    return parse_config(data, path.as_posix(), path.parent)


def _from_manifest(manifest: Path, data: dict) -> Config | None:
    for section in ("package", "workspace"):
        # cargo lets `metadata` hold any value: only a `wasmlint` key inside a table is ours.
        table = value_at(data, section, "metadata", "wasmlint")
        if table is not None:
            return parse_config(table, f"{manifest.as_posix()} [{section}.metadata.wasmlint]", manifest.parent)
    return None


def find_config(start: Path) -> Config:
    """The nearest configuration above `start` (a file or folder), or the defaults."""
    start = start.resolve()
    directory = start if is_dir(start) else start.parent
    for folder in [directory, *directory.parents]:
        own = folder / "wasmlint.toml"
        if os.path.lexists(own) and not is_dir(own):  # a FIFO or a broken link there is an error, not no file
            if problem_with(own) is None and leads_out(own):  # else reading it says what it is
                raise ConfigError(f"{own.as_posix()}: a symlink leading outside the project; not read")
            return parse_config(_load_toml(own), own.as_posix(), folder)
        manifest = folder / "Cargo.toml"
        if is_file(manifest) and not leads_out(manifest):  # discovery says so of a manifest leading out
            try:
                data = read_toml(manifest)
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                data = {}  # discovery reports unreadable manifests; they carry no configuration
            found = _from_manifest(manifest, data)
            if found is not None:
                return found
        if exists(folder / ".git"):
            break  # do not pick up configuration from outside the repository
    return Config()
