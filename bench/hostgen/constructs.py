"""What the generator composes, as data: the shapes of values over Wasm memory, how a fresh one is
made, what a use does with it (and whether V8 throws when it is detached), the guards that test
detachment, the module's exports and what each call does, and where a value can be kept.

Adding a construct is adding a row here (and, for a new storage or guard form, its few lines of
rendering in `render.py`); the generator draws every row of a table in turn (`generate.Deck`), so a
new row is exercised by the next batch without further work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["typed", "dataview", "arraybuffer"]


@dataclass(frozen=True)
class Shape:
    """What a value over memory is: a typed array kind, a DataView, Node's Buffer or the ArrayBuffer."""

    name: str
    family: Family
    element: int = 1  # bytes per element
    bigint: bool = False

    @property
    def one(self) -> str:
        """A literal a write can store in an element of this shape."""
        return "1n" if self.bigint else "1"


TYPED_ARRAYS = tuple(Shape(name, "typed", size, name.startswith("Big")) for name, size in (
    ("Int8Array", 1), ("Uint8Array", 1), ("Uint8ClampedArray", 1), ("Int16Array", 2), ("Uint16Array", 2),
    ("Int32Array", 4), ("Uint32Array", 4), ("Float32Array", 4), ("Float64Array", 8),
    ("BigInt64Array", 8), ("BigUint64Array", 8),
))
DATAVIEW = Shape("DataView", "dataview")
NODE_BUFFER = Shape("Buffer", "typed")  # a Uint8Array subclass: everything a typed array does
ARRAY_BUFFER = Shape("ArrayBuffer", "arraybuffer")
SHAPES = {shape.name: shape for shape in (*TYPED_ARRAYS, DATAVIEW, NODE_BUFFER, ARRAY_BUFFER)}


# -- making a fresh value over the current buffer ----------------------------------------------------

# How a value is built over a buffer: `range` views a part with a length, `whole` views all of it,
# `subarray` views a part of a whole view, `copy` and `copy-constructor` copy a range out of memory
# (`.slice()`, `new Uint8Array(view)`: safe to keep), `buffer` is the buffer itself (`memory.buffer`
# captured).
SourceForm = Literal["range", "whole", "subarray", "copy", "copy-constructor", "dataview", "buffer-from", "buffer"]
COPIES = ("copy", "copy-constructor")
SOURCE_TEMPLATES: dict[str, str] = {
    "range": "new {ctor}({b}, {at}, 4)",
    "whole": "new {ctor}({b})",
    "subarray": "new {ctor}({b}).subarray({first}, {end})",
    "copy": "new {ctor}({b}, {at}, 4).slice()",
    "copy-constructor": "new {ctor}(new {ctor}({b}, {at}, 4))",
    "dataview": "new DataView({b}, {at}, 32)",
    "buffer-from": "Buffer.from({b}, {at}, 32)",
    "buffer": "{b}",
}


@dataclass(frozen=True)
class Source:
    """A fresh value made over a buffer: a view of `shape`, or (form `buffer`) the buffer itself."""

    shape: Shape
    form: SourceForm
    offset: int = 16  # bytes; a multiple of 8 so that every element size is aligned

    def build(self, buffer: str, pointer: str | None = None) -> str:
        """The JS expression over `buffer`; `pointer` (a call's text) replaces the offset."""
        first = self.offset // self.shape.element
        return SOURCE_TEMPLATES[self.form].format(
            ctor=self.shape.name, b=buffer, at=pointer if pointer is not None else self.offset, first=first, end=first + 4)

    @property
    def tag(self) -> str:
        if self.form == "buffer":
            return "source:buffer"
        if self.form in ("dataview", "buffer-from"):
            return f"source:{self.form}"
        return f"source:{self.form}:{self.shape.name}"


def view_sources() -> list[Source]:
    """Every way the generator makes a view: each typed array kind over a range, a third of them
    whole, as a subarray and as a copy; a DataView; Node's Buffer.from(arrayBuffer, offset, length)."""
    found = [Source(shape, "range", 8 * (i % 4 + 1)) for i, shape in enumerate(TYPED_ARRAYS)]
    found += [Source(shape, "whole") for shape in TYPED_ARRAYS[::3]]
    found += [Source(shape, "subarray", 16) for shape in TYPED_ARRAYS[1::3]]
    found += [Source(shape, "copy", 32) for shape in TYPED_ARRAYS[2::4]]
    found += [Source(shape, "copy-constructor", 40) for shape in TYPED_ARRAYS[3::4]]
    found += [Source(DATAVIEW, "dataview", 24), Source(NODE_BUFFER, "buffer-from", 32)]
    return found


