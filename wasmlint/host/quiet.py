"""Calls the module's facts say can never grow memory (`peek`, `poke`, a `write_only` that calls
the host and no allocator): the analysis records every call into the module, and only the
module's facts tell which of them may grow. Where a decision is made before the findings are
judged (which slots an entry point re-made after its growth), such calls age nothing."""

from __future__ import annotations

from typing import Any

from wasmlint.host.values import Grow


def never_grows(grow: Grow, module: Any) -> bool | None:
    """True: every export the call may reach has no path to `memory.grow` nor to an import
    through which the host grows memory (as `report.py` judges them); False: it may grow (or it
    is the host's own growth); None: the module's facts are unknown."""
    if grow.host_grow or not grow.exports:
        return False
    if module is None:
        return None
    for name in grow.exports:
        export = module.export(name)
        if export is None or export.kind != "func" or export.status == "grows" or export.host_growth_path:
            return False
    return True
