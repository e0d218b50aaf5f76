"""The import callbacks of one export call: the module may call those of the imports the export
calls (all of them, when the module's facts are not known yet), in any order and any number of
times, before or after any growth the export makes. Each runs from what the export held at the
call, and then again from what all of them left (module variables, class fields). In them, the
export's growth is a call of its own (`Grow.mid_call`, naming the callback's import): it has
happened only if the export may grow before calling that import, as the module's facts say when
the findings are judged. A callback that re-made a view before the growth leaves it stale to the
next one only in the same way, and only if the export may grow after that callback's import
returns: what `grow_then_write`'s callback makes, no growth of that call follows (`_made_last`).
Both questions need the module's facts: a file whose export calls run callbacks is analysed again
with them when its module is found (`Program.must_undecided`, run.py)."""

from __future__ import annotations

import dataclasses

from tree_sitter import Node

from wasmlint.host.callbacks import called_in, grows_after
from wasmlint.host.domain import Memo, State, rewrite_memos, with_grows
from wasmlint.host.values import Grow


def run_callbacks(calls, export: str, node: Node, at_call: State, st: State) -> None:
    """Run the import callbacks `export` may call (`calls`: the interpreter), joined into `st`
    (the state after the export's call, which `at_call` was before it)."""
    growth = st.log[-1]  # (the export's own call, just made)
    floor, calls.handler_floor = calls.handler_floor, len(calls.stack)
    try:
        first = _round(calls, export, node, growth, at_call, st)
        left = [_after_return(calls.program, export, through, _settled(_restored(ran, seen, st), growth), growth)
                for ran, seen, through in first]
        returned = {through for ran, _, through in first if not ran.dead}
        if first:
            # What the callbacks left, each slot they did not touch as it was at the call.
            between = at_call.copy()
            for ran, seen, _ in first:
                between = between.join(_restored(ran, seen, at_call))
            grown = between.copy()
            _age(grown, growth)
            last = _made_last(calls, export, first, at_call)
            second = _round(calls, export, node, growth, between, grown, last)
            left += [_after_return(calls.program, export, through, _settled(_restored(ran, seen, grown), growth),
                                   growth) for ran, seen, through in second]
            returned |= {through for ran, _, through in second if not ran.dead}
        else:
            second = []
        always = [i for i, (_, _, through) in enumerate(first)
                  if through and _calls_one_for_sure(calls.program, export, {through})]
        if always:
            # The module calls one of these imports on every call: some callback ran, and one of
            # them last: one that always runs, or any other after one that does (the second
            # round); never the state as if none ran. A view a callback made is then aged by the
            # export's growth where that growth may follow the import's return (`write_then_grow`).
            ends = [left[i] for i in always] + left[len(first):]
            after = ends[0]
            for end in ends[1:]:
                after = after.join(end)
            st.become(after)
        else:
            for end in left:
                st.become(st.join(end))
        threw = {through for _, _, through in first} - returned  # imports whose callbacks threw on every path
        if threw and _calls_one_for_sure(calls.program, export, threw):
            st.dead = True  # (the export call throws on every path: what its callbacks threw goes on)
    finally:
        calls.inside_export = None
        calls.handler_floor = floor


def _after_return(program, export: str, through: str, end: State, growth: Grow) -> State:
    """What a callback left, once its import returned: where the export may grow memory after
    that, a view the callback made, or found attached (a guard, a use that would have thrown), is
    stale after the call too. Without the module's facts, aged: the file is analysed again with
    them (`Program.must_undecided`, run.py)."""
    if program.module is None:
        program.must_undecided = True
    if program.module is None or grows_after(export, through, program.module):
        _age(end, growth)
    return end


def _calls_one_for_sure(program, export: str, imports: set[str]) -> bool:
    """Whether the module's `export` calls one of `imports` on every call (undecided without the
    module's facts: the file is then analysed again with them, as `must.py` does)."""
    module = program.module
    if module is None:
        program.must_undecided = True
        return False
    facts = module.export(export)
    return facts is not None and any(name in getattr(facts, "imports_every_call", ()) for name in imports if name)


