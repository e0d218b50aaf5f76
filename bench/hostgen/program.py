"""A generated host program as data: the cells that keep values, the functions (top level, entry
points, the import callback, helpers, accessors) as statement lists, and the use sites.

One description serves three readers: `render.py` turns it into the plain program wasmlint reads
and the instrumented copy Node runs, and `simulate.py` runs it in Python to say what the generator
expects at every site (which the test suite holds against what V8 records).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from bench.hostgen.constructs import CallRoute, GuardForm, Op, Shape, Source

SiteRole = Literal["use", "check"]


@dataclass
class Site:
    """A place where the program touches a value over memory. A `use` reads, writes or builds over
    it (a bug when the value is detached); a `check` tests it for detachment, or tries a use whose
    failure is caught (never a bug). Each site is on a line of its own in the plain program."""

    id: int
    role: SiteRole
    op: str
    tags: set[str]
    throws: bool  # V8 throws here when the value is detached (its invocation ends)
    line: int = 0  # 1-based, in the plain program; set by the renderer
    column: int = 0


@dataclass(eq=False)
class Cell:
    """Where a value is kept: a storage kind (constructs.STORAGES) under a unique name. Storage
    `accessor-saved` is the buffer an accessor captured when its object was made (before any call)."""

    name: str
    storage: str
    shape: Shape
    scope: Literal["module", "local"] = "module"
    # The keeper class's method that uses the value (storage keeper-*, pass own-method), set later.
    methods: list["Function"] = field(default_factory=list)
    accessor: "Function | None" = None  # getter-* storages: the accessor that re-validates


# -- values -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Live:
    """`memory.buffer` read now."""


@dataclass(frozen=True, eq=False)
class Make:
    """A value made by `source` over `buffer`: a site (the build uses the buffer). `pointer`: a call
    whose result is the offset, evaluated after the buffer (argument order)."""

    source: Source
    buffer: "Value"
    site: Site
    pointer: "Call | None" = None


@dataclass(frozen=True, eq=False)
class Read:
    cell: Cell


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class GlueView:
    """`Module.HEAPU8` and friends: a view the glue replaces when memory grows."""

    name: str


@dataclass(frozen=True)
class Hidden:
    """A view made by `eval` of a string: out of a static analysis' reach."""

    source: Source


@dataclass(frozen=True, eq=False)
class Through:
    """What an accessor returns (a getter, a method or a function of a getter-* storage)."""

    cell: Cell


@dataclass(frozen=True)
class Null:
    pass


@dataclass(frozen=True)
class ExportValue:
    """An export as a function value (`ex.alloc`), passed to a helper."""

    export: str


Value = Union[Live, Make, Read, Param, GlueView, Hidden, Through, Null, ExportValue]


@dataclass(frozen=True)
class Call:
    """A call of an export. Route `param`: through the helper parameter `via`, bound by the caller."""

    export: str
    route: CallRoute
    via: str | None = None


# -- statements ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class Write:
    cell: Cell
    value: Value


@dataclass(eq=False)
class Use:
    site: Site
    subject: Value
    op: Op
    shape: Shape


@dataclass(eq=False)
class CallExport:
    call: Call


@dataclass(eq=False)
class Invoke:
    """A call of one of the program's functions (a helper) with values or export function values."""

    function: "Function"
    args: list[Value]


@dataclass(eq=False)
class If:
    flag: str
    then: list["Stmt"]
    otherwise: list["Stmt"]


@dataclass(eq=False)
class Repeat:
    times: int
    body: list["Stmt"]


@dataclass(eq=False)
class Condition:
    """True when `subject` is detached, or when `null_check` (an accessor's cache) is still null:
    a guard's test."""

    test: str  # constructs.GUARD_TESTS key
    subject: Value
    shape: Shape
    null_check: Value | None = None


@dataclass(eq=False)
class Guard:
    """Re-make `cell` from `fresh` when `condition` holds, written in `form`. The test is a check site."""

    site: Site
    form: GuardForm
    condition: Condition
    cell: Cell
    fresh: Value


@dataclass(eq=False)
class TryRetry:
    """`try { use } catch { recover; use again }`: the first use is a check site (its failure is
    caught); `recover` re-makes the value (or not, in the broken twin); `retry` is a use site."""

    site: Site
    subject: Value
    op: Op
    shape: Shape
    recover: list["Stmt"]
    retry: Use


@dataclass(eq=False)
class Return:
    value: Value


Stmt = Union[Write, Use, CallExport, Invoke, If, Repeat, Guard, TryRetry, Return]

FunctionKind = Literal["top-level", "entry", "callback", "helper", "accessor", "keeper-method"]


@dataclass(eq=False)
class Function:
    """A function of the program. `style` says how it is written and invoked (constructs.ENTRY_STYLES
    for entries; `function`, `method`, `getter`, `arrow` otherwise)."""

    name: str
    kind: FunctionKind
    style: str
    params: list[str] = field(default_factory=list)
    body: list[Stmt] = field(default_factory=list)
    owner: Cell | None = None  # the cell whose class holds it (keeper methods, class accessors)


@dataclass
class Program:
    """One generated program and what it needs: its module, flags, cells, functions and driver order."""

    index: int
    module: str  # "wat" or "rust"
    glue: bool  # Emscripten-style glue: growth only through the resize import, Module.HEAP* views
    memory: str  # how the program names the memory: `mem`, `ex.memory`, `wasmMemory`
    exports: str  # the exports object's name
    flags: list[str]
    cells: list[Cell]
    top: Function
    entries: list[Function]
    callback: Function
    callback_style: str
    helpers: list[Function]
    order: list[Function]  # the driver's sequence of entry points (two rounds)
    sites: list[Site]
    plain: str = ""
    instrumented: str = ""

    @property
    def name(self) -> str:
        return f"p{self.index:05d}.mjs"

    def flag_settings(self) -> list[dict[str, bool]]:
        """Every setting of the flags: the program's whole input space."""
        settings: list[dict[str, bool]] = [{}]
        for flag in self.flags:
            settings = [{**s, flag: value} for s in settings for value in (False, True)]
        return settings
