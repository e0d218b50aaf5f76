"""The import callbacks of one export call: the module may call any of them, in any order and any
number of times, before or after any growth the export makes. Each runs from what the export held
at the call, and then again from what all of them left (module variables, class fields). In them,
the export's growth is a call of its own (`Grow.mid_call`, naming the callback's import): it has
happened only if the export may grow before calling that import, as the module's facts say when
the findings are judged. A callback that re-made a view before the growth leaves it stale to the
next one only in the same way.

Where the module's facts are known (`Program.module`; without them the file is run again with
them, `must.py`'s `must_undecided`): a callback runs only inside the exports that call its import;
a view it made is aged by the export's growth when the export may grow after that import
returns (`write_then_grow`); and where the export calls an import on every call, what the call
leaves is what its callbacks left, never the state as if none of them ran."""

from __future__ import annotations

import dataclasses

from tree_sitter import Node

from wasmlint.host.callbacks import called_in, grown_after
from wasmlint.host.domain import Func, Memo, State, with_grows
from wasmlint.host.values import Grow


def run_callbacks(calls, export: str, node: Node, at_call: State, st: State) -> None:
    """Run the import callbacks `export` may call (`calls`: the interpreter), joined into `st`
    (the state after the export's call, which `at_call` was before it)."""
    growth = st.log[-1]  # (the export's own call, just made)
    floor, calls.handler_floor = calls.handler_floor, len(calls.stack)
    try:
        first = _round(calls, export, node, growth, at_call, st)
        left = [_after_return(calls, export, through, _settled(_restored(ran, seen, st), growth), growth)
                for ran, seen, through in first]
        always = [i for i, (_, _, through) in enumerate(first) if calls_every_time(export, through, calls.program)]
        if first:
            # What the callbacks left, each slot they did not touch as it was at the call.
            between = at_call.copy()
            for ran, seen, _ in first:
                between = between.join(_restored(ran, seen, at_call))
            grown = between.copy()
            _age(grown, growth)
            left += [_after_return(calls, export, through, _settled(_restored(ran, seen, grown), growth), growth)
                     for ran, seen, through in _round(calls, export, node, growth, between, grown)]
        if always:
            # The module calls one of these imports on every call: some callback ran, and one of
            # them last: one that always runs, or any other after one that does (the second round).
            ends = [left[i] for i in always] + left[len(first):]
            after = ends[0]
            for end in ends[1:]:
                after = after.join(end)
            st.become(after)
        else:
            for end in left:
                st.become(st.join(end))
    finally:
        calls.inside_export = None
        calls.handler_floor = floor


def _round(calls, export: str, node: Node, growth: Grow, start: State, grown: State) -> list[tuple[State, dict, str]]:
    """Each callback run once from `start`, seeing the export's growth as a call of its own: the
    state it left, and the values it found in the slots that may hold views (`grown`: `start`
    after the growth, for a callback past its budget, whose summary is applied there)."""
    program = calls.program
    left = []
    for key, func in list(program.callbacks.items()):
        through = program.callback_imports.get(key, "")
        if not may_call(export, through, program):
            continue
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


def may_call(export: str, through: str, program) -> bool:
    """Whether the module may call import `through` during a call of `export` (True while the
    module's facts are unknown: the caller is asked to run the file again with them)."""
    if program.module is None:
        program.must_undecided = True
        return True
    return called_in(export, through, program.module)


def calls_every_time(export: str, through: str, program) -> bool:
    """Whether the module calls import `through` on every call of `export` that returns
    (`imports_every_call`); False while the module's facts are unknown."""
    if program.module is None or not through:
        program.must_undecided = program.must_undecided or program.module is None
        return False
    facts = program.module.export(export)
    return facts is not None and through in getattr(facts, "imports_every_call", ())


def _after_return(calls, export: str, through: str, end: State, growth: Grow) -> State:
    """What a callback left, once its import returned: the export may still grow memory after
    that (`write_then_grow`), and then a view the callback made is stale after the call too."""
    module = calls.program.module
    if module is None or grown_after(export, through, module):
        _age(end, growth)
    return end


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
            new = dataclasses.replace(value, grows=with_grows((), kept))
        elif isinstance(value, Func) and value.env:
            env = tuple((key, _settled_values(held, growth)) for key, held in value.env)
            if any(a[1] is not b[1] for a, b in zip(env, value.env)):
                new = Func(value.node_id, value.this, env)
        changed = changed or new is not value
        out.append(new)
    return frozenset(out) if changed else vals
