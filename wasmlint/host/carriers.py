"""A module carried by a file the host imports: `import { wasmCode } from "./wasmCode.js"`, then
`new WebAssembly.Module(wasmCode)` (@chainsafe/as-sha256 keeps its AssemblyScript module as a byte
array in a generated file, two imports away from the code that calls it). A host that carries no
module, names none and sits beside none is judged by the module the files it imports carry,
found through its relative imports (breadth first, a few levels and files at most).

Where the nearest files carry several modules (as-sha256 carries a SIMD build and a plain one and
picks at run time by `WebAssembly.validate`), the host may run any of them: it is judged by the one
in which the most of the exports it calls may grow memory (of those exporting the most of them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from wasmlint.host.embedded import EmbeddedModule, embedded_literals, may_embed_module

MAX_DEPTH = 3  # imports followed from the host
MAX_FILES = 24  # files read in all
MAX_CANDIDATES = 4  # modules compared, when the nearest files carry several
_IMPORT = re.compile(rb"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](\.{1,2}/[^"'\n]{1,300})["']""")

Reader = Callable[[str, str], "tuple[str, bytes] | None"]


def carried_by_imports(host: str, source: bytes, called: list[str], read: Reader) -> EmbeddedModule | None:
    """The module the nearest files that the host (display path `host`, text `source`) imports
    carry; None when none does. `called`: the exports the host calls, to choose among several."""
    from wasmlint.host.parsing import parse_host

    seen = {host}
    level = [(host, source)]
    for _ in range(MAX_DEPTH):
        following: list[tuple[str, bytes]] = []
        carried: list[EmbeddedModule] = []
        for importer, text in level:
            for specifier in dict.fromkeys(m.group(1).decode("utf-8", "replace") for m in _IMPORT.finditer(text)):
                found = read(importer, specifier) if len(seen) < MAX_FILES else None
                if found is None or found[0] in seen:
                    continue
                shown, imported = found
                seen.add(shown)
                if may_embed_module(imported):
                    carrier = Path(shown).absolute()
                    carried += [EmbeddedModule(carrier, literal) for literal in embedded_literals(parse_host(shown, imported))]
                following.append((shown, imported))
        if carried:
            return _most_growing(carried[:MAX_CANDIDATES], called)
        level = following
    return None


def _most_growing(candidates: list[EmbeddedModule], called: list[str]) -> EmbeddedModule:
    """Of the modules the host may load, the one exporting the most of what it calls, and of
    those the one in which the most of them may grow memory; the first of equals."""
    if len(candidates) == 1:
        return candidates[0]
    from wasmlint.host.embedded import EmbeddedModuleError, embedded_module_bytes
    from wasmlint.module.analysis import ModuleLoadError, analyze_loaded_module
    from wasmlint.module.leb import DecodeError

    def weight(candidate: EmbeddedModule) -> tuple[int, int]:
        try:
            facts = analyze_loaded_module(embedded_module_bytes(candidate), candidate.label())
        except (EmbeddedModuleError, ModuleLoadError, DecodeError):
            return (-1, -1)  # a corrupt one is reported when it is the module chosen, not here
        exports = [facts.export(name) for name in called]
        return (sum(e is not None for e in exports), sum(e is not None and e.status == "grows" for e in exports))

    return max(candidates, key=weight)  # max keeps the first of equals
