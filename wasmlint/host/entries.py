"""Entry points: the top level runs first, then every function that runs later on its own —
exported functions, class methods, event and message handlers, timers, animation frames, promise
continuations, and the import callbacks the module calls in the middle of an export. Entry points
run in any order and any number of times: each starts from what the top level and every entry
point leave behind (module variables, class fields, closures), aged by every call an entry point
makes that may grow memory, unless its own path re-validates what it uses."""

from __future__ import annotations

import dataclasses
import re

from tree_sitter import Node

from wasmlint.host.domain import NOTHING, Func, Memo, Obj, State, one
from wasmlint.host.interp import Interpreter
from wasmlint.host.program import ROOT, FunctionRef, Program

MAX_ENTRY_GROWS = 16
MAX_ROUND_WORK = 200_000  # entry points x state size past which the first round is left out
MAX_ENTRY_VIEWS = 64  # variables holding views every entry point starts with (then: those it names)
MAX_INSTANCES = 4  # instances of a class a method runs on as an entry point (by allocation site)  # calls an entry point may have made before another runs, kept per value


def run_program(program: Program, root: Node) -> None:
    """Run the file: the top level, then its entry points twice (the second time from what the
    first left behind, aged by every growing call any of them made); stale uses are reported
    from the top level and the second round."""
    interp = Interpreter(program)
    top = State()
    interp.exec(root, top)
    top.dead = False
    program.awaited = False  # (entry points call functions with nothing on the stack too)
    for cls in program.classes.values():
        # A class nothing here instantiates is used from elsewhere: its methods run on an instance
        # its constructor made.
        if cls.id not in program.instances and (cls.methods.keys() - {"constructor"} or cls.getters):
            interp.instantiate(cls.id, [], top, cls.node)
            top.dead = False
    ran = set(program.ran)
    ends = []
    entries = entry_points(program, ran)
    if program.relevance is None and len(entries) * (len(top.cells) + len(top.heap)) <= MAX_ROUND_WORK:
        # A first round learns what entry points call that may grow, and what they leave behind.
        # (A bundle skips it: what the top level's calls into its functions grew stands in.)
        program.reporting = False
        program.entry_grows.clear()
        _reset_budgets(program)
        first_kept = _KeptViews(top)
        keys = _entry_keys(entries)
        for function, this, env in entries:
            state = first_kept.for_entry(top, function, program)
            state.put_cells(env)
            _run_entry(interp, function, this, state, keys)
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
    kept = _KeptViews(start)
    entries = entry_points(program, ran)
    keys = _entry_keys(entries)
    for function, this, env in entries:
        if function.body is None or not program.touches(function.body):
            continue  # it would run nothing (`_run_entry`): its state is not made
        state = kept.for_entry(start, function, program)
        _drop_locals(state, function)
        state.put_cells(_aged_env(env, grows))
        _run_entry(interp, function, this, state, keys)


_WORD = re.compile(rb"[A-Za-z_$][\w$]*")


class _KeptViews:
    """The variables holding views that an entry point starts with. Past MAX_ENTRY_VIEWS of them
    (generated code keeps thousands), an entry point starts with the first ones and those its
    own code names: each carries them through every call and growth, which would cost their
    number for every entry point."""

    def __init__(self, start: State) -> None:
        self.holding = sorted(key for key, vals in start.cells.items() if any(isinstance(v, Memo) for v in vals))
        self.capped = len(self.holding) > MAX_ENTRY_VIEWS
        self.first = self.holding[:MAX_ENTRY_VIEWS]
        self.by_name: dict[str, list] = {}
        for key in self.holding[MAX_ENTRY_VIEWS:]:
            self.by_name.setdefault(key[1], []).append(key)
        held = set(self.holding)
        self.base = {k: v for k, v in start.cells.items() if k not in held} if self.capped else {}
        # Which of the growing places every capped entry starts with (object slots, and variables
        # holding no view themselves), found once: testing the whole set per entry point cost the
        # number of views for each of them.
        self.base_growing = {g for g in start.growing if g[0] == 1 or g[1] in self.base} if self.capped else set()

    def for_entry(self, start: State, function: FunctionRef, program: Program) -> State:
        if not self.capped or function.body is None:
            return start.copy()
        chosen = list(self.first)
        body = function.body
        for word in set(_WORD.findall(program.source, body.start_byte, body.end_byte)):
            chosen.extend(self.by_name.get(word.decode(), ()))
        cells = dict(self.base)
        growing = set(self.base_growing)
        for key in chosen:
            cells[key] = start.cells[key]
            if (0, key) in start.growing:
                growing.add((0, key))
        return State(cells, dict(start.heap), start.log, False, growing, start.logged)


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


def _entry_keys(entries: list[tuple[FunctionRef, frozenset, tuple]]) -> set[tuple[int, frozenset]]:
    return {(function.id, this) for function, this, _ in entries}


def _run_entry(interp: Interpreter, function: FunctionRef, this: frozenset, state: State,
               entries: set[tuple[int, frozenset]]) -> None:
    """Run an entry point; a function it returns that nothing runs (`f = a => b => ...`) runs after
    it, as the caller it is returned to would, unless it is an entry point of its own (`entries`:
    it runs from the same start then; run twice, a whole Emscripten module would cost double)."""
    program = interp.program
    queue = [(function, this)]
    queued = {function.id}
    while queue:
        function, this = queue.pop()
        if function.body is None or not program.touches(function.body):
            continue
        returned = interp.call_function(function, [], this, state, function.node)
        state.dead = False
        for value in returned:
            if (isinstance(value, Func) and value.node_id not in queued and value.node_id in program.functions
                    and not program.functions[value.node_id].runs and (value.node_id, value.this) not in entries):
                queued.add(value.node_id)
                state.put_cells(value.env)
                queue.append((program.functions[value.node_id], value.this))


def entry_points(program: Program, ran: set[int]) -> list[tuple[FunctionRef, frozenset, tuple]]:
    """Functions that may run on their own, with the `this` they run with (`ran`: the functions
    the top level ran)."""
    found: dict[tuple[int, frozenset], None] = {}
    envs: dict[tuple[int, frozenset], tuple] = {}
    for func in list(program.deferred.values()) + list(program.callbacks.values()):
        found.setdefault((func.node_id, func.this), None)
        envs[(func.node_id, func.this)] = func.env
    for function in program.functions.values():
        # A function the top level calls is followed there (an exported class's methods are API:
        # others call them), unless the top level called it after waiting, when the timers and
        # handlers registered before may have run first.
        if function.id in ran and function.class_id not in program.exported and function.id not in program.ran_after_await:
            continue
        if function.class_id and function.kind != "constructor":
            instances = program.instances.get(function.class_id) or {Obj(function.class_id, cls=function.class_id, kind="class")}
            for instance in sorted(instances, key=lambda o: o.site)[:MAX_INSTANCES]:
                this = one(instance) if function.kind != "static" else NOTHING
                found.setdefault((function.id, this), None)
        elif (function.id in program.exported or function.id in program.ran_after_await
              or (function.id not in ran and (function.scope == ROOT or program.small))):
            found.setdefault((function.id, NOTHING), None)
    return [(program.functions[f], this, envs.get((f, this), ())) for f, this in found if f in program.functions]

