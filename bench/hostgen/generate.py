"""Compose host programs at random from the construct tables (a grammar, not templates).

A program has a top level, one to three entry points (each written and invoked in its own style),
the import callback the module calls in the middle of some exports, and a driver that runs every
entry point twice, in two orders (so that each entry runs after each other one). Into it go one
to four *threads*, each the story of one value over memory:

    thread   := origin storage episode{1,2}
    origin   := a view source (every typed array kind over a range / whole / as a subarray / copied,
                DataView, Buffer.from) | the captured buffer | a glue heap view | a view made in an
                argument-order build (`new DataView(mem.buffer, ex.alloc(16))`) | `eval` (out of reach)
    storage  := constructs.STORAGES | an accessor that re-validates (getter-class/-method/-function)
                | Module.HEAP* read afresh | a computed property key (out of reach)
    episode  := placement pass guard control op      (one use of the value)

and export calls (growing or not, by any call route) sprinkled between. Choices are drawn from
decks (`Deck`): each table's rows come up in turn, so a batch of a few dozen programs covers them.
The batch is a pure function of the seed and the modules: program i is the same in every batch of
more than i programs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import count
from typing import Callable, Generic, Iterable, TypeVar, get_args

from bench.hostgen.constructs import (
    ACCESSOR_STORAGES, ARRAY_BUFFER, ASSIGNABLE, BUFFER_SOURCE, CALL_ROUTES, CALLBACK_EXPORTS, COPIES, DIRECT_GROWTH,
    ENTRY_STYLES, EXPORTS, GLUE_DIRECT, GLUE_VIEWS, GUARD_FORMS, GUARD_TESTS, OPS, OUT_OF_REACH_STORAGES, PASSES,
    PLACEMENTS, POINTER_EXPORTS, SHAPES, STORAGES, CallRoute, GuardVariant, Op, Shape, Source, SourceForm,
    guard_tests_for, ops_for, view_sources,
)
from bench.hostgen.program import (
    Call, CallExport, Cell, Condition, ExportValue, Function, GlueView, Guard, Hidden, If, Invoke, Live, Make, Param,
    Program, Read, Repeat, Return, Site, SiteRole, Stmt, Through, TryRetry, Use, Value, Write,
)
from bench.hostgen.render import render

T = TypeVar("T")

# Rows that stand for "nothing special": repeated so that plain cases stay common.
NO_GUARD = "none"
GUARDS = (NO_GUARD,) * 5 + GUARD_FORMS
VARIANTS = ("correct", "correct", "wrong-variable", "stale-buffer")
CONTROLS = ("plain", "plain", "loop", "branch")
ORIGIN_EXTRAS = ("buffer", "buffer", "buffer", "arg-order", "arg-order", "eval")
CALLBACK_STYLES = ("function", "method", "inline")
MEMORY_STYLES = ("mem", "exports.memory", "memory")


class Deck(Generic[T]):
    """Draws rows in turn from shuffled copies of a table; a row no draw could take yet stays in
    front for the next draw that can. Over a batch every row comes up about equally often."""

    def __init__(self, rows: Iterable[T], rng: random.Random):
        self.rows = list(rows)
        self.rng = rng
        self.waiting: list[T] = []

    def draw(self, accept: Callable[[T], bool] = lambda row: True) -> T:
        for _ in range(2):
            for i, row in enumerate(self.waiting):
                if accept(row):
                    return self.waiting.pop(i)
            fresh = list(self.rows)
            self.rng.shuffle(fresh)
            self.waiting += fresh
            if len(self.waiting) > 8 * len(self.rows):  # rows nothing accepts for long: forget the excess
                self.waiting = self.waiting[-4 * len(self.rows):]
        raise ValueError("no row of the deck is acceptable")


@dataclass
class Thread:
    """One value's story: where it comes from, where it is kept, how it is made afresh."""

    cell: Cell | None  # None: a glue view read afresh at every use
    shape: Shape
    tags: set[str]
    source: Source | None  # None for glue views
    origin: str  # "view", "buffer", "glue", "arg-order", "eval"
    glue_name: str | None = None
    saved: Cell | None = None  # the buffer captured when it was first made (stale-buffer guards)


