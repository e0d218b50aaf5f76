"""Which compiled module a host loads: `--wasm`, a path the host names, or the glue's sibling `.wasm`."""

from __future__ import annotations

import os
from pathlib import Path

from wasmlint.host.values import HostFacts
from wasmlint.reading import is_file


def module_candidates(host: Path, ref: str) -> list[Path]:
    """Where a module the host names may be, most likely first."""
    ref = ref.split("?", 1)[0].split("#", 1)[0]
    if ref.startswith(("http:", "https:", "data:")):
        return []
    ref = ref.removeprefix("file://")
    folder = host.parent
    if os.path.isabs(ref):
        # Also as the tail of `__dirname + '/x.wasm'`: relative to the host's folder.
        return [Path(ref), folder / ref.lstrip("/")]
    # A path the host reads at run time may be relative to its own file (`new URL(.., import.meta.url)`,
    # `path.join(__dirname, ..)`) or to the folder it is started from; try the file's folder first.
    found = [folder / ref, Path.cwd() / ref]
    if not ref.startswith("."):
        # A bare specifier (`pkg/x_bg.wasm`): an installed package next to the host or above it.
        for above in [folder, *folder.parents]:
            found.append(above / "node_modules" / ref)
    return found


def resolve_module(host: Path, facts: HostFacts, given: tuple[Path, ...] = ()) -> Path | None:
    """The module file this host loads, or None. With `--wasm`, the given module that exports
    the most of what the host calls is meant (usually there is one); otherwise the first path the
    host names that exists, else `x_bg.wasm` / `x.wasm` beside glue `x.js`."""
    if given:
        return given[0]
    for ref in facts.module_refs:
        for candidate in module_candidates(host, ref):
            if is_file(candidate):
                return candidate
    if facts.glue_stem:
        for name in (f"{facts.glue_stem}_bg.wasm", f"{facts.glue_stem}.wasm"):
            candidate = host.parent / name
            if is_file(candidate):
                return candidate
    return None
