"""What an entry point leaves behind for the others: its state at its end and at every point where
it yields (an `await` inside it: other entry points run meanwhile). A growing call it made ages
what it held at that point; a value it re-made after that call is fresh in what it leaves. The
others start from that as from an earlier call: its growth was made before they ran."""

from __future__ import annotations

from dataclasses import replace

from typing import Any

from wasmlint.host.domain import Func, Memo, State
from wasmlint.host.quiet import never_grows

MAX_YIELDS = 32  # states kept where entry points wait (`await`), in all


def note_await(program, st: State, inside_function: bool) -> None:
    """An `await`: at the top level, the handlers registered so far may run meanwhile; inside an
    entry point's first run, what it holds now is left to the others that run meanwhile, with how
    many growing calls entry points had made (those it made before waiting age what every entry
    point starts with: it may wait on a later run, from what another left)."""
    if not inside_function:
        if program.deferred:
            program.awaited = True
    elif program.yields is not None and len(program.yields) < MAX_YIELDS:
        program.yields.append((st.copy(), len(program.entry_grows)))


def as_left(state: State) -> State:
    """`state` as another entry point starts from it: every growth in it was made earlier."""
    left = state.copy()
    tables = (left.cells, left.own_heap())
    for where in list(left.growing):
        table = tables[where[0]]
        vals = table.get(where[1])
        if vals is not None:
            earlier = _earlier_vals(vals)
            if earlier is not vals:
                table[where[1]] = earlier
    left.dead = False
    return left


def _earlier_vals(vals: frozenset) -> frozenset:
    """`vals` with `_earlier` applied to each; the same frozenset where that changed nothing (so
    that joins and the caches by identity know it at once)."""
    out = [_earlier(v) for v in vals]
    return vals if all(new is old for new, old in zip(out, vals)) else frozenset(out)


# A call -> the same call made by an earlier entry point: one object for each (every state an
# entry point leaves makes its views' calls earlier again; the same objects then compare at once).
_EARLIER: dict = {}


def _earlier_call(grow):
    made = _EARLIER.get(grow)
    if made is None:
        if len(_EARLIER) > 10_000:
            _EARLIER.clear()
        made = _EARLIER[grow] = replace(grow, earlier=True)
    return made


def _earlier(value):
    if isinstance(value, Memo) and value.grows and not all(g.earlier for g in value.grows):
        # (A call an earlier entry point made is never sure: that entry point may not have run.)
        return value.aged_as(tuple(_earlier_call(g) for g in value.grows), True, ())
    if isinstance(value, Func) and value.env:
        env = tuple((key, _earlier_vals(vals)) for key, vals in value.env)
        if all(new[1] is old[1] for new, old in zip(env, value.env)):
            return value
        return Func(value.node_id, value.this, env)
    return value


def age_by(start: State, grows: list, end: State, program: Any = None) -> None:
    """Age what entry points start with by the growing calls one of them made (`end`: where that
    one ended): a slot it holds views in, none of them aged, it re-made after its last growth on
    every path, so what it leaves there is fresh; anything else may be older than its growth.
    A view aged only by calls the module's facts say never grow (`quiet.py`) is not aged: on
    that path the entry point grew nothing after it."""
    if not grows:
        return
    tables, ended = (start.cells, start.own_heap()), (end.cells, end.heap)
    module = program.module if program is not None else None
    remade = {}
    for where in end.growing:
        if where[1] not in tables[where[0]] or where[1] not in ended[where[0]]:
            continue
        verdicts = [_aged(v, module) for v in ended[where[0]][where[1]]]
        if None in verdicts and True not in verdicts and program is not None:
            program.must_undecided = True  # (the module's facts would tell)
        if not any(verdicts):
            remade[where] = tables[where[0]][where[1]]
    for grow in grows:
        start.grow(grow)
    for (table, key), vals in remade.items():
        tables[table][key] = vals


def _aged(value, module: Any) -> bool | None:
    """Whether a call since it was made may have grown memory; None: only calls the module's
    facts (unknown here) could tell never grow."""
    if isinstance(value, Memo):
        if not value.grows:
            return False
        quiet = [never_grows(g, module) for g in value.grows]
        if False in quiet:
            return True
        return None if None in quiet else False
    if isinstance(value, Func):
        verdicts = [_aged(v, module) for _, vals in value.env for v in vals]
        return True if True in verdicts else (None if None in verdicts else False)
    return False