class Body:
    """A function body being composed: chunks of statements, inserted at random places; the first
    `floor` chunks (the top level's initial makes) stay first."""

    def __init__(self) -> None:
        self.chunks: list[list[Stmt]] = []
        self.floor = 0

    def insert(self, chunk: list[Stmt], rng: random.Random, after: list[Stmt] | None = None) -> list[Stmt]:
        low = self.floor if after is None else next(i for i, c in enumerate(self.chunks) if c is after) + 1
        self.chunks.insert(rng.randint(max(low, self.floor), len(self.chunks)), chunk)
        return chunk

    def statements(self) -> list[Stmt]:
        return [stmt for chunk in self.chunks for stmt in chunk]


class Decks:
    """One deck per table the generator draws from."""

    def __init__(self, rng: random.Random, modules: tuple[str, ...]):
        self.module: Deck[str] = Deck([m for m in ("wat", "wat", "wat", "rust") if m in modules], rng)
        self.glue: Deck[bool] = Deck((False, False, False, True), rng)
        self.memory: Deck[str] = Deck(MEMORY_STYLES, rng)
        self.entry: Deck[str] = Deck(ENTRY_STYLES, rng)
        self.callback: Deck[str] = Deck(CALLBACK_STYLES, rng)
        self.source: Deck[Source | str] = Deck([*view_sources(), *ORIGIN_EXTRAS], rng)
        self.glue_view: Deck[str] = Deck(GLUE_VIEWS, rng)
        self.storage: Deck[str] = Deck([*STORAGES, *ACCESSOR_STORAGES, *OUT_OF_REACH_STORAGES], rng)
        self.placement: Deck[str] = Deck(PLACEMENTS, rng)
        self.pass_: Deck[str] = Deck(PASSES, rng)
        self.guard: Deck[str] = Deck(GUARDS, rng)
        self.variant: Deck[str] = Deck(VARIANTS, rng)
        self.test: Deck[str] = Deck(GUARD_TESTS, rng)
        self.control: Deck[str] = Deck(CONTROLS, rng)
        self.op: Deck[Op] = Deck(OPS, rng)
        self.export: Deck[str] = Deck(EXPORTS, rng)
        self.passed_export: Deck[str] = Deck(EXPORTS, rng)  # the export a helper is given as a function value
        self.pointer: Deck[str] = Deck(POINTER_EXPORTS, rng)
        self.route: Deck[CallRoute] = Deck(CALL_ROUTES, rng)


class Generator:
    """Programs of one batch: the decks are shared, so the batch covers every table row. A quarter
    of the programs load the Rust guest when `modules` has it."""

    def __init__(self, seed: int, modules: tuple[str, ...] = ("wat", "rust")):
        self.seed = seed
        self.rng = random.Random(seed)
        self.decks = Decks(self.rng, modules)

    def program(self, index: int) -> Program:
        return render(_Builder(self, index).build())


