"""The abstract values the host analysis tracks: what an expression is, as far as Wasm memory goes."""

from __future__ import annotations

from dataclasses import dataclass, field

# Constructors whose first argument may be `memory.buffer`: each makes a view that detaches with it.
VIEW_TYPES = frozenset({
    "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
    "Uint32Array", "Float16Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
    "DataView",
})

# Kinds of value (Val.kind). A view is not a Val: views live in the flow state, because whether a
# view is stale depends on the path to each use.
EXPORTS = "exports"  # the module's exports object
MEMORY = "memory"  # a WebAssembly.Memory that may detach its buffer
SAFE_MEMORY = "safe-memory"  # a shared memory: its buffer never detaches
BUFFER = "buffer"  # memory.buffer
SAFE_BUFFER = "safe-buffer"  # a SharedArrayBuffer or a length-tracking resizable buffer
INSTANCE = "instance"  # a WebAssembly.Instance
RESULT = "result"  # what WebAssembly.instantiate resolves to: { instance, module }
EXPORT_FN = "export"  # an exported function as a value (`const { set_name } = instance.exports`)
GLUE_FN = "glue"  # a function or class of a wasm-bindgen package whose memory the host reads
GLUE_OBJECT = "glue-object"  # an object of a wasm-bindgen class (its methods call exports)
FUNCTION = "function"  # a function of this file (name: its key in the function table)
FOREIGN = "foreign"  # a function another host file exports (name: "specifier#name")
FOREIGN_MODULE = "foreign-module"  # another host file's exports object (name: the specifier)
FOREIGN_OBJECT = "foreign-object"  # `new C()` of a class another host file exports (name: "specifier#C")
OBJECT = "object"  # `new C()` of a class of this file (name: the class)


@dataclass(frozen=True)
class Val:
    kind: str
    name: str = ""


class Record(dict):
    """An object literal's properties that matter (`{ exp, heap: new Uint8Array(...) }`): each a
    Val, a View or a Record. Bound to a name, its views are held as `name.prop`."""


@dataclass(frozen=True, eq=False)
class Grow:
    """A call that may grow memory: into the module (naming the exports it may reach), or the
    host's own `memory.grow`. Compared by value; the analysis compares millions of them, so each
    keeps its fields as one tuple and its hash (the last fields are derived, never stored)."""

    exports: tuple[str, ...]
    line: int
    text: str  # the call as written, shortened
    via: tuple[str, ...] = ()  # host functions from the call to the export
    host_grow: bool = False
    earlier: bool = False  # made before the function being analysed ran (by an earlier call)
    # Made in an import callback: the export whose call ran it, and the import ("env.host_write")
    # the callback implements ("" unknown). It happens only if that export calls that import.
    inside: str = ""
    through: str = ""
    # The export's own call (`exports`), as the callbacks of import `through` it runs see it: its
    # growth has happened in them only if the export may grow before calling that import.
    mid_call: bool = False
    # The invariant conditions in force where it was made (`invariants.py`): ((atom, truth), ...).
    # It never happens in a run where one of them is false; a finding names it without them.
    assumes: frozenset = frozenset()
    key: tuple = field(init=False, repr=False, compare=False)
    judged: tuple = field(init=False, repr=False, compare=False)  # what the module's verdict on it depends on
    call: tuple = field(init=False, repr=False, compare=False)  # the call, whatever literals it was recorded under
    hashed: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = (self.exports, self.line, self.text, self.via, self.host_grow, self.earlier, self.inside, self.through,
               self.mid_call, self.assumes)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "call", key[:-1])
        object.__setattr__(self, "judged", (self.exports, self.host_grow, self.inside, self.through, self.mid_call))
        object.__setattr__(self, "hashed", hash(key))

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Grow):
            return NotImplemented
        return self.hashed == other.hashed and self.key == other.key

    def __hash__(self) -> int:
        return self.hashed

    def __reduce__(self):
        return (Grow, self.key)  # rebuilt (and hashed) in the process that reads it


@dataclass
class View:
    """A view over memory.buffer on one path: where it was made, and the calls since that may
    have grown memory (empty: fresh)."""

    ctor: str
    line: int
    text: str
    grows: tuple[Grow, ...] = ()
    reported: int = 0  # how many of `grows` a reported use already covered: report again only for new ones
    from_entry: bool = False  # made before the function ran (a long-lived variable or field)

    def copy(self) -> "View":
        return View(self.ctor, self.line, self.text, self.grows, self.reported, self.from_entry)


@dataclass(frozen=True)
class StaleUse:
    """A view used after a call that may have grown memory since the view was made."""

    holder: str
    ctor: str
    created_line: int
    created_text: str
    grows: tuple[Grow, ...]
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    from_entry: bool = False
    # Seen only in import callbacks, inside these export calls: (export, import, the calls it was stale
    # after there); None: seen elsewhere too
    only_inside: tuple[tuple[str, str, tuple[Grow, ...]], ...] | None = None

    def exports(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for grow in self.grows:
            for name in grow.exports:
                seen.setdefault(name, None)
        return tuple(seen)


@dataclass
class HostFacts:
    """What the host layer found in one file: plain data, cached and sent across processes."""

    path: str
    uses: list[StaleUse] = field(default_factory=list)
    module_refs: list[str] = field(default_factory=list)  # strings naming a .wasm the host loads
    imports: list[str] = field(default_factory=list)  # the specifiers it imports or requires
    glue_stem: str | None = None  # `x` for a wasm-bindgen glue file `x.js` / `x_bg.js`
    dependencies: list[tuple[str, str]] = field(default_factory=list)  # (file, digest) of the files it imports
    exports_called: list[str] = field(default_factory=list)
    parse_error: tuple[int, int, str] | None = None  # (line, column, detail)
    must_undecided: bool = False  # the module's facts could decide a detachment test (`must.py`): run it again with them
