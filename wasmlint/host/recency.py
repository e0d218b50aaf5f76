"""Objects made again at the same allocation site: the newest stays precise, the older ones share
one summary.

Objects are abstracted by allocation site (domain.py), yet every evaluation of `{ view: ... }` makes
a new object. A factory called twice (`const a = make(4); const b = make(1000)`, or canvaskit's
`Malloc`) would otherwise give both results one set of slots, and the second object's fresh view
would overwrite the first object's view, which the second call's allocation detached. Before a
site makes its next object, what the earlier ones hold moves to the site's summary (`older`); the
variables, slots and closures that held an earlier object then name the summary. A store into
the summary still replaces what it holds, as for one object: the usual case is one earlier object
(a factory called twice), and a guard that re-makes an older object's view (`if (this.cached &&
this.cached.length) return this.cached; this.cached = new ...`) must leave it fresh.
"""

from __future__ import annotations

from wasmlint.host.domain import Func, Obj, State, growable, merge
from wasmlint.host.held import sites_held


def older(site: int) -> int:
    """The summary site of the objects `site` made before its newest one (node keys are >= 0)."""
    return -site - 1


def retire_older(st: State, site: int) -> None:
    """`site` is about to make a new object: move the earlier objects' slots to the summary, if any
    of them may hold a view (only those can go stale; others are left as they are, cheaply)."""
    slots = [where[1] for where in st.growing
             if where[0] == 1 and where[1][0] == site and growable(st.heap.get(where[1], frozenset()))]
    if not slots:
        return
    summary = older(site)
    heap = st.own_heap()  # (the heap may be shared with other states until written)
    for key in [k for k in heap if k[0] == site]:
        vals = heap.pop(key)
        moved = (summary, key[1])
        st.put(True, moved, merge(heap.get(moved, frozenset()), vals))
    st.growing = {w for w in st.growing if not (w[0] == 1 and w[1][0] == site)}
    for table in (st.cells, st.own_heap()):
        for key, vals in list(table.items()):
            renamed = _renamed(vals, site, summary)
            if renamed is not vals:
                table[key] = renamed


def _renamed(vals: frozenset, site: int, summary: int) -> frozenset:
    """`vals` with the objects of `site` named as its summary (also as a closure's `this` or in
    what a closure captured); the very same set when nothing changes."""
    if site not in sites_held(vals):  # (most values hold none of its objects: asked once per value)
        return vals
    changed = False
    out = []
    for v in vals:
        new = v
        if isinstance(v, Obj) and v.site == site:
            new = Obj(summary, v.cls, v.kind, v.label)
        elif isinstance(v, Func) and (v.this or v.env):
            this = _renamed(v.this, site, summary)
            env = tuple((key, _renamed(held, site, summary)) for key, held in v.env)
            if this is not v.this or any(a[1] is not b[1] for a, b in zip(env, v.env)):
                new = Func(v.node_id, this, env)
        changed = changed or new is not v
        out.append(new)
    return frozenset(out) if changed else vals
