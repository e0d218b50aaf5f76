"""Entry points: the top level runs first, then every function that runs later on its own —
exported functions, class methods, event and message handlers, timers, animation frames, promise
continuations (the import callbacks the module calls run inside the export calls instead). Entry points
run in any order and any number of times: each starts from what the top level and every entry
point leaves behind (module variables, class fields, closures) at its end and where it waits: a
growing call it made ages what it held there, unless it re-made the value after that call."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Set as AbstractSet

from tree_sitter import Node

from wasmlint.host.domain import NOTHING, Func, Memo, Obj, State, one
from wasmlint.host.interp import Interpreter
from wasmlint.host.leftover import age_by, as_left
from wasmlint.host.program import ROOT, FunctionRef, Program

MAX_ENTRY_GROWS = 16
MAX_ROUND_WORK = 200_000  # entry points x state size past which the first round is left out
MAX_ENTRY_VIEWS = 64  # variables holding views every entry point starts with (then: those it names)
MAX_INSTANCES = 4  # instances of a class a method runs on as an entry point (by allocation site)  # calls an entry point may have made before another runs, kept per value
_RAN_NOTHING: frozenset[int] = frozenset()  # what most entry points ran of the others, shared


def run_program(program: Program, root: Node) -> None:
    """Run the file: the top level, then its entry points twice (the second time from what the
    top level and the first round left behind: at their ends and where they waited, aged by the
    growing calls made before); stale uses are reported from the top level and the second round."""
    interp = Interpreter(program)
    top = State()
    interp.exec(root, top)
    _with_thrown(interp, top)  # (where the top level threw, what it made so far may still be used)
    top.dead = False
    top.facts = frozenset()  # (what the top level's tests knew: an entry point may run where it never went)
    program.awaited = False  # (entry points call functions with nothing on the stack too)
    for cls in program.classes.values():
        # A class nothing here instantiates is used from elsewhere: its methods run on an instance
        # its constructor made.
        if cls.id not in program.instances and (cls.methods.keys() - {"constructor"} or cls.getters):
            interp.instantiate(cls.id, [], top, cls.node)
            _with_thrown(interp, top)
            top.dead = False
    ran = set(program.ran)
    top_ran = set(ran)
    called: set[int] = set()
    entries = entry_points(program, ran)
    # Each entry point's first run: what it left, its growing calls, those it made before it waited.
    runs: list[tuple[int, list[State], list, list]] = []
    capped = False
    if program.relevance is None and len(entries) * (len(top.cells) + len(top.heap)) <= MAX_ROUND_WORK:
        # A first round learns what entry points call that may grow, and what they leave behind.
        # (A bundle skips it: what the top level's calls into its functions grew stands in.)
        program.reporting = False
        program.entry_grows.clear()
        _reset_budgets(program)
        first_kept = _KeptViews(top)
        capped = first_kept.capped
        program.yields = []
        ran_by: dict[int, AbstractSet[int]] = {}  # an entry point -> the functions its run ran (one empty set for all that ran none)
        keys = _entry_keys(entries)
        for function, this, env in entries:
            state = first_kept.for_entry(top, function, program)
            state.put_cells(env)
            program.ran = set()
            mark, yielded = len(program.entry_grows), len(program.yields)
            _run_entry(interp, function, this, state, keys)
            ran_here = program.ran - {function.id}
            seen = ran_by.get(function.id)
            if seen is None:
                ran_by[function.id] = ran_here or _RAN_NOTHING
            elif ran_here:
                ran_by[function.id] = seen | ran_here
            ran |= program.ran
            waits = program.yields[yielded:]
            made = program.entry_grows[mark:]
            before_waiting = program.entry_grows[mark:max((count for _, count in waits), default=mark)]
            runs.append((function.id, [_unless_unchanged(state, top)] + [held for held, _ in waits], made, before_waiting))
        program.ran = set(ran)
        program.yields = None
        called = _called_by_other_entries(ran_by, program) | _import_callbacks_run(program, top_ran)
    # What an entry point that runs only inside another one did on its own never happened.
    learned = [g for function_id, _, made, _ in runs if function_id not in called for g in made]
    grows = tuple(dict.fromkeys(dataclasses.replace(g, earlier=True) for g in learned))[:MAX_ENTRY_GROWS]
    start = top
    interrupted = []
    for function_id, left, _, before_waiting in runs:
        if function_id not in called:
            interrupted += before_waiting
            for state in left:
                start = start.join(as_left(state))
    start.dead = False
    if capped:  # (an entry point ran with only some of the views: those it left out aged nowhere)
        age_by(start, list(grows), State())
    else:
        # Each entry point's growth ages what may be held after it, but what it re-made after it;
        # one that waited after growing may leave anything aged meanwhile.
        learned_grows, applied = set(grows), set()
        for function_id, left, made, _ in runs:
            mine = [g for g in dict.fromkeys(dataclasses.replace(g, earlier=True) for g in made)
                    if g in learned_grows and g not in applied]
            if function_id not in called and mine:
                age_by(start, mine, left[0], program)
                applied.update(mine)
        age_by(start, list(dict.fromkeys(dataclasses.replace(g, earlier=True) for g in interrupted)), State())
    program.reporting = True
    _reset_budgets(program)
    kept = _KeptViews(start)
    entries = [entry for entry in entry_points(program, top_ran) if entry[0].id not in called]
    keys = _entry_keys(entries)  # (an entry point another one runs is followed there, not on its own)
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
        # A view variable's growing place, as `start` holds it: every entry point's set shares the
        # one tuple (the first round keeps each entry point's state until it ends).
        self.view_places = {g[1]: g for g in start.growing if g[0] == 0 and g[1] in held} if self.capped else {}

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
            place = self.view_places.get(key)
            if place is not None:
                growing.add(place)
        return State(cells, dict(start.heap), start.log, False, growing, start.logged)


def _unless_unchanged(state: State, top: State) -> State:
    """What an entry point left, kept until the first round ends: the top level's own state when
    it is the same (the entry point changed nothing it started with). Every nested function of a
    small file is an entry point, and a copy of the state each cost 770 bytes per function."""
    if (state.cells == top.cells and state.heap == top.heap and state.growing == top.growing
            and state.log == top.log and state.logged == top.logged and state.dead == top.dead):
        return top
    return state


def _called_by_other_entries(ran_by: dict[int, AbstractSet[int]], program: Program) -> set[int]:
    """Entry points another entry point calls (a method of a class the file keeps to itself, run
    from an event handler): they run there, after what that caller did, not on their own. Two that
    call each other both stay; what the file exports stays (other code calls it)."""
    called = set()
    for caller, callees in ran_by.items():
        for callee in callees:
            if callee in ran_by and caller not in ran_by.get(callee, ()) and not _exported(program, callee):
                called.add(callee)
    return called


def _import_callbacks_run(program: Program, top_ran: set[int]) -> set[int]:
    """Import callbacks the top level's export calls ran: the module calls an import only during
    an export, and the export calls made after the top level are those of the entry points,
    where the callbacks run too."""
    return {func.node_id for func in program.callbacks.values() if func.node_id in top_ran}


def _exported(program: Program, function_id: int) -> bool:
    function = program.functions.get(function_id)
    return function_id in program.exported or (function is not None and function.class_id in program.exported)


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
        interp.swap_thrown(None)
        returned = interp.call_function(function, [], this, state, function.node)
        # Where it threw, it ended: the next entry points start from there too (`throwing.py`).
        _with_thrown(interp, state)
        state.dead = False
        for value in returned:
            if (isinstance(value, Func) and value.node_id not in queued and value.node_id in program.functions
                    and not program.functions[value.node_id].runs and (value.node_id, value.this) not in entries):
                queued.add(value.node_id)
                state.put_cells(value.env)
                queue.append((program.functions[value.node_id], value.this))


def _with_thrown(interp: Interpreter, state: State) -> None:
    """`state` joined with the states where the code just run left by a throw."""
    thrown = interp.swap_thrown(None)
    if thrown is not None:
        state.become(state.join(thrown))


def entry_points(program: Program, ran: set[int]) -> list[tuple[FunctionRef, frozenset, tuple]]:
    """Functions that may run on their own, with the `this` they run with (`ran`: the functions
    the top level ran)."""
    found: dict[tuple[int, frozenset], None] = {}
    envs: dict[tuple[int, frozenset], tuple] = {}
    kept: dict[bytes, bool] = {}  # a top-level object's name -> whether the module keeps it to itself (b"": a module)
    for func in program.deferred.values():
        found.setdefault((func.node_id, func.this), None)
        envs[(func.node_id, func.this)] = func.env
    # An import callback runs inside the export calls that reach its import (`calls.run_import_callbacks`),
    # after the growth that call made before it, never at a time of its own: unless the file hands it
    # out too (exports it), or something registers it as a handler (`deferred`, above).
    only_callbacks = {func.node_id for func in program.callbacks.values()} - program.exported
    for function in program.functions.values():
        if function.id in only_callbacks:
            continue
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
              or (function.id not in ran and (function.scope == ROOT or program.small)
                  and not _kept_to_itself(program, function, kept))):
            found.setdefault((function.id, NOTHING), None)
    return [(program.functions[f], this, envs.get((f, this), ())) for f, this in found if f in program.functions]



def _kept_to_itself(program: Program, function: FunctionRef, known: dict[bytes, bool]) -> bool:
    """A function in an object literal that an ES module keeps in a top-level variable and never
    hands out (`const api = { alloc: (n) => ex.alloc(n) }`, then only `api.x` reads): no code
    outside the file can reach it, so it runs only where the file calls it, never on its own."""
    if not program.small:
        return False  # a bundle's names are searched no further (its cost stays linear)
    node = function.node
    literal = node.parent.parent if node.parent is not None and node.parent.type == "pair" else node.parent
    if node.type == "method_definition" and literal is not None and literal.type != "object":
        return False
    if literal is None or literal.type != "object" or program.root is None:
        return False
    declarator = literal.parent
    if declarator is None or declarator.type != "variable_declarator":
        return False
    declaration = declarator.parent
    name = declarator.child_by_field_name("name")
    if name is None or name.type != "identifier" or declaration is None or declaration.parent != program.root:
        return False
    if b"" not in known:  # (asked once per file)
        known[b""] = any(c.type in ("import_statement", "export_statement") for c in program.root.named_children)
    if not known[b""]:
        return False  # a classic script's top-level names are seen by the page's other scripts
    text = name.text or b""
    if text not in known:
        known[text] = _only_members_read(program.source, program.root, text, name.start_byte)
    return known[text]


def _only_members_read(source: bytes, root: Node, name: bytes, declared_at: int) -> bool:
    """Whether every mention of `name` but its declaration reads a member (`name.x`, `name[k]`);
    the word in a comment or a string is no mention."""
    for found in re.finditer(rb"(?<![\w$.])" + re.escape(name) + rb"(?![\w$])", source):
        if found.start() == declared_at:
            continue
        at = root.descendant_for_byte_range(found.start(), found.end())
        if at is not None and at.type in ("comment", "string_fragment", "string", "template_string"):
            continue
        if not re.match(rb"\s*(?:\?\.|\.|\[)", source[found.end():found.end() + 16]):
            return False  # handed out (an argument, an export, an alias): others may call it
    return True