BUFFER_SOURCE = Source(ARRAY_BUFFER, "buffer")


# -- uses ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """A use of a value at a site: `template` has `{s}` for the value and `{one}` for a literal of
    its element type. `throws`: V8 throws when the value is detached (else it reads `undefined`,
    writes nothing or decodes "" silently, and the instrumentation must catch it)."""

    name: str
    families: frozenset[str]
    template: str
    throws: bool
    statement: bool = False  # rendered as it is (else its value goes to `sink(...)`)
    only: str | None = None  # the one shape it applies to (Buffer's own methods)

    def applies(self, shape: Shape) -> bool:
        return shape.family in self.families and (self.only is None or shape.name == self.only)

    def text(self, subject: str, shape: Shape) -> str:
        body = self.template.format(s=subject, one=shape.one, ctor=shape.name)
        return body if self.statement else f"sink({body})"


_TYPED = frozenset({"typed"})
OPS = (
    Op("index-read", _TYPED, "{s}[1]", throws=False),
    Op("index-write", _TYPED, "{s}[2] = {one}", throws=False, statement=True),
    Op("set", _TYPED, "{s}.set([{one}], 0)", throws=True, statement=True),
    Op("fill", _TYPED, "{s}.fill({one}, 0, 2)", throws=True, statement=True),
    Op("slice-copy", _TYPED, "{s}.slice(0, 2)[0]", throws=True),
    Op("copy-constructor", _TYPED, "new {ctor}({s}.subarray(0, 2)).length", throws=True),
    Op("array-from", _TYPED, "Array.from({s}.subarray(0, 2))", throws=True),
    Op("decode", frozenset({"typed", "dataview"}), "decoder.decode({s})", throws=False),
    Op("buffer-toString", _TYPED, "{s}.toString('hex', 0, 4)", throws=False, only="Buffer"),
    Op("dataview-get", frozenset({"dataview"}), "{s}.getInt32(4, true)", throws=True),
    Op("dataview-set", frozenset({"dataview"}), "{s}.setFloat32(8, 1.5, true)", throws=True, statement=True),
    Op("construct-over", frozenset({"arraybuffer"}), "new Int32Array({s}, 64, 2)[0]", throws=True),
    Op("dataview-over", frozenset({"arraybuffer"}), "new DataView({s}, 8).getUint8(0)", throws=True),
    Op("buffer-from-over", frozenset({"arraybuffer"}), "Buffer.from({s}, 8, 4)[0]", throws=True),
    Op("buffer-slice", frozenset({"arraybuffer"}), "{s}.slice(0, 8).byteLength", throws=True),
)


def ops_for(shape: Shape) -> list[Op]:
    return [op for op in OPS if op.applies(shape)]


# -- guards ------------------------------------------------------------------------------------------

# A test that is true when `{s}` has detached; `{m}` is the memory object. Each holds in Node 20,
# which has no `ArrayBuffer.prototype.detached` (the `detached` test falls back to identity, as
# wasm-bindgen's glue does).
GUARD_TESTS: dict[str, dict[str, str]] = {
    "byteLength": {"typed": "{s}.byteLength === 0", "arraybuffer": "{s}.byteLength === 0"},
    "buffer.byteLength": {"typed": "{s}.buffer.byteLength === 0", "dataview": "{s}.buffer.byteLength === 0"},
    "buffer-identity": {"typed": "{s}.buffer !== {m}.buffer", "dataview": "{s}.buffer !== {m}.buffer",
                        "arraybuffer": "{s} !== {m}.buffer"},
    "detached": {
        "typed": "{s}.buffer.detached === true || ({s}.buffer.detached === undefined && {s}.buffer !== {m}.buffer)",
        "dataview": "{s}.buffer.detached === true || ({s}.buffer.detached === undefined && {s}.buffer !== {m}.buffer)",
        "arraybuffer": "{s}.detached === true || ({s}.detached === undefined && {s} !== {m}.buffer)",
    },
    "length": {"typed": "{s}.length === 0"},
}


def guard_tests_for(shape: Shape) -> list[str]:
    return [name for name, by_family in GUARD_TESTS.items() if shape.family in by_family]


def guard_test(name: str, shape: Shape, subject: str, memory: str) -> str:
    return GUARD_TESTS[name][shape.family].format(s=subject, m=memory)


# Where a guard is written. `if`: `if (stale) cell = fresh` before the use; `ternary` and
# `or-default`: the cell is re-assigned from a conditional expression; `nullish`: the cell is
# cleared when stale, then `??=`; `try-retry`: the use is tried, and the `catch` re-makes and retries.
# The accessor forms are storages (below): the cell is read through a getter that re-validates it.
GuardForm = Literal["if", "ternary", "or-default", "nullish", "try-retry"]
GUARD_FORMS: tuple[GuardForm, ...] = ("if", "ternary", "or-default", "nullish", "try-retry")

# How right the guard is. `correct`: it tests the cell and re-makes it from the live memory;
# `wrong-variable`: it tests something else (another view, or the live buffer); `stale-buffer`: it
# re-makes the view over a buffer captured when the cell was first made; `retry-same` (try-retry
# only): the catch retries with the same view.
GuardVariant = Literal["correct", "wrong-variable", "stale-buffer", "retry-same"]


# -- the module ----------------------------------------------------------------------------------------

Effect = Literal["grow", "callback", "resize"]


@dataclass(frozen=True)
class Export:
    """An exported function of `bench/hostgen/module.wat` (and its Rust twin): what a call does, in order.
    `grow`: the module grows memory; `callback`: it calls the `env.host_write` import; `resize`: it
    calls `env.resize_heap`, whose JavaScript grows memory."""

    name: str
    effects: tuple[Effect, ...]
    argument: str = "16"
    pointer: bool = False  # returns a pointer into the first page

    @property
    def grows(self) -> bool:
        return "grow" in self.effects or "resize" in self.effects


EXPORTS = {e.name: e for e in (
    Export("alloc", ("grow",), pointer=True),
    Export("reserve", ("grow",), argument="1"),
    Export("grow_then_write", ("grow", "callback"), argument="3"),
    Export("write_then_grow", ("callback", "grow"), argument="4"),
    Export("write_only", ("callback",), argument="5"),
    Export("em_malloc", ("resize",), pointer=True),
    Export("scratch", (), argument="", pointer=True),
    Export("peek", (), argument="64"),
    Export("poke", (), argument="64, 7"),
)}
DIRECT_GROWTH = ("alloc", "reserve", "grow_then_write", "write_then_grow")
CALLBACK_EXPORTS = ("grow_then_write", "write_then_grow", "write_only")
POINTER_EXPORTS = ("alloc", "em_malloc", "scratch")

# How the program calls an export: `ex.alloc(16)`; a destructured name; a stored function value
# (`const takeHeap = ex.alloc`); a method of a wrapper object; a helper's parameter (the export
# passed as a function value).
CallRoute = Literal["direct", "destructured", "stored", "method", "param"]
CALL_ROUTES: tuple[CallRoute, ...] = ("direct", "destructured", "stored", "method")


# -- where values are kept ---------------------------------------------------------------------------

# Each storage is rendered in `render.py`. `local`: a `let` in the function that makes and uses it;
# the others outlive a call. `keeper-*`: a user class whose constructor keeps what it is given;
# `getter-*`: read through an accessor that re-validates the cached view (a guard by construction);
# `computed-key`: a property whose name is computed at run time (out of the analysis' reach).
STORAGES = ("local", "module-let", "object-property", "array-element", "map", "set", "class-field",
            "private-field", "private-array", "closure", "keeper-class", "keeper-private")
ACCESSOR_STORAGES = ("getter-class", "getter-method", "getter-function")
GLUE_DIRECT = "glue-direct"  # Module.HEAPU8 read afresh at every use: never kept
OUT_OF_REACH_STORAGES = ("computed-key",)
ASSIGNABLE = frozenset({"local", "module-let", "object-property", "array-element", "class-field"})

# Emscripten's glue: views `updateMemoryViews()` replaces after the resize import grew memory.
GLUE_VIEWS = {"HEAP8": "Int8Array", "HEAPU8": "Uint8Array", "HEAP16": "Int16Array", "HEAP32": "Int32Array",
              "HEAPU32": "Uint32Array", "HEAPF32": "Float32Array", "HEAPF64": "Float64Array"}

# How an entry point is written and how the driver runs it: a function, a function the host module
# exports, a class method, a timer, an event handler, a promise continuation, an animation frame.
ENTRY_STYLES = ("function", "exported-function", "class-method", "timer", "event", "promise", "animation-frame")

# How a use reaches the value: in place; through a helper's parameter; a helper that first calls
# an export it is given as a function value; a method's parameter; a callback's argument; the
# keeper class's own method (keeper storages only).
PASSES = ("direct", "helper-param", "helper-calls-export", "method-param", "callback-arg", "own-method")

# Where a use runs relative to the value's making: the same function, another entry point, the
# import callback the module calls in the middle of an export, the top level.
PLACEMENTS = ("same-function", "other-entry", "import-callback", "top-level")
