"""Which crate of the project a host loads, and that crate's exports judged by its source: where
no module is built (as in most repositories), the source layer's findings say which exports may
grow memory, so a host can still be judged per export."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wasmlint.host.modules import module_candidates
from wasmlint.host.values import HostFacts
from wasmlint.reading import CONFIG_LIMIT, exists, is_file, read_regular


@dataclass(frozen=True)
class SourceExport:
    """One export as the source shows it, shaped like the module layer's export facts."""

    name: str
    status: str  # "grows": an allocation is reachable from it; "no": none is
    path: tuple[str, ...] = ()  # export -> ... -> the allocating construct
    at: str = ""  # where that construct is: `path:line`
    kind: str = "func"
    host_growth_path: tuple[str, ...] = ()


@dataclass
class SourceModule:
    """A crate's exports judged by its source, standing in for its module."""

    label: str  # e.g. "guests/game-of-life/Cargo.toml (source; no module built)"
    name: str  # the crate's name
    exports: dict[str, SourceExport] = field(default_factory=dict)
    memories: tuple = ()
    from_source: bool = True

    def export(self, name: str) -> SourceExport | None:
        return self.exports.get(name)


def source_module(label: str, name: str, symbols, findings, reach: dict[str, frozenset], rules) -> SourceModule:
    """`symbols`: the crate's exports; `findings`: its source findings; `reach`: export -> keys of
    the findings in the functions it reaches (see check.CrateOutcome); `rules`: the rules by id.
    Findings of rules that are not `allocation` ones (about the files themselves) say nothing of
    whether an export may grow memory."""
    from wasmlint.findings import Finding, finding_key

    not_allocation = {rule_id for rule_id, rule in rules.items() if not rule.allocation}
    by_key = {finding_key(f): f for f in findings if f.rule_id not in not_allocation}
    own: dict[str, Finding] = {}  # each export's first finding of its own (by_key's order)
    for finding in by_key.values():
        if finding.symbol is not None:
            own.setdefault(finding.symbol, finding)
    module = SourceModule(label, name)
    for symbol in symbols:
        reached = [key for key in reach.get(symbol, ()) if key in by_key]
        first = by_key[min(reached)] if reached else own.get(symbol)
        if first is not None:
            hops = first.call_path or (symbol,)
            module.exports[symbol] = SourceExport(symbol, "grows", hops, f"{first.path}:{first.line}")
        else:
            module.exports[symbol] = SourceExport(symbol, "no")
    return module


def crate_loaded_by(host: Path, facts: HostFacts, roots: dict[Path, str], paths: Sequence[str] = ()) -> Path | None:
    """The root of the crate whose module the host loads, from: a path it names (or builds:
    `paths`, see `modules.module_paths`) under the crate's `target/` or wasm-pack `pkg/` (built or
    not), its own place in a `pkg/`, or a package it imports by name that a `package.json` above
    it maps to `file:../pkg` (or that is named as the crate is)."""
    for ref in [*paths, *facts.module_refs]:
        for candidate in module_candidates(host, ref):
            root = _crate_above(candidate, roots)
            if root is not None:
                return root
    root = _crate_above(host, roots)
    if root is not None and "pkg" in host.parts:
        return root
    packages = {_package_name(spec) for spec in facts.imports if not spec.startswith((".", "/"))}
    for package in sorted(packages):
        target = _local_dependency(host, package)
        if target is not None:
            root = target if target in roots else (target.parent if target.parent in roots else None)
            if root is not None:
                return root
        named = [r for r, name in roots.items() if name == package or name.replace("-", "_") == package.replace("-", "_")]
        if len(named) == 1:
            return named[0]
    return None


def crate_folders_named_by(host: Path, facts: HostFacts, paths: Sequence[str] = ()) -> list[Path]:
    """The folders holding a Cargo.toml that `crate_loaded_by` may find for this host without
    knowing the project's crates: above the `target/` or `pkg/` of a module it names (or builds)
    or lies in, and a `file:` dependency of its package.json. (A package it imports that only the
    crate's name matches, or a crate known only by its exports, needs the project's crates:
    `check` of the project finds that one.)"""
    found: list[Path] = []
    for ref in [*paths, *facts.module_refs]:
        for candidate in module_candidates(host, ref):
            found += _folders_above_outputs(candidate)
    if "pkg" in host.parts:
        found += _folders_above_outputs(host)
    for package in sorted({_package_name(spec) for spec in facts.imports if not spec.startswith((".", "/"))}):
        target = _local_dependency(host, package)
        if target is not None:
            found += [target, target.parent]
    return [folder for folder in dict.fromkeys(found) if is_file(folder / "Cargo.toml")]


def crate_by_exports(host: Path, called: Sequence[str], crates: Mapping[Path, SourceModule]) -> Path | None:
    """For a host that names no module or crate that exists (`fetch("main.wasm")` of a file a
    build script copies there): the one crate of the project whose exports cover every export
    the host calls; of several, the one in the host's own project; None when that leaves none or
    more than one."""
    from wasmlint.reading import inside, project_root

    wanted = set(called)
    if not wanted:
        return None
    covering = [root for root, module in crates.items() if wanted <= module.exports.keys()]
    if len(covering) > 1:
        project = project_root(host)
        covering = [root for root in covering if inside(root.resolve(), project)]
    return covering[0] if len(covering) == 1 else None


def linked_by_exports(module: SourceModule, called: Sequence[str]) -> SourceModule:
    """The crate's stand-in, labelled with how the host was linked to it (the evidence says so)."""
    names = ", ".join(f"`{name}`" for name in sorted(set(called)))
    return dataclasses.replace(module, label=f"{module.label}, linked to this host by the exports it calls: {names}")


def _folders_above_outputs(path: Path) -> list[Path]:
    """The folders `path` lies in through a `target/` or `pkg/` folder, resolved where they exist."""
    parts = path.parts
    folders = []
    for index, part in enumerate(parts):
        if part in ("target", "pkg"):
            root = Path(*parts[:index])
            folders.append(root.resolve() if exists(root) else root)
    return folders


def _crate_above(path: Path, roots: dict[Path, str]) -> Path | None:
    """A crate root that `path` lies in through its `target/` or `pkg/` folder."""
    return next((root for root in _folders_above_outputs(path) if root in roots), None)


def _package_name(specifier: str) -> str:
    parts = specifier.split("/")
    return "/".join(parts[:2]) if specifier.startswith("@") else parts[0]


def _local_dependency(host: Path, package: str) -> Path | None:
    """The folder a `file:` dependency on `package` points to, in the nearest package.json above."""
    for folder in host.resolve().parents:
        manifest = folder / "package.json"
        if is_file(manifest):
            try:
                data = json.loads(read_regular(manifest, CONFIG_LIMIT))
            except (OSError, ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
                return None  # a hint only, like a package.json that is not JSON
            for key in ("dependencies", "devDependencies", "peerDependencies"):
                table = data.get(key) if isinstance(data, dict) else None
                spec = table.get(package) if isinstance(table, dict) else None
                if isinstance(spec, str) and spec.startswith("file:") and "\x00" not in spec:
                    return (folder / spec[len("file:"):]).resolve()
            return None
        if exists(folder / ".git"):
            return None
    return None
