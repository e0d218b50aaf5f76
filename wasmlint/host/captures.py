"""What a closure keeps of the variables it captured: a closure held by a captured variable keeps
none of its own (closures of closures would nest without end: bundles nest hundreds)."""

from __future__ import annotations

from wasmlint.host.domain import Func


# id of a captured value -> (the value, the same without the variables of closures it holds):
# the same values are captured by every closure made in a scope, and an unchanged value stays the
# same object. By identity: hashing a new value, or comparing it with an equal one, looks through
# every closure it holds. (The value is kept with its result, so that its id is never another's.)
_FLAT: dict = {}


def forget_flattened() -> None:
    """Empty `without_captures`'s cache (see domain.forget_values)."""
    _FLAT.clear()


def without_captures(vals: frozenset) -> frozenset:
    """A closure held by a captured variable keeps no variables of its own here: closures of
    closures would nest without end (bundles nest hundreds)."""
    known = _FLAT.get(id(vals))
    if known is not None and known[0] is vals:
        return known[1]
    if len(_FLAT) > 50_000:
        _FLAT.clear()
    if any(isinstance(v, Func) and v.env for v in vals):
        flat = frozenset(Func(v.node_id, v.this) if isinstance(v, Func) and v.env else v for v in vals)
    else:
        flat = vals
    _FLAT[id(vals)] = (vals, flat)
    return flat
