"""A view constructor as a value: `Float32Array` passed to a function that runs `new Kind(buffer,
offset, length)` builds a view as surely as `new Float32Array(...)` written out (canvaskit's
`Malloc(Float32Array, n)`)."""

from __future__ import annotations

from dataclasses import dataclass

from wasmlint.host.values import VIEW_TYPES


@dataclass(frozen=True, slots=True)
class ViewCtor:
    """The global constructor `name` (one of VIEW_TYPES), read as a value."""

    name: str


def global_view_ctor(name: str) -> frozenset:
    """What a name that nothing in the file binds reads when it is a view constructor's."""
    return frozenset((ViewCtor(name),)) if name in VIEW_TYPES else frozenset()
