"""The decoded module as data: `WasmModule` and the records its sections are read into."""

from __future__ import annotations

from dataclasses import dataclass, field

SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
    7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount", 13: "tag",
}
PAGE_SIZE = 65536


@dataclass(frozen=True, slots=True)
class Section:
    id: int
    start: int  # offset of the section id byte
    payload_start: int
    end: int
    name: str | None = None  # custom sections only

    @property
    def kind(self) -> str:
        return SECTION_NAMES.get(self.id, f"section {self.id}")


@dataclass(frozen=True, slots=True)
class FuncType:
    params: tuple[str, ...]
    results: tuple[str, ...]
    kind: str = "func"  # "struct" / "array" for GC types (then params and results are empty)

    def __str__(self) -> str:
        return f"({', '.join(self.params)}) -> ({', '.join(self.results)})"


@dataclass(frozen=True, slots=True)
class Limits:
    min: int
    max: int | None
    shared: bool = False
    is64: bool = False
    page_size: int = PAGE_SIZE


@dataclass(slots=True)
class Memory:
    index: int
    min_pages: int
    max_pages: int | None
    shared: bool
    memory64: bool
    imported: bool
    page_size: int = PAGE_SIZE
    import_name: str | None = None  # "module.name" when imported
    exported_as: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Table:
    index: int
    ref_type: str
    min: int
    max: int | None
    imported: bool
    exported_as: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Import:
    module: str
    name: str
    kind: str  # func / table / memory / global / tag
    index: int  # index in its own index space (function index for functions)
    type_index: int | None = None  # func and tag imports
    limits: Limits | None = None  # table and memory imports
    value_type: str | None = None  # global (value type) and table (reference type) imports
    mutable: bool = False  # global imports


@dataclass(frozen=True, slots=True)
class Export:
    name: str
    kind: str
    index: int


@dataclass(slots=True)  # not frozen: large modules create tens of thousands, frozen init is slower
class FunctionBody:
    func_index: int
    start: int  # just after the body-size LEB128: the locals, then the expression
    end: int  # one past the final `end` opcode
    expr_start: int  # first instruction


@dataclass(frozen=True, slots=True)
class GrowSite:
    func_index: int
    offset: int  # offset of the 0x40 opcode
    memory_index: int
    size: int  # bytes of the instruction: opcode and memory index


@dataclass(frozen=True, slots=True)
class ElementSegment:
    mode: str  # "active", "passive" or "declarative"
    table_index: int | None
    offset: int | None  # constant i32 offset of an active segment, when it is one
    func_indices: tuple[int, ...]  # functions placed by the segment (null entries left out)
    exact: bool = True  # func_indices[i] goes to table slot offset + i (no null or other entry left out)


@dataclass(frozen=True, slots=True)
class DataSegment:
    memory_index: int
    offset: int | None  # constant i32 address of an active segment, when it is one (None: passive or computed)
    start: int  # offset of the segment's bytes in the module file
    size: int


@dataclass
class WasmModule:
    size: int = 0
    sections: list[Section] = field(default_factory=list)
    types: list[FuncType] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    num_imported_funcs: int = 0
    func_type_indices: list[int] = field(default_factory=list)  # whole function index space
    tables: list[Table] = field(default_factory=list)
    memories: list[Memory] = field(default_factory=list)
    num_globals: int = 0
    tag_type_indices: list[int] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    start_func: int | None = None
    table_entries: list[ElementSegment] = field(default_factory=list)
    data_segments: list[DataSegment] = field(default_factory=list)
    bodies: list[FunctionBody] = field(default_factory=list)
    grow_sites: list[GrowSite] = field(default_factory=list)
    calls: dict[int, set[int]] = field(default_factory=dict)  # direct call / return_call
    indirect_call_types: dict[int, frozenset[int]] = field(default_factory=dict)  # call_indirect, call_ref
    ref_funcs: set[int] = field(default_factory=set)  # ref.func in code and global initialisers
    # The linker's padding survives in the code (wasm-ld writes every relocated index and address
    # as a 5-byte LEB128 and nothing rewrote it since): a padded i32.const is an address or a
    # table index, an unpadded one a plain number.
    relocation_padding: bool = False
    func_names: dict[int, str] = field(default_factory=dict)  # raw, from the name section
    module_name: str | None = None
    has_name_section: bool = False
    producers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def num_funcs(self) -> int:
        return len(self.func_type_indices)

    def func_type(self, func_index: int) -> FuncType | None:
        type_index = self.func_type_indices[func_index]
        return self.types[type_index] if type_index < len(self.types) else None

    def address_taken(self) -> set[int]:
        """Functions an indirect call may reach: table entries and `ref.func` targets."""
        taken = set(self.ref_funcs)
        for segment in self.table_entries:
            taken.update(segment.func_indices)
        return taken
