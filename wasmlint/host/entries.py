"""Entry points: the top level runs first, then every function that runs later on its own —
exported functions, class methods, event and message handlers, timers, animation frames, promise
continuations, and the import callbacks the module calls in the middle of an export. Entry points
run in any order and any number of times: each starts from what the top level and every entry
point leave behind (module variables, class fields, closures), aged by every call an entry point
makes that may grow memory, unless its own path re-validates what it uses."""

from __future__ import annotations

import dataclasses

from tree_sitter import Node

from wasmlint.host.domain import NOTHING, Obj, State, one
from wasmlint.host.interp import Interpreter
from wasmlint.host.program import FunctionRef, Program

MAX_ENTRY_GROWS = 16
MAX_INSTANCES = 4  # instances of a class a method runs on as an entry point (by allocation site)  # calls an entry point may have made before another runs, kept per value


def run_program(program: Program, root: Node) -> None:
    """Run the file: the top level, then its entry points twice (the second time from what the
    first left behind, aged by every growing call any of them made); stale uses are reported
    from the top level and the second round."""
    interp = Interpreter(program)
    top = State()
    interp.exec(root, top)
    top.dead = False
    for cls in program.classes.values():
        # A class nothing here instantiates is used from elsewhere: its methods run on an instance
        # its constructor made.
        if cls.id not in program.instances and (cls.methods.keys() - {"constructor"} or cls.getters):
            interp.instantiate(cls.id, [], top, cls.node)
            top.dead = False
    ran = set(program.ran)
    ends = []
    if program.relevance is None:
        # A first round learns what entry points call that may grow, and what they leave behind.
        # (A bundle skips it: what the top level's calls into its functions grew stands in.)
        program.reporting = False
        program.entry_grows.clear()
        _reset_budgets(program)
        for function, this, env in entry_points(program, ran):
            state = top.copy()
            state.cells.update(env)
            _run_entry(interp, function, this, state)
            ends.append(state)
    grows = tuple(dict.fromkeys(dataclasses.replace(g, earlier=True) for g in program.entry_grows))[:MAX_ENTRY_GROWS]
    start = top
    for end in ends:
        start = start.join(end)
    start.dead = False
    for grow in grows:
        start.grow(grow)
    program.reporting = True
    _reset_budgets(program)
    for function, this, env in entry_points(program, ran):
        state = start.copy()
        _drop_locals(state, function)
        state.cells.update(dict(_aged_env(env, grows)))
        _run_entry(interp, function, this, state)


def _aged_env(env: tuple, grows: tuple) -> tuple:
    """A deferred closure's captured variables, aged like everything an entry point starts with."""
    aged_env = []
    for key, vals in env:
        for grow in grows:
            vals = frozenset(v.grown(grow) if hasattr(v, "grown") else v for v in vals)
        aged_env.append((key, vals))
    return tuple(aged_env)


def _reset_budgets(program: Program) -> None:
    for function in program.functions.values():
        function.runs = 0


def _drop_locals(state: State, function: FunctionRef) -> None:
    """An entry point's own variables start afresh on each run."""
    scope = function.id
    for key in [k for k in state.cells if k[0] == scope]:
        del state.cells[key]


def _run_entry(interp: Interpreter, function: FunctionRef, this: frozenset, state: State) -> None:
    if function.body is None or not interp.program.touches(function.body):
        return
    interp.call_function(function, [], this, state, function.node)


def entry_points(program: Program, ran: set[int]) -> list[tuple[FunctionRef, frozenset, tuple]]:
    """Functions that may run on their own, with the `this` they run with (`ran`: the functions
    the top level ran)."""
    found: dict[tuple[int, frozenset], None] = {}
    envs: dict[tuple[int, frozenset], tuple] = {}
    for func in list(program.deferred.values()) + list(program.callbacks.values()):
        found.setdefault((func.node_id, func.this), None)
        envs[(func.node_id, func.this)] = func.env
    for function in program.functions.values():
        if function.id in ran and function.class_id not in program.exported:
            continue  # followed where it is called (an exported class's methods are API: others call them)
        if function.class_id and function.kind != "constructor":
            instances = program.instances.get(function.class_id) or {Obj(function.class_id, cls=function.class_id, kind="class")}
            for instance in sorted(instances, key=lambda o: o.site)[:MAX_INSTANCES]:
                this = one(instance) if function.kind != "static" else NOTHING
                found.setdefault((function.id, this), None)
        elif function.id in program.exported or function.id not in ran:
            found.setdefault((function.id, NOTHING), None)
    return [(program.functions[f], this, envs.get((f, this), ())) for f, this in found if f in program.functions]

