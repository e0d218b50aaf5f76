"""The calls a value was seen after (`Memo.grows`): which of them a value keeps, and how a call
recorded under invariant literals (`invariants.py`) is kept once, under the literals its records
share."""

from __future__ import annotations

from dataclasses import replace

from wasmlint.host.values import Grow

MAX_GROWS = 16  # calls kept per stale value (the first ones): the module decides which of them grow
MAX_OTHER_GROWS = 32  # past MAX_GROWS, calls still kept when the module judges them apart from the kept ones


def adds(grows: tuple, grow: Grow) -> bool:
    """Whether a call adds to the calls a value was seen after. Past MAX_GROWS, only a call the
    module would judge apart from every kept one: a view read in an import callback meets the
    same calls once per export that runs the callback, and those must not crowd out the one call
    that grows memory."""
    if len(grows) >= MAX_OTHER_GROWS:
        return False
    hashed = grow.hashed  # (hashes first: far cheaper than comparing calls)
    if any(g.hashed == hashed and g == grow for g in grows):
        return False
    return _adds_new(grows, grow)


def _adds_new(grows: tuple, grow: Grow) -> bool:
    """`adds`, for a call known not to be among `grows`."""
    if len(grows) < MAX_GROWS:
        return True
    judged = grow.judged  # the exports it reaches, host growth, the export call whose callback made it
    # (One kept under fewer invariant literals stands for it wherever it could have happened.)
    assumes = grow.assumes
    return len(grows) < MAX_OTHER_GROWS and all(g.judged != judged or not g.assumes <= assumes for g in grows)


def with_grows(grows: tuple, more) -> tuple:
    """`grows` and then each call of `more` that adds to them."""
    if more is grows or not more:
        return grows
    present = set(grows)
    for grow in more:
        if grow in present:
            continue
        shared = weakened(grows, grow) if ASSUMING else None
        if shared is not None:
            grows = shared
            present = set(grows)
        elif _adds_new(grows, grow):
            grows = grows + (grow,)
            present.add(grow)
    return grows


# Whether any call was recorded under invariant literals (`invariants.py`) in this process: until
# then no value holds one, and adding a call needs no search for the same call under others.
ASSUMING = False


def weakened(grows: tuple, grow: Grow) -> tuple | None:
    """`grows` with the call `grow` is, kept under other invariant literals, now kept under
    those both share (it may have happened under either); None: not kept."""
    call = grow.call
    for index, kept in enumerate(grows):
        if kept.call == call:
            weaker = kept.assumes & grow.assumes
            if weaker == kept.assumes:
                return grows
            return grows[:index] + (replace(kept, assumes=weaker),) + grows[index + 1:]
    return None