def construct_kinds(modules: tuple[str, ...] = ("wat", "rust")) -> set[str]:
    """Every construct kind the generator knows, spelt as the tags its sites carry (`kind:value`)."""
    kinds = {f"shape:{name}" for name in SHAPES} | {f"form:{form}" for form in get_args(SourceForm)}
    kinds |= {f"origin:{origin}" for origin in ("view", "buffer", "glue", "arg-order", "eval")}
    kinds |= {f"storage:{s}" for s in (*STORAGES, *ACCESSOR_STORAGES, *OUT_OF_REACH_STORAGES, GLUE_DIRECT)}
    kinds |= {f"placement:{p}" for p in PLACEMENTS} | {f"pass:{p}" for p in PASSES}
    kinds |= {f"entry:{e}" for e in (*ENTRY_STYLES, "top-level")} | {f"entry:import-callback:{c}" for c in CALLBACK_STYLES}
    kinds |= {f"guard:{g}" for g in (NO_GUARD, *GUARD_FORMS, *ACCESSOR_STORAGES)}
    kinds |= {f"guard-variant:{v}" for v in get_args(GuardVariant)} | {f"test:{t}" for t in GUARD_TESTS}
    kinds |= {f"control:{c}" for c in CONTROLS} | {f"op:{op.name}" for op in OPS} | {"op:make", "op:guard-test"}
    kinds |= {f"between:{e}" for e in (*EXPORTS, "quiet-only", "nothing")} | {f"route:{r}" for r in get_args(CallRoute)}
    kinds |= {f"passed-export:{e}" for e in EXPORTS} | {"making:first", "making:again", "making:guard"}
    kinds |= {"try:first", "try:retry", "role:use", "role:check", "program:glue", "program:plain"}
    kinds |= {f"out-of-reach:{why}" for why in ("eval", *OUT_OF_REACH_STORAGES)}
    return kinds | {f"module:{m}" for m in modules}


def generate(seed: int, programs: int, modules: tuple[str, ...] = ("wat", "rust")) -> list[Program]:
    """The batch of `programs` programs for `seed`: the same programs every time."""
    generator = Generator(seed, modules)
    return [generator.program(i) for i in range(programs)]