def _round(calls, export: str, node: Node, growth: Grow, start: State, grown: State,
           last: dict | None = None) -> list[tuple[State, dict, str]]:
    """Each callback run once from `start`, seeing the export's growth as a call of its own: the
    state it left (dead where it threw on every path), the values it found in the slots that may
    hold views, and its import (`grown`: `start` after the growth, for a callback past its budget, whose summary is applied there;
    `last`: per slot, values an earlier callback made that no growth of this call follows)."""
    program = calls.program
    left = []
    summarised: list[Grow] = []  # the calls of the callbacks past their budget, applied to `grown` at once
    for key, func in list(program.callbacks.items()):
        through = program.callback_imports.get(key, "")
        if program.module is None:
            program.must_undecided = True  # (whether the export calls the import: see run.py)
        elif not called_in(export, through, program.module):
            continue  # the module never calls this import during this export
        calls.inside_export = (export, node, through)
        function = program.functions.get(func.node_id)
        if function is None or function.body is None:
            continue
        if function.runs >= program.limits[2] or len(calls.stack) >= program.limits[0]:
            summarised += calls.summary_grows(function, grown)
            continue
        ran = start.copy()
        _age(ran, dataclasses.replace(growth, through=through, mid_call=True))
        if last:
            _unaged(ran, start, last)
        tables = (ran.cells, ran.heap)
        seen = {where: tables[where[0]].get(where[1]) for where in ran.growing}
        ran.put_cells(func.env)
        calls.call_function(function, [], func.this, ran, node)
        left.append((ran, seen, through))
    grown.grow_all(summarised)
    return left


def _made_last(calls, export: str, first: list[tuple[State, dict, str]], at_call: State) -> dict:
    """Per slot, the values the first round's callbacks put there (not held there at the call)
    whose import the export never grows after, as the module's facts say: put there after every
    growth of the call, they are attached through the rest of it, whichever callback runs next.
    Without the facts, nothing: the file is analysed again with them, if its module is found."""
    program = calls.program
    made: dict = {}
    for ran, seen, through in first:
        tables, before = (ran.cells, ran.heap), (at_call.cells, at_call.heap)
        for where in ran.growing:
            vals = tables[where[0]].get(where[1])
            if vals is None or vals is seen.get(where):
                continue
            new = frozenset(v for v in vals - before[where[0]].get(where[1], frozenset()) if isinstance(v, Memo))
            if not new:
                continue
            if program.module is None:
                program.must_undecided = True  # (the module's facts decide: see run.py)
                return {}
            if not grows_after(export, through, program.module):
                made[where] = made.get(where, frozenset()) | new
    return made


def _unaged(ran: State, start: State, last: dict) -> None:
    """In `ran` (`start` aged by the export's growth), the values of `last` that `start` holds, as
    they were: no growth of the call follows their making."""
    for where, made in last.items():
        held = (start.heap if where[0] else start.cells).get(where[1])
        now = (ran.heap if where[0] else ran.cells).get(where[1])
        if held is None or now is None or now is held:
            continue
        mine = held & made
        if not mine:
            continue
        kept_sites = {v.site for v in mine}
        stale_twins = {v for v in now if isinstance(v, Memo) and v not in held and v.site in kept_sites
                       and any(_same_but_aged(m, v) for m in mine)}
        (ran.own_heap() if where[0] else ran.cells)[where[1]] = frozenset(now - stale_twins) | mine


def _same_but_aged(made: Memo, now: Memo) -> bool:
    """Whether `now` is `made` with calls added since (the same value, aged)."""
    return (now.site, now.ctor, now.origin) == (made.site, made.ctor, made.origin) \
        and now.grows[:len(made.grows)] == made.grows and len(now.grows) > len(made.grows)


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

    def settled(value: Memo) -> Memo:
        if not any(g.mid_call and g.key[:6] == head for g in value.grows):
            return value
        kept = [growth if g.mid_call and g.key[:6] == head else g for g in value.grows]
        sure = tuple(dict.fromkeys(growth if g.mid_call and g.key[:6] == head else g for g in value.sure))
        return dataclasses.replace(value, grows=with_grows((), kept), sure=sure)

    return rewrite_memos(vals, settled)
