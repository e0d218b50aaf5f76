"""The import callbacks of one export call: the module may call any of them, in any order and any
number of times, after any growth the export makes. Each runs from what the export held at the
call, and then again from what all of them left (module variables, class fields), aged by that
growth: a callback that re-made a view before the growth leaves it stale to the next one."""

from __future__ import annotations

from tree_sitter import Node

from wasmlint.host.domain import State


def run_callbacks(calls, export: str, node: Node, st: State) -> None:
    """Run the import callbacks `export` may call (`calls`: the interpreter), joined into `st`."""
    growth = st.log[-1] if st.log else None  # (the export's own call, just made)
    floor, calls.handler_floor = calls.handler_floor, len(calls.stack)
    try:
        left = _round(calls, export, node, st)
        if growth is not None and left:
            between = st.copy()
            for end in left:
                between = between.join(end)
            between.grow(growth)
            left += _round(calls, export, node, between)
        for end in left:
            st.become(st.join(end))
    finally:
        calls.inside_export = None
        calls.handler_floor = floor


def _round(calls, export: str, node: Node, start: State) -> list[State]:
    program = calls.program
    left = []
    for key, func in list(program.callbacks.items()):
        calls.inside_export = (export, node, program.callback_imports.get(key, ""))
        function = program.functions.get(func.node_id)
        if function is None or function.body is None:
            continue
        if function.runs >= program.limits[2] or len(calls.stack) >= program.limits[0]:
            calls.apply_summary(function, start)
            continue
        ran = start.copy()
        ran.put_cells(func.env)
        calls.call_function(function, [], func.this, ran, node)
        left.append(ran)
    return left