class _Builder:
    def __init__(self, generator: Generator, index: int):
        self.rng = generator.rng
        self.decks = generator.decks
        self.index = index
        self.names = count(1)
        self.sites: list[Site] = []
        self.cells: list[Cell] = []
        self.helpers: list[Function] = []
        self.flags: list[str] = []
        self.module = self.decks.module.draw()
        self.glue = self.decks.glue.draw()
        self.exports = self.rng.choice(("ex", "wasm", "instanceExports"))
        style = self.decks.memory.draw()
        self.memory = "wasmMemory" if self.glue else {"mem": "mem", "memory": "memory"}.get(style, f"{self.exports}.memory")
        self.top = Function("top", "top-level", "top")
        self.entries = [self._entry(self.decks.entry.draw()) for _ in range(self.rng.randint(1, 3))]
        self.callback_style = self.decks.callback.draw()
        self.callback = Function("write" if self.callback_style == "method" else "onHostWrite", "callback",
                                 {"method": "method", "function": "function", "inline": "inline"}[self.callback_style], ["n"])
        self.bodies: dict[int, Body] = {id(f): Body() for f in [self.top, *self.entries, self.callback]}

    def _entry(self, style: str) -> Function:
        name = {"function": "step", "exported-function": "handle", "class-method": "update", "timer": "onTimer", "event": "tick",
                "promise": "onReady", "animation-frame": "render"}[style]
        return Function(f"{name}{next(self.names)}", "entry", style, ["time"] if style == "animation-frame" else [])

    def name(self, stem: str) -> str:
        return f"{stem}{next(self.names)}"

    def site(self, role: SiteRole, op: str, tags: set[str], throws: bool = True) -> Site:
        site = Site(len(self.sites), role, op, set(tags) | {f"role:{role}", f"op:{op}"}, throws)
        self.sites.append(site)
        return site

    # -- the whole program ---------------------------------------------------------------------------

    def build(self) -> Program:
        for _ in range(self.rng.randint(1, 4)):
            self.thread()
        self.sprinkle_calls()
        self.ensure_callback_runs()
        for function in [self.top, *self.entries, self.callback]:
            function.body = self.bodies[id(function)].statements()
        first, second = list(self.entries), list(self.entries)
        self.rng.shuffle(first)
        self.rng.shuffle(second)
        return Program(
            index=self.index, module=self.module, glue=self.glue, memory=self.memory, exports=self.exports,
            flags=self.flags, cells=self.cells, top=self.top, entries=self.entries, callback=self.callback,
            callback_style=self.callback_style, helpers=self.helpers, order=first + second, sites=self.sites,
        )

    def sprinkle_calls(self) -> None:
        for _ in range(self.rng.randint(1, 4)):
            target = self.rng.choice([self.top, *self.entries])
            self.bodies[id(target)].insert([CallExport(self.export_call())], self.rng)

    def ensure_callback_runs(self) -> None:
        if not self.bodies[id(self.callback)].chunks:
            return
        calls = [c for f in [self.top, *self.entries] for chunk in self.bodies[id(f)].chunks for c in _calls_in(chunk)]
        if not any("callback" in EXPORTS[c.export].effects for c in calls if c.route != "param"):
            name = "write_only" if self.glue else self.rng.choice(CALLBACK_EXPORTS)
            self.bodies[id(self.rng.choice([self.top, *self.entries]))].insert(
                [CallExport(Call(name, self.decks.route.draw()))], self.rng)

    def export_call(self, where: Function | None = None, deck: Deck[str] | None = None) -> Call:
        def fits(name: str) -> bool:
            if self.glue and name in DIRECT_GROWTH:
                return False  # Emscripten-shaped: memory grows only through the resize import
            # The import callback may call back into the module, but not into an export that calls it.
            return not (where is not None and where.kind == "callback" and "callback" in EXPORTS[name].effects)

        return Call((deck or self.decks.export).draw(fits), self.decks.route.draw())

    # -- threads -------------------------------------------------------------------------------------

    def thread(self) -> None:
        thread = self.origin()
        episodes = self.rng.randint(1, 2)
        if thread.cell is not None and thread.cell.scope == "local":
            home = self.rng.choice([*self.entries, self.callback])
            made = self.bodies[id(home)].insert(self.making(thread), self.rng)
            for _ in range(episodes):
                self.bodies[id(home)].insert(self.episode(thread, home, "same-function"), self.rng, after=made)
            return
        if thread.cell is not None and thread.cell.storage not in ACCESSOR_STORAGES:
            body = self.bodies[id(self.top)]
            body.chunks.insert(body.floor, self.making(thread))
            body.floor += 1
        for _ in range(episodes):
            placement = self.decks.placement.draw()
            where = {"same-function": self.rng.choice([self.top, *self.entries]), "other-entry": self.rng.choice(self.entries),
                     "import-callback": self.callback, "top-level": self.top}[placement]
            chunk = self.episode(thread, where, placement)
            if placement == "same-function" and thread.cell is not None and thread.cell.storage not in ACCESSOR_STORAGES:
                chunk = self.making(thread, again=True) + chunk
            self.bodies[id(where)].insert(chunk, self.rng)

    def origin(self) -> Thread:
        if self.glue and self.rng.random() < 0.5:
            name = self.decks.glue_view.draw()
            shape = SHAPES[GLUE_VIEWS[name]]
            tags = {"origin:glue", f"shape:{shape.name}"}
            storage = GLUE_DIRECT
            if self.rng.random() < 0.6:
                storage = self.decks.storage.draw(lambda s: s not in ACCESSOR_STORAGES and s not in OUT_OF_REACH_STORAGES)
            cell = None if storage == GLUE_DIRECT else self.cell(storage, shape)
            tags.add(f"storage:{storage}")
            return Thread(cell, shape, tags, None, "glue", glue_name=name)
        row = self.decks.source.draw(lambda r: not (self.glue and r == "arg-order"))
        origin = "view"
        if row == "buffer":
            source, origin = BUFFER_SOURCE, "buffer"
        elif row == "eval":
            source, origin = self.rng.choice([s for s in view_sources() if s.form == "range"]), "eval"
        elif row == "arg-order":
            source, origin = self.rng.choice([s for s in view_sources() if s.form in ("range", "dataview", "buffer-from")]), "arg-order"
        else:
            assert isinstance(row, Source)
            source = row

        def fits(storage: str) -> bool:
            if storage in ACCESSOR_STORAGES:
                return origin == "view" and source.form not in COPIES
            return True

        storage = self.decks.storage.draw(fits)
        shape = source.shape
        tags = {f"origin:{origin}", f"shape:{shape.name}", f"form:{source.form}", f"storage:{storage}"}
        if origin == "eval":
            tags.add("out-of-reach:eval")
        if storage in OUT_OF_REACH_STORAGES:
            tags.add(f"out-of-reach:{storage}")
        thread = Thread(self.cell(storage, shape), shape, tags, source, origin)
        if storage in ACCESSOR_STORAGES:
            self.accessor(thread)
        return thread

    def cell(self, storage: str, shape: Shape) -> Cell:
        cell = Cell(self.name({"local": "view", "closure": "readView", "keeper-class": "frame", "keeper-private": "image",
                               "getter-class": "heap", "getter-method": "heap", "getter-function": "cache"}.get(storage, "held")),
                    storage, shape, "local" if storage == "local" else "module")
        self.cells.append(cell)
        return cell

    def fresh(self, thread: Thread, tags: set[str], buffer: Value | None = None, pointer: Call | None = None) -> Value:
        """The thread's value made anew (over the live buffer, or over `buffer`)."""
        if thread.origin == "glue":
            assert thread.glue_name is not None
            return GlueView(thread.glue_name)
        if thread.origin == "buffer":
            return buffer if buffer is not None else Live()
        assert thread.source is not None
        if thread.origin == "eval" and buffer is None:
            return Hidden(thread.source)
        site = self.site("use", "make", thread.tags | tags)
        return Make(thread.source, buffer if buffer is not None else Live(), site, pointer)

    def making(self, thread: Thread, again: bool = False) -> list[Stmt]:
        """The statements that (re)make the thread's value into its cell."""
        assert thread.cell is not None
        made: list[Stmt] = []
        pointer = None
        if thread.origin == "arg-order":
            pointer = Call(self.decks.pointer.draw(lambda e: not (self.glue and e in DIRECT_GROWTH)),
                           self.rng.choice(("direct", "method")))
        if not again and thread.origin in ("view", "buffer", "arg-order"):
            saved = Cell(self.name("saved"), "local" if thread.cell.scope == "local" else "module-let", ARRAY_BUFFER,
                         thread.cell.scope)
            self.cells.append(saved)
            thread.saved = saved
            made.append(Write(saved, Live()))
        made.append(Write(thread.cell, self.fresh(thread, {"making:again" if again else "making:first"}, pointer=pointer)))
        return made

    def accessor(self, thread: Thread) -> None:
        """A getter (or method, or function) that re-makes the cached view when the test says so."""
        cell = thread.cell
        assert cell is not None
        variant = self.decks.variant.draw()
        thread.tags.add(f"guard-variant:{variant}")
        style = {"getter-class": "getter", "getter-method": "method", "getter-function": "function"}[cell.storage]
        name = "view" if style != "function" else f"{cell.name}View"
        function = Function(name, "accessor", style, owner=cell if style != "function" else None)
        test = self.decks.test.draw(lambda t: t in guard_tests_for(thread.shape))
        tags = thread.tags | {f"guard:{cell.storage}", f"test:{test}"}
        subject: Value = Read(cell)
        shape = thread.shape
        fresh_buffer: Value | None = None
        if variant == "wrong-variable":
            subject, shape, test = Live(), ARRAY_BUFFER, "byteLength"  # tests the live buffer, not the view
        elif variant == "stale-buffer":
            # rendered as `this.#saved` in a class, `<name>Saved` beside a function
            saved = Cell(f"{cell.name}Saved", "accessor-saved", ARRAY_BUFFER, "module")
            fresh_buffer = Read(saved)
            self.cells.append(saved)
        condition = Condition(test, subject, shape, null_check=Read(cell))
        site = self.site("check", "guard-test", tags)
        guard = Guard(site, "if", condition, cell, self.fresh(thread, {"making:guard"}, buffer=fresh_buffer))
        function.body = [guard, Return(Read(cell))]
        cell.accessor = function

    # -- one use -------------------------------------------------------------------------------------

    def episode(self, thread: Thread, where: Function, placement: str) -> list[Stmt]:
        tags = thread.tags | {f"placement:{placement}", f"entry:{_entry_kind(where)}"}
        guard = NO_GUARD
        if thread.cell is not None and thread.cell.storage not in ACCESSOR_STORAGES:
            guard = self.decks.guard.draw(lambda g: self._guard_fits(g, thread))
        pass_ = self.decks.pass_.draw(lambda p: self._pass_fits(p, thread, guard))
        control = self.decks.control.draw()
        op = self.decks.op.draw(lambda o: o.applies(thread.shape) and (guard != "try-retry" or o.throws))
        tags |= {f"guard:{guard}", f"pass:{pass_}", f"control:{control}"}
        stmts: list[Stmt] = []
        if self.rng.random() < 0.5:
            stmts.append(CallExport(self.export_call(where)))
        subject = self.read(thread)
        if guard == "try-retry":
            stmts.append(self.try_retry(thread, subject, op, tags))
        else:
            if guard != NO_GUARD:
                stmts.append(self.guard(thread, guard, tags))
            stmts += self.passing(thread, pass_, subject, op, tags, where)
        if control == "loop":
            stmts = [Repeat(2, stmts + [CallExport(self.export_call(where))])]
        elif control == "branch":
            flag = self.flag()
            other: list[Stmt] = [CallExport(self.export_call(where))] if self.rng.random() < 0.5 else []
            stmts = [If(flag, stmts, other)] if self.rng.random() < 0.5 else [If(flag, other, stmts)]
        return stmts

    def _guard_fits(self, guard: str, thread: Thread) -> bool:
        assert thread.cell is not None
        if guard in ("ternary", "or-default", "nullish"):
            return thread.cell.storage in ASSIGNABLE
        if guard == "try-retry":
            return any(o.throws for o in ops_for(thread.shape))
        return True

    def _pass_fits(self, pass_: str, thread: Thread, guard: str) -> bool:
        if pass_ == "own-method":
            return thread.cell is not None and thread.cell.storage in ("keeper-class", "keeper-private")
        return pass_ == "direct" or guard != "try-retry"

    def read(self, thread: Thread) -> Value:
        if thread.cell is None:
            assert thread.glue_name is not None
            return GlueView(thread.glue_name)
        if thread.cell.storage in ACCESSOR_STORAGES:
            return Through(thread.cell)
        return Read(thread.cell)

    def flag(self) -> str:
        if len(self.flags) < 2 and (not self.flags or self.rng.random() < 0.5):
            self.flags.append(f"f{len(self.flags)}")
        return self.rng.choice(self.flags)

    def guard(self, thread: Thread, form: str, tags: set[str]) -> Guard:
        assert thread.cell is not None
        variant = self.decks.variant.draw(lambda v: v != "stale-buffer" or thread.saved is not None)
        tags = tags | {f"guard-variant:{variant}"}
        test = self.decks.test.draw(lambda t: t in guard_tests_for(thread.shape))
        subject: Value = Read(thread.cell)
        shape = thread.shape
        if variant == "wrong-variable":
            subject, shape, test = self.decoy(thread)
        tags.add(f"test:{test}")
        buffer = Read(thread.saved) if variant == "stale-buffer" and thread.saved is not None else None
        fresh = self.fresh(thread, tags | {"making:guard"}, buffer=buffer)
        site = self.site("check", "guard-test", tags)
        return Guard(site, form, Condition(test, subject, shape), thread.cell, fresh)  # type: ignore[arg-type]

    def decoy(self, thread: Thread) -> tuple[Value, Shape, str]:
        """What a wrong guard tests instead: another view kept at module level, or the live buffer."""
        others = [c for c in self.cells if c is not thread.cell and c.scope == "module" and c.shape.family != "arraybuffer"
                  and c.storage in STORAGES and self._made_visibly_at_top(c)]
        if others and self.rng.random() < 0.5:
            other = self.rng.choice(others)
            return Read(other), other.shape, self.decks.test.draw(lambda t: t in guard_tests_for(other.shape))
        return Live(), ARRAY_BUFFER, "byteLength"

    def _made_visibly_at_top(self, cell: Cell) -> bool:
        """Whether the top level makes `cell` before anything else runs, and not by `eval` (a guard
        that tests it then stays within an analysis' reach)."""
        body = self.bodies[id(self.top)]
        return any(isinstance(s, Write) and s.cell is cell and not isinstance(s.value, Hidden)
                   for chunk in body.chunks[:body.floor] for s in chunk)

    def try_retry(self, thread: Thread, subject: Value, op: Op, tags: set[str]) -> TryRetry:
        assert thread.cell is not None
        variant = self.decks.variant.draw(lambda v: v != "stale-buffer" or thread.saved is not None)
        if variant == "wrong-variable":
            variant = "retry-same"
        tags = tags | {f"guard-variant:{variant}"}
        recover: list[Stmt] = []
        if variant != "retry-same":
            buffer = Read(thread.saved) if variant == "stale-buffer" and thread.saved is not None else None
            recover = [Write(thread.cell, self.fresh(thread, tags | {"making:guard"}, buffer=buffer))]
        check = self.site("check", op.name, tags | {"try:first"}, op.throws)
        retry = Use(self.site("use", op.name, tags | {"try:retry"}, op.throws), subject, op, thread.shape)
        return TryRetry(check, subject, op, thread.shape, recover, retry)

    def passing(self, thread: Thread, pass_: str, subject: Value, op: Op, tags: set[str], where: Function) -> list[Stmt]:
        """The use itself, in place or inside the function the value is passed to."""
        site = self.site("use", op.name, tags, op.throws)
        if pass_ == "direct":
            return [Use(site, subject, op, thread.shape)]
        if pass_ == "own-method":
            assert thread.cell is not None
            method = Function(self.name("inspect"), "keeper-method", "own-method", owner=thread.cell)
            method.body = [Use(site, Read(thread.cell), op, thread.shape)]
            thread.cell.methods.append(method)
            return [Invoke(method, [])]
        params = ["view"] if pass_ != "helper-calls-export" else ["view", "allocFn"]
        style = {"helper-param": "function", "helper-calls-export": "function", "method-param": "method",
                 "callback-arg": "inline"}[pass_]
        helper = Function(self.name({"inline": "visit"}.get(style, "useView")), "helper", style,
                          ["v"] if style == "inline" else params)
        inner = Param(helper.params[0])
        helper.body = [Use(site, inner, op, thread.shape)]
        args: list[Value] = [subject]
        if pass_ == "helper-calls-export":
            call = self.export_call(where, self.decks.passed_export)
            helper.body.insert(0, CallExport(Call("alloc", "param", via="allocFn")))
            args.append(ExportValue(call.export))
            site.tags.add(f"passed-export:{call.export}")
        if style != "inline":
            self.helpers.append(helper)
        return [Invoke(helper, args)]


def _entry_kind(function: Function) -> str:
    if function.kind == "top-level":
        return "top-level"
    if function.kind == "callback":
        return f"import-callback:{function.style}"
    return function.style


def _calls_in(chunk: list[Stmt]) -> list[Call]:
    found: list[Call] = []
    for stmt in chunk:
        if isinstance(stmt, CallExport):
            found.append(stmt.call)
        elif isinstance(stmt, If):
            found += _calls_in(stmt.then) + _calls_in(stmt.otherwise)
        elif isinstance(stmt, Repeat):
            found += _calls_in(stmt.body)
    return found
