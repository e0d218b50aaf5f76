"""What an entry point leaves behind for the others: its state at its end and at every point where
it yields (an `await` inside it: other entry points run meanwhile). A growing call it made ages
what it held at that point; a value it re-made after that call is fresh in what it leaves. The
others start from that as from an earlier call: its growth was made before they ran."""

from __future__ import annotations

from dataclasses import replace

from wasmlint.host.domain import Func, Memo, State

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
            table[where[1]] = frozenset(_earlier(v) for v in vals)
    left.dead = False
    return left


def _earlier(value):
    if isinstance(value, Memo) and value.grows and not all(g.earlier for g in value.grows):
        # (A call an earlier entry point made is never sure: that entry point may not have run.)
        return replace(value, grows=tuple(replace(g, earlier=True) for g in value.grows), from_entry=True, sure=())
    if isinstance(value, Func) and value.env:
        env = tuple((key, frozenset(_earlier(v) for v in vals)) for key, vals in value.env)
        return Func(value.node_id, value.this, env)
    return value


def age_by(start: State, grows: list, end: State) -> None:
    """Age what entry points start with by the growing calls one of them made (`end`: where that
    one ended): a slot it holds views in, none of them aged, it re-made after its last growth on
    every path, so what it leaves there is fresh; anything else may be older than its growth."""
    if not grows:
        return
    tables, ended = (start.cells, start.own_heap()), (end.cells, end.heap)
    remade = {where: tables[where[0]][where[1]] for where in end.growing
              if where[1] in tables[where[0]] and where[1] in ended[where[0]]
              and not any(_aged(v) for v in ended[where[0]][where[1]])}
    for grow in grows:
        start.grow(grow)
    for (table, key), vals in remade.items():
        tables[table][key] = vals


def _aged(value) -> bool:
    if isinstance(value, Memo):
        return bool(value.grows)
    return isinstance(value, Func) and any(_aged(v) for _, vals in value.env for v in vals)
