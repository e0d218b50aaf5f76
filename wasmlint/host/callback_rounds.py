"""The import callbacks of one export call: the module may call any of them, in any order and any
number of times, before or after any growth the export makes. Each runs from what the export held
at the call, and then again from what all of them left (module variables, class fields). In them,
the export's growth is a call of its own (`Grow.mid_call`, naming the callback's import): it has
happened only if the export may grow before calling that import, as the module's facts say when
the findings are judged. A callback that re-made a view before the growth leaves it stale to the
next one only in the same way."""

from __future__ import annotations

import dataclasses

from tree_sitter import Node

from wasmlint.host.domain import Func, Memo, State, with_grows
from wasmlint.host.values import Grow


def run_callbacks(calls, export: str, node: Node, at_call: State, st: State) -> None:
    """Run the import callbacks `export` may call (`calls`: the interpreter), joined into `st`
    (the state after the export's call, which `at_call` was before it)."""
    growth = st.log[-1]  # (the export's own call, just made)
    floor, calls.handler_floor = calls.handler_floor, len(calls.stack)
    try:
        first = _round(calls, export, node, growth, at_call, st)
        left = [_settled(_restored(ran, seen, st), growth) for ran, seen, _ in first]
        returned = {through for ran, _, through in first if not ran.dead}
        if first:
            # What the callbacks left, each slot they did not touch as it was at the call.
            between = at_call.copy()
            for ran, seen, _ in first:
                between = between.join(_restored(ran, seen, at_call))
            grown = between.copy()
            _age(grown, growth)
            second = _round(calls, export, node, growth, between, grown)
            left += [_settled(_restored(ran, seen, grown), growth) for ran, seen, _ in second]
            returned |= {through for ran, _, through in second if not ran.dead}
        for end in left:
            st.become(st.join(end))
        threw = {through for _, _, through in first} - returned  # imports whose callbacks threw on every path
        if threw and _calls_one_for_sure(calls.program, export, threw):
            st.dead = True  # (the export call throws on every path: what its callbacks threw goes on)
    finally:
        calls.inside_export = None
        calls.handler_floor = floor


def _calls_one_for_sure(program, export: str, imports: set[str]) -> bool:
    """Whether the module's `export` calls one of `imports` on every call (undecided without the
    module's facts: the file is then analysed again with them, as `must.py` does)."""
    module = program.module
    if module is None:
        program.must_undecided = True
        return False
    facts = module.export(export)
    return facts is not None and any(name in getattr(facts, "imports_every_call", ()) for name in imports if name)


def _round(calls, export: str, node: Node, growth: Grow, start: State, grown: State) -> list[tuple[State, dict, str]]:
    """Each callback run once from `start`, seeing the export's growth as a call of its own: the
    state it left (dead where it threw on every path), the values it found in the slots that may
    hold views, and the import it implements (`grown`: `start`
    after the growth, for a callback past its budget, whose summary is applied there)."""
    program = calls.program
    left = []
    for key, func in list(program.callbacks.items()):
        through = program.callback_imports.get(key, "")
        calls.inside_export = (export, node, through)
        function = program.functions.get(func.node_id)
        if function is None or function.body is None:
            continue
        if function.runs >= program.limits[2] or len(calls.stack) >= program.limits[0]:
            calls.apply_summary(function, grown)
            continue
        ran = start.copy()
        _age(ran, dataclasses.replace(growth, through=through, mid_call=True))
        tables = (ran.cells, ran.heap)
        seen = {where: tables[where[0]].get(where[1]) for where in ran.growing}
        ran.put_cells(func.env)
        calls.call_function(function, [], func.this, ran, node)
        left.append((ran, seen, through))
    return left


def _age(st: State, grow: Grow) -> None:
    """`grow` ages what `st` holds without entering its log: no function run later called it."""
    log, logged = st.log, st.logged
    st.grow(grow)
    st.log, st.logged = log, logged


def _restored(ran: State, seen: dict, source: State) -> State:
    """What a callback left, with each slot it left as it found it holding what `source` holds
    there instead: after the export's call, the value with the growth made, whatever the order
    of the callback and the growth; for the next round, the value as it was at the call."""
    out = ran.copy()
    tables, other = (out.cells, out.own_heap()), (source.cells, source.heap)
    for where, vals in seen.items():
        table, key = tables[where[0]], where[1]
        if vals is not None and table.get(key) is vals:
            if key in other[where[0]]:
                table[key] = other[where[0]][key]
            else:
                del table[key]
    return out


def _settled(st: State, growth: Grow) -> State:
    """Once the export has returned, its growth has happened, whatever the order: the call as its
    callbacks saw it (`mid_call`, one per import) becomes the call itself in what they left."""
    tables = (st.cells, st.heap)
    for where in list(st.growing):
        vals = tables[where[0]].get(where[1])
        if vals is not None:
            settled = _settled_values(vals, growth)
            if settled is not vals:
                if where[0]:  # (an object slot: written through `own_heap`, the heap may be shared)
                    tables = (st.cells, st.own_heap())
                tables[where[0]][where[1]] = settled
    return st


def _settled_values(vals: frozenset, growth: Grow) -> frozenset:
    head = growth.key[:6]  # the call: exports, line, text, via, host growth, earlier
    out, changed = [], False
    for value in vals:
        new = value
        if isinstance(value, Memo) and any(g.mid_call and g.key[:6] == head for g in value.grows):
            kept = [growth if g.mid_call and g.key[:6] == head else g for g in value.grows]
            sure = tuple(dict.fromkeys(growth if g.mid_call and g.key[:6] == head else g for g in value.sure))
            new = dataclasses.replace(value, grows=with_grows((), kept), sure=sure)
        elif isinstance(value, Func) and value.env:
            env = tuple((key, _settled_values(held, growth)) for key, held in value.env)
            if any(a[1] is not b[1] for a, b in zip(env, value.env)):
                new = Func(value.node_id, value.this, env)
        changed = changed or new is not value
        out.append(new)
    return frozenset(out) if changed else vals
