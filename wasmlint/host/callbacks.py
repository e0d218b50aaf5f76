"""When something an import callback does happens: the module calls an import only during the
export calls whose path reaches it, so a use or a call made in the callback run inside export X
happens only if X calls that import; and the callback sees X's own growth only if X may grow
before calling the import (the module's facts say both)."""

from __future__ import annotations

import dataclasses

from wasmlint.host.values import Grow, StaleUse

# The (export, import, calls it was stale after) runs of import callbacks a use was seen in; None: anywhere
Context = tuple[tuple[str, str, tuple[Grow, ...]], ...] | None


def seen_in(known: StaleUse | None, inside: tuple[str, object, str] | None, grows: tuple[Grow, ...]) -> Context:
    """The contexts of a use seen (again) after `grows`, now inside `inside` (the export call whose
    import callbacks run: name, call, import), or outside every export call (None)."""
    if inside is None or (known is not None and known.only_inside is None):
        return None
    earlier = known.only_inside if known is not None and known.only_inside else ()
    kept = [c for c in earlier if (c[0], c[1]) != (inside[0], inside[2])]
    before = next((c[2] for c in earlier if (c[0], c[1]) == (inside[0], inside[2])), ())
    return tuple(kept) + ((inside[0], inside[2], before + tuple(g for g in grows if g not in before)),)


def _listed(export_name: str, facts_field: str, through: str, module) -> bool:
    """Whether the module's facts of the export list the import (any import, unnamed) in
    `facts_field`; True when the module, the export or that list is unknown."""
    if module is None:
        return True
    export = module.export(export_name)
    listed = getattr(export, facts_field, None) if export is not None else None
    if listed is None:
        return True
    return through in listed if through else bool(listed)


def called_in(export_name: str, through: str, module) -> bool:
    """Whether the export calls the import (any import, unnamed); True when the module is unknown."""
    return _listed(export_name, "imports_called", through, module)


def grown_before(export_name: str, through: str, module) -> bool:
    """Whether the export may grow memory before it calls the import (any import, unnamed); True
    when the module or the order is unknown."""
    return _listed(export_name, "imports_after_growth", through, module)


def grows_after(export_name: str, through: str, module) -> bool:
    """Whether the export may grow memory after the import (any import, unnamed) returns; True
    when the module or the order is unknown."""
    return _listed(export_name, "imports_before_growth", through, module)


def happens(grow: Grow, module) -> bool:
    """Whether a call that may grow memory happens where it was seen: one made in an import
    callback, only if the export calls the import; the export's own call seen from its callback,
    only if it may grow before calling the callback's import."""
    if grow.inside and not called_in(grow.inside, grow.through, module):
        return False
    return not grow.mid_call or grown_before(grow.exports[0], grow.through, module)


def as_happens(use: StaleUse, module) -> StaleUse | None:
    """A use seen only in import callbacks, with the calls it was stale after there that happen,
    in the export calls that do call its import; None if it happens in none."""
    if use.only_inside is None:
        return use
    grows = {g for name, through, seen in use.only_inside if called_in(name, through, module)
             for g in seen if happens(g, module)}
    if not grows:
        return None
    return dataclasses.replace(use, grows=tuple(g for g in use.grows if g in grows))
