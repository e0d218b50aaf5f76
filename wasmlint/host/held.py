"""Which objects a value still holds: the allocation sites of the objects in it, as a closure's
`this`, or in what a closure captured.

Asked for every variable and object slot of a state when two branches join (`let_go`) and when a
site makes its next object (`recency.py`), about values that mostly never change between the
asks: a bundle's closures capture hundreds of variables, and the very same captured values are
held by many closures and by every copy of a state. So the answer is kept by the value's identity
(with the value, so that its id is never another's), and a value is looked through once.
"""

from __future__ import annotations

from wasmlint.host.domain import Func, Obj, State, growable

_SITES: dict = {}  # id of a value -> (the value, the object sites it holds)
_NONE: frozenset = frozenset()


def forget_held() -> None:
    """Empty the cache (see domain.forget_values): it keeps the values it answered for alive."""
    _SITES.clear()


def sites_held(vals: frozenset) -> frozenset:
    """The object sites `vals` holds, directly or through the closures in it."""
    known = _SITES.get(id(vals))
    if known is not None and known[0] is vals:
        return known[1]
    if len(_SITES) > 50_000:
        _SITES.clear()
    sites: set = set()
    get = _SITES.get
    for v in vals:
        if isinstance(v, Obj):
            sites.add(v.site)
        elif isinstance(v, Func):
            if v.this:
                sites.update(sites_held(v.this))
            for _, held in v.env:
                known = get(id(held))  # (inlined: a closure captures dozens of values, mostly known)
                sites.update(known[1] if known is not None and known[0] is held else sites_held(held))
    answer = frozenset(sites) if sites else _NONE
    _SITES[id(vals)] = (vals, answer)
    return answer


def unheld_sites(st: State, roots: frozenset, sites: set) -> set:
    """Those of `sites` (object allocation sites) that nothing on this path still holds: no
    variable, no object's slot, no closure, nor `roots` (the `this` of the calls being run, a value
    being evaluated). An object no one holds can no longer be read. The search stops once every
    site is found held (the usual case)."""
    wanted = set(sites)
    wanted.difference_update(sites_held(roots))
    get = _SITES.get
    for table in (st.cells, st.heap):
        for vals in table.values():
            if not wanted:
                return wanted
            known = get(id(vals))  # (inlined: asked for every variable and slot of the state)
            held = known[1] if known is not None and known[0] is vals else sites_held(vals)
            if held:
                wanted.difference_update(held)
    return wanted


def let_go(st: State, other: State, roots: frozenset) -> State:
    """`st` before it joins `other` (the two branches of a test): a slot of an object this branch
    let go of, stale here but not there, takes the other branch's value. A guard's
    `if (stale(k.view)) k = new K(fresh)` replaces the only reference to the old object on the
    branch that found it stale; its slots there are garbage, not what a later `k.view` may read."""
    if st.heap is other.heap:
        return st
    candidates = []
    for where in st.growing:  # only slots that may hold a view (a state can hold thousands of others)
        if where[0] != 1:
            continue
        vals = st.heap.get(where[1])
        theirs = other.heap.get(where[1])
        if vals is not None and vals is not theirs and growable(vals) and vals != theirs:
            candidates.append(where[1])
    if not candidates:
        return st
    unheld = unheld_sites(st, roots, {key[0] for key in candidates})
    dropped = [key for key in candidates if key[0] in unheld]
    if not dropped:
        return st
    st = st.copy()
    heap = st.own_heap()
    for key in dropped:
        if key in other.heap:
            heap[key] = other.heap[key]
        else:
            del heap[key]
    return st
