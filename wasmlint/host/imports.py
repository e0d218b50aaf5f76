"""The host's import object: which JavaScript function implements each import of the module, and
which of them grow the module's memory.

A host hands the module its imports in the object it passes to `WebAssembly.instantiate`,
`instantiateStreaming` or `new WebAssembly.Instance`: written inline, held in a variable, returned
by a function (Emscripten's `getWasmImports()` returning `{env: wasmImports, ...}`), or passed
down through the parameters of the functions that end in the call (Emscripten's
`instantiateAsync(binary, file, imports)`). An import whose function calls `memory.grow`
(Emscripten's `emscripten_resize_heap`, under any minified name), itself or through the
functions it calls, grows memory while the export that called it runs.

Values are followed through the index of the file's bindings (`bindings.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wasmlint.host.bindings import FUNCTIONS, MAX_FOLLOW, FileBindings, HostFiles, ImportReader, Scope, member_parts, text, unwrap

if TYPE_CHECKING:  # tree-sitter is loaded by the parse; a cached result (GrowingImport) needs none of it
    from tree_sitter import Node

    from wasmlint.host.parsing import HostFile

__all__ = ["GrowingImport", "ImportBinding", "ImportReader", "growing_imports", "import_bindings", "instantiates"]

# Without one of these a file instantiates no module itself: nothing to index.
_INSTANTIATES = re.compile(rb"WebAssembly\s*\.\s*(?:instantiate|Instance)|WebAssembly\s*\[\s*['\"](?:instantiate|Instance)")
# A receiver named so is a memory when nothing else says what it is (a parameter `memory`).
_MEMORY_NAME = re.compile(r"(?i)^(?:wasm)?mem(?:ory)?$|memory$")
MAX_CALL_DEPTH = 8  # functions followed from an import to its `memory.grow`


@dataclass(frozen=True)
class ImportBinding:
    """One import the host provides: `module`.`name` of the module's import section, and the
    JavaScript function that implements it (None: its value is not a function found in the files
    followed, e.g. a value the host receives from elsewhere)."""

    module: str
    name: str
    function: Node | None
    function_file: str  # display path of the file that holds `function` (the host's own, or one it imports)
    line: int  # 1-based line, in the host file, where the import object names it
    # The index `function` was found with, so that its growth is followed from there.
    _index: FileBindings | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class GrowingImport:
    """An import whose implementation grows memory: directly, or through the functions it calls."""

    module: str
    name: str
    via: tuple[str, ...]  # the JavaScript functions from the import to the grow call, then the call
    file: str
    line: int  # 1-based line of the grow call
    # The grown object, when it is an export of the module read by name (`Ka = exports.M`): the
    # import grows memory only when that export is the module's memory (the same code grows
    # tables: `Y.grow(1)`). None: it is a memory whatever the module exports.
    memory_export: str | None = None

    @property
    def key(self) -> str:
        return f"{self.module}.{self.name}"


def instantiates(source: bytes) -> bool:
    """Whether the file may instantiate a module itself (else it has no import object)."""
    return _INSTANTIATES.search(source) is not None


def import_bindings(host: HostFile, read_import: ImportReader | None = None) -> list[ImportBinding]:
    """Every import the host's import object(s) provide, in the order written; a name given by two
    import objects is listed once per function found."""
    if not instantiates(host.source):
        return []
    files = HostFiles(read_import)
    index = files.add(host)
    found: dict[tuple[str, str, int | None], ImportBinding] = {}
    for scope, argument in index.instantiations:
        for module_name, value, value_scope in index.properties_of(argument, scope):
            for name, member, member_scope in index.properties_of(value, value_scope):
                functions: list[tuple[Node | None, FileBindings]] = [*index.functions_of(member, member_scope)]
                for function, owner in functions or [(None, index)]:
                    binding = ImportBinding(module_name, name, function, owner.host.display,
                                            member.start_point[0] + 1, owner if function is not None else None)
                    found.setdefault((module_name, name, function.id if function is not None else None), binding)
    return list(found.values())


def growing_imports(host: HostFile, read_import: ImportReader | None = None,
                    bindings: list[ImportBinding] | None = None) -> list[GrowingImport]:
    """The imports (of `bindings`, else of the host's import objects) whose function grows memory."""
    if bindings is None:
        bindings = import_bindings(host, read_import)
    if not bindings:
        return []
    out: dict[tuple[str, str], GrowingImport] = {}
    search = _GrowthSearch()
    for binding in bindings:
        if binding.function is None or (binding.module, binding.name) in out:
            continue
        index = binding._index
        scope = index.scopes.get(binding.function.id) if index is not None else None
        grow = search.grows(index, scope, 0) if index is not None and scope is not None else None
        if grow is not None:
            via, file, line, export = grow
            if via[0] == _ANONYMOUS:  # an arrow written in the import object: named by the import
                via = (f"{binding.module}.{binding.name}", *via[1:])
            out[(binding.module, binding.name)] = GrowingImport(binding.module, binding.name, via, file, line, export)
    return list(out.values())


# --- growth -----------------------------------------------------------------------------------

# (functions from the import to the grow call, then the call; file; line; the memory export it grows)
Growth = tuple[tuple[str, ...], str, int, str | None]


class _GrowthSearch:
    """Whether functions grow memory, each function followed once (per file: node ids are the file's)."""

    def __init__(self) -> None:
        self.found: dict[tuple[int, int], Growth | None] = {}

    def grows(self, index: FileBindings, scope: Scope, depth: int) -> Growth | None:
        """(functions to the grow call and the call, file, line, the memory export it grows) when
        the function of `scope` grows memory, itself or through the functions it calls by name."""
        key = (id(index), scope.node.id)
        if key in self.found:
            return self.found[key]
        self.found[key] = None  # a cycle is not growth
        found = self._grows(index, scope, depth)
        self.found[key] = found
        return found

    def _grows(self, index: FileBindings, scope: Scope, depth: int) -> Growth | None:
        here = _label(scope)
        for call in scope.grow_calls:
            callee = call.child_by_field_name("function")
            base, _ = member_parts(callee) if callee is not None else (None, None)
            if base is None:
                continue
            index.steps = 0
            memory = _memory_of(index, base, scope)
            if memory is not None:
                shown = text(callee) if callee is not None else "grow"
                return (here, f"{shown}()"), index.host.display, call.start_point[0] + 1, memory or None
        if depth >= MAX_CALL_DEPTH:
            return None
        for call in scope.calls:
            callee = call.child_by_field_name("function")
            if callee is None or callee.type != "identifier":
                continue
            index.steps = 0
            for function, _, owner in list(index.values(callee, scope)):
                inner = owner.scopes.get(function.id) if function.type in FUNCTIONS else None
                if inner is None:
                    continue
                found = self.grows(owner, inner, depth + 1)
                if found is not None:
                    via, file, line, memory = found
                    return (here, *via), file, line, memory
        return None


def _memory_of(index: FileBindings, receiver: Node, scope: Scope, depth: int = 0) -> str | None:
    """Whether `receiver` is a WebAssembly.Memory: "" when it is one whatever the module
    exports, the export's name when it is an export of the module read by name, None when it
    is not known to be a memory (a table, a buffer of another kind, unknown)."""
    receiver = unwrap(receiver)
    if depth > MAX_FOLLOW:
        return None
    if receiver.type == "new_expression":
        constructor = receiver.child_by_field_name("constructor")
        return "" if constructor is not None and text(constructor).replace(" ", "").endswith("WebAssembly.Memory") else None
    if receiver.type in ("member_expression", "subscript_expression"):
        _, key = member_parts(receiver)
        if key is None:
            return None
        if _MEMORY_NAME.search(key):
            return ""
        values = [node for node, _, _ in index.values(receiver, scope) if node.id != receiver.id]
        for node in values:
            if node.type in ("new_expression", "identifier"):
                found = _memory_of(index, node, scope, depth + 1)
                if found is not None:
                    return found
        return None if "table" in key.lower() else key
    if receiver.type == "call_expression":  # what the function returns, each with its own name
        callee = receiver.child_by_field_name("function")
        for function, _, owner in list(index.values(callee, scope)) if callee is not None else []:
            inner = owner.scopes.get(function.id) if function.type in FUNCTIONS else None
            if inner is None:
                continue
            for returned in inner.returns:
                found = _memory_of(owner, returned, inner, depth + 1)
                if found is not None:
                    return found
        return None
    if receiver.type == "identifier":
        for node, value_scope, owner in list(index.values(receiver, scope)):
            if node.id == receiver.id:
                continue
            found = _memory_of(owner, node, value_scope, depth + 1)
            if found is not None:
                return found
        return "" if _MEMORY_NAME.search(text(receiver)) else None
    return None


_ANONYMOUS = "(function)"


def _label(scope: Scope) -> str:
    return scope.called_as[0] if scope.called_as else _ANONYMOUS

