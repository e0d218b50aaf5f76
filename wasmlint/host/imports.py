"""The host's import object: which JavaScript function implements each import of the module, and
which of them grow the module's memory.

A host hands the module its imports in the object it passes to `WebAssembly.instantiate`,
`instantiateStreaming` or `new WebAssembly.Instance`: written inline, held in a variable, returned
by a function (Emscripten's `getWasmImports()` returning `{env: wasmImports, ...}`), or passed
down through the parameters of the functions that end in the call (Emscripten's
`instantiateAsync(binary, file, imports)`). An import whose function calls `memory.grow`
(Emscripten's `emscripten_resize_heap`, under any minified name), itself or through the
functions it calls, grows memory while the export that called it runs.

Values are followed through one index of the file's bindings, made in a single walk: the names
each function scope declares (parameters, `var`/`let`/`const`, function declarations, imports),
the assignments to them, the calls made by name, and what each function returns. Following is
bounded (depth and steps), so that a large bundle costs one walk.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tree-sitter is loaded by the parse; a cached result (GrowingImport) needs none of it
    from tree_sitter import Node, Query

    from wasmlint.host.parsing import HostFile

# Reads a file a host imports: (importing file, relative specifier) -> (its display path, bytes).
ImportReader = Callable[[str, str], "tuple[str, bytes] | None"]

# Without one of these a file instantiates no module itself: nothing to index.
_INSTANTIATES = re.compile(rb"WebAssembly\s*\.\s*(?:instantiate|Instance)|WebAssembly\s*\[\s*['\"](?:instantiate|Instance)")
_FUNCTIONS = frozenset({"function_declaration", "generator_function_declaration", "function_expression",
                        "function", "generator_function", "arrow_function", "method_definition"})
_WRAPPERS = frozenset({"parenthesized_expression", "await_expression", "as_expression", "non_null_expression",
                       "satisfies_expression", "type_assertion"})
# A receiver named so is a memory when nothing else says what it is (a parameter `memory`).
_MEMORY_NAME = re.compile(r"(?i)^(?:wasm)?mem(?:ory)?$|memory$")
MAX_STEPS = 20_000  # bindings followed per file: a bundle's values stay cheap to follow
MAX_FOLLOW = 12  # nesting of one value's resolution (variable -> parameter -> argument -> ...)
MAX_CALL_DEPTH = 8  # functions followed from an import to its `memory.grow`
MAX_FILES = 4  # files followed through imports, the host's own included


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
    _index: _Index | None = field(default=None, compare=False, repr=False)


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
    files = _Files(read_import)
    index = files.add(host)
    found: dict[tuple[str, str, int | None], ImportBinding] = {}
    for scope, argument in index.instantiations:
        for module_name, value, value_scope in index.properties_of(argument, scope):
            for name, member, member_scope in index.properties_of(value, value_scope):
                functions: list[tuple[Node | None, _Index]] = [*index.functions_of(member, member_scope)]
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
    for binding in bindings:
        if binding.function is None or (binding.module, binding.name) in out:
            continue
        index = binding._index
        scope = index.scopes.get(binding.function.id) if index is not None else None
        grow = index.grows(scope, 0) if index is not None and scope is not None else None
        if grow is not None:
            via, file, line, export = grow
            if via[0] == _ANONYMOUS:  # an arrow written in the import object: named by the import
                via = (f"{binding.module}.{binding.name}", *via[1:])
            out[(binding.module, binding.name)] = GrowingImport(binding.module, binding.name, via, file, line, export)
    return list(out.values())


# --- the index of one file ---------------------------------------------------------------------

@dataclass(eq=False)
class _Scope:
    """A function's scope (or the file's): the names it declares and what they are bound to."""

    node: Node
    parent: _Scope | None
    names: dict[str, list] = field(default_factory=dict)  # name -> values (Node, _Param or _Foreign)
    params: list[str] = field(default_factory=list)
    returns: list[Node] = field(default_factory=list)
    calls: list[Node] = field(default_factory=list)  # call expressions made in its own body
    grow_calls: list[Node] = field(default_factory=list)  # `x.grow(...)` in its own body
    called_as: list[str] = field(default_factory=list)  # the names it is called by

    def declare(self, name: str, value) -> None:
        self.names.setdefault(name, []).append(value)

    def lookup(self, name: str) -> _Scope:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope
            if scope.parent is None:
                return scope  # an implicit global
            scope = scope.parent
        return self  # not reached


@dataclass(frozen=True)
class _Param:
    scope: _Scope
    position: int


@dataclass(frozen=True)
class _Foreign:
    specifier: str
    name: str  # "default" for a default import, "*" for a namespace import


class _Files:
    """The host file and the files it imports, indexed once each."""

    def __init__(self, read_import: ImportReader | None):
        self.read_import = read_import
        self.by_display: dict[str, _Index] = {}

    def add(self, host: HostFile) -> _Index:
        index = self.by_display.get(host.display)
        if index is None:
            index = self.by_display[host.display] = _Index(host, self)
        return index

    def load(self, importer: str, specifier: str) -> _Index | None:
        if self.read_import is None or len(self.by_display) >= MAX_FILES:
            return None
        found = self.read_import(importer, specifier)
        if found is None:
            return None
        display, source = found
        from wasmlint.host.parsing import parse_host

        return self.by_display.get(display) or self.add(parse_host(display, source))


class _Index:
    def __init__(self, host: HostFile, files: _Files):
        self.host, self.files = host, files
        self.scopes: dict[int, _Scope] = {}  # function node id -> its scope
        self.assigned: dict[str, list[tuple[_Scope, Node]]] = {}  # name -> (scope written in, value)
        self.members: dict[str, list[tuple[_Scope, str, Node]]] = {}  # `name.key = value`
        self.calls_by_name: dict[str, list[tuple[_Scope, Node]]] = {}  # callee name -> (scope, arguments)
        self.instantiations: list[tuple[_Scope, Node]] = []  # (scope, the import object argument)
        self.exported: dict[str, list] = {}  # names the file exports -> values
        self.steps = 0
        self.growth: dict[int, tuple | None] = {}
        self.pending_names: dict[int, list[str]] = {}  # function node id -> names it is bound to
        self.nested_members: list[tuple[_Scope, Node, str, Node]] = []  # `a.b.key = value`
        self._nested_by_object: dict[int, list[tuple[str, Node, _Scope]]] | None = None
        self._holders_by_object: dict[int, list[tuple[str, _Scope]]] | None = None
        self.root = _Scope(host.tree.root_node, None)
        self._walk()

    # -- building ----------------------------------------------------------------------------------

    def _walk(self) -> None:
        """The nodes that bind, call, return or instantiate, found by one query (in C: walking
        every node of a bundle in Python would cost more than parsing it), visited in document
        order; the scope of each is the innermost function it lies in."""
        from wasmlint.treedepth import bounded_cursor

        captured = bounded_cursor(_index_query(self.host.display)).captures(self.host.tree.root_node)
        # Outer before inner where two start together (`export function`, a call of a call).
        nodes = sorted(captured.get("node", []), key=lambda node: (node.start_byte, -node.end_byte))
        scopes: list[tuple[int, _Scope]] = [(len(self.host.source) + 1, self.root)]  # (where it ends, scope)
        for node in nodes:
            while node.start_byte >= scopes[-1][0]:
                scopes.pop()
            entered = self._visit(node, scopes[-1][1])
            if entered is not None:
                scopes.append((node.end_byte, entered))

    def _visit(self, node: Node, scope: _Scope) -> _Scope | None:
        kind = node.type
        if kind in _FUNCTIONS:
            inner = _Scope(node, scope, called_as=self.pending_names.pop(node.id, []))
            self.scopes[node.id] = inner
            name = node.child_by_field_name("name")
            if name is not None and kind in ("function_declaration", "generator_function_declaration"):
                scope.declare(_text(name), node)
                inner.called_as.append(_text(name))
            elif name is not None and kind != "method_definition":
                inner.declare(_text(name), node)  # a named function expression sees itself
                inner.called_as.append(_text(name))
            params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
            if params is not None:
                own = [params] if params.type == "identifier" else params.named_children
                for position, param in enumerate(own):
                    for bound in _bound_names(param):
                        inner.declare(bound, _Param(inner, position))
                    inner.params.append(_first_name(param))
            body = node.child_by_field_name("body")
            if kind == "arrow_function" and body is not None and body.type != "statement_block":
                inner.returns.append(body)
            return inner
        if kind == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and name.type == "identifier":
                scope.declare(_text(name), value if value is not None else _UNSET)
                if value is not None and _unwrap(value).type in _FUNCTIONS:
                    self._names_function(_unwrap(value), _text(name))
            elif name is not None and value is not None:
                for bound in _bound_names(name):  # `const { f } = obj`: a property of obj
                    scope.declare(bound, _Member(value, bound))
        elif kind == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                if left.type == "identifier":
                    self.assigned.setdefault(_text(left), []).append((scope, right))
                    if _unwrap(right).type in _FUNCTIONS:
                        self._names_function(_unwrap(right), _text(left))
                else:
                    base, key = _member_parts(left)
                    if base is not None and key is not None and base.type == "identifier":
                        self.members.setdefault(_text(base), []).append((scope, key, right))
                    elif base is not None and key is not None and base.type in ("member_expression", "subscript_expression"):
                        self.nested_members.append((scope, base, key, right))
        elif kind == "call_expression":
            callee = node.child_by_field_name("function")
            arguments = node.child_by_field_name("arguments")
            if callee is not None and arguments is not None:
                scope.calls.append(node)
                if callee.type == "identifier":
                    self.calls_by_name.setdefault(_text(callee), []).append((scope, arguments))
                base, key = _member_parts(callee)
                if key in ("instantiate", "instantiateStreaming") and base is not None and _text(base) == "WebAssembly":
                    argument = _argument(arguments, 1)
                    if argument is not None:
                        self.instantiations.append((scope, argument))
                elif key == "grow" and base is not None:
                    scope.grow_calls.append(node)
        elif kind == "new_expression":
            constructor = node.child_by_field_name("constructor")
            arguments = node.child_by_field_name("arguments")
            if constructor is not None and arguments is not None and _text(constructor).replace(" ", "") == "WebAssembly.Instance":
                argument = _argument(arguments, 1)
                if argument is not None:
                    self.instantiations.append((scope, argument))
        elif kind == "return_statement":
            value = next((child for child in node.named_children if child.type != "comment"), None)
            if value is not None:
                scope.returns.append(value)
        elif kind == "import_statement":
            self._import(node, scope)
        elif kind == "export_statement":
            self._export(node)
        return None

    def _names_function(self, function: Node, name: str) -> None:
        # The declarator is met before its value: the function's scope is made next.
        self.pending_names.setdefault(function.id, []).append(name)

    def _import(self, node: Node, scope: _Scope) -> None:
        source = node.child_by_field_name("source")
        if source is None:
            return
        specifier = _string(source)
        if specifier is None:
            return
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    scope.declare(_text(part), _Foreign(specifier, "default"))
                elif part.type == "namespace_import":
                    name = next((c for c in part.named_children if c.type == "identifier"), None)
                    if name is not None:
                        scope.declare(_text(name), _Foreign(specifier, "*"))
                elif part.type == "named_imports":
                    for spec in part.named_children:
                        if spec.type != "import_specifier":
                            continue
                        name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                        if name is not None:
                            scope.declare(_text(alias or name), _Foreign(specifier, _text(name)))

    def _export(self, node: Node) -> None:
        declaration = node.child_by_field_name("declaration")
        if declaration is not None:
            if declaration.type in ("function_declaration", "generator_function_declaration"):
                name = declaration.child_by_field_name("name")
                if name is not None:
                    self.exported.setdefault(_text(name), []).append(declaration)
            for declarator in declaration.named_children:
                if declarator.type == "variable_declarator":
                    name = declarator.child_by_field_name("name")
                    if name is not None and name.type == "identifier":
                        self.exported.setdefault(_text(name), []).append(name)
            return
        value = node.child_by_field_name("value")
        if value is not None:
            self.exported.setdefault("default", []).append(value)
        for clause in node.named_children:
            if clause.type == "export_clause":
                for spec in clause.named_children:
                    name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                    if name is not None:
                        self.exported.setdefault(_text(alias or name), []).append(name)

    # -- following values ----------------------------------------------------------------------------

    def values(self, expr: Node, scope: _Scope, depth: int = 0) -> Iterator[tuple[Node, _Scope, _Index]]:
        """What `expr` may evaluate to, as far as the bindings say: object literals, functions,
        and the expressions that end a chain (a member read, a `new`), each with its scope."""
        self.steps += 1
        if depth > MAX_FOLLOW or self.steps > MAX_STEPS:
            return
        expr = _unwrap(expr)
        kind = expr.type
        if kind in ("identifier", "shorthand_property_identifier"):  # `{ f }` names the variable f
            name = _text(expr)
            if name == "undefined":
                return
            owner = scope.lookup(name)
            bound = False
            for value in owner.names.get(name, ()):
                for item in self._bound(value, owner, depth):
                    bound = True
                    yield item
            for written, right in self.assigned.get(name, ()):
                if written.lookup(name) is owner:
                    for item in self.values(right, written, depth + 1):
                        bound = True
                        yield item
            if not bound:  # a name nothing here gives a value: the end of the chain
                yield expr, scope, self
        elif kind == "call_expression":
            callee = expr.child_by_field_name("function")
            if callee is None:
                return
            for function, _, index in list(self.values(callee, scope, depth + 1)):
                inner = index.scopes.get(function.id) if function.type in _FUNCTIONS else None
                if inner is not None:
                    for returned in inner.returns:
                        yield from index.values(returned, inner, depth + 1)
        elif kind in ("binary_expression", "ternary_expression"):
            operator = expr.child_by_field_name("operator")
            if kind == "binary_expression" and (operator is None or _text(operator) not in ("||", "??", "&&")):
                yield expr, scope, self
                return
            for part in ("left", "right", "consequence", "alternative"):
                child = expr.child_by_field_name(part)
                if child is not None:
                    yield from self.values(child, scope, depth + 1)
        elif kind in ("member_expression", "subscript_expression"):
            base, key = _member_parts(expr)
            found = False
            if base is not None and key is not None:
                for obj, obj_scope, index in list(self.values(base, scope, depth + 1)):
                    for name, value, value_scope in index.properties_of(obj, obj_scope, depth + 1, _direct=True):
                        if name == key:
                            found = True
                            yield from index.values(value, value_scope, depth + 1)
            if not found:
                yield expr, scope, self
        else:
            yield expr, scope, self

    def _bound(self, value, owner: _Scope, depth: int) -> Iterator[tuple[Node, _Scope, _Index]]:
        if value is _UNSET:
            return
        if isinstance(value, _Param):
            yield from self._arguments(value, depth)
        elif isinstance(value, _Foreign):
            other = self.files.load(self.host.display, value.specifier)
            if other is not None and value.name != "*":
                for exported in other.exported.get(value.name, ()):
                    yield from other.values(exported, other.root, depth + 1)
        elif isinstance(value, _Member):
            for obj, obj_scope, index in list(self.values(value.obj, owner, depth + 1)):
                for name, member, member_scope in index.properties_of(obj, obj_scope, depth + 1, _direct=True):
                    if name == value.key:
                        yield from index.values(member, member_scope, depth + 1)
        elif value.type in ("function_declaration", "generator_function_declaration"):
            yield value, owner, self
        else:
            yield from self.values(value, owner, depth + 1)

    def _arguments(self, param: _Param, depth: int) -> Iterator[tuple[Node, _Scope, _Index]]:
        """A parameter's values: the arguments of the calls (by name) of its function."""
        for name in dict.fromkeys(param.scope.called_as):
            for caller, arguments in self.calls_by_name.get(name, ()):
                argument = _argument(arguments, param.position)
                if argument is None:
                    continue
                callee_scope = caller.lookup(name)
                targets = [value for value in callee_scope.names.get(name, ()) if _is_node(value)]
                targets += [right for written, right in self.assigned.get(name, ()) if written.lookup(name) is callee_scope]
                if any(_unwrap(target).id == param.scope.node.id for target in targets):
                    yield from self.values(argument, caller, depth + 1)

    def properties_of(self, expr: Node, scope: _Scope, depth: int = 0,
                      _direct: bool = False) -> Iterator[tuple[str, Node, _Scope]]:
        """The properties of the objects `expr` may be: (key, value expression, its scope),
        including spread objects and properties assigned later (`imports.env = {...}`)."""
        objects = [(expr, scope, self)] if _direct else list(self.values(expr, scope, depth))
        for obj, obj_scope, index in objects:
            if obj.type != "object":
                continue
            yield from index._own_properties(obj, obj_scope, depth)

    def _own_properties(self, obj: Node, scope: _Scope, depth: int) -> Iterator[tuple[str, Node, _Scope]]:
        for child in obj.named_children:
            if child.type == "pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                name = _key(key) if key is not None else None
                if name is not None and value is not None:
                    yield name, value, scope
            elif child.type == "shorthand_property_identifier":
                yield _text(child), child, scope
            elif child.type == "method_definition":
                key = child.child_by_field_name("name")
                name = _key(key) if key is not None else None
                if name is not None:
                    yield name, child, scope
            elif child.type == "spread_element" and depth < MAX_FOLLOW:
                inner = next((c for c in child.named_children if c.type != "comment"), None)
                if inner is not None:
                    yield from self.properties_of(inner, scope, depth + 1)
        # Properties written after the literal, on the variable it was bound to (`imports.env = {}`)
        # or on a property of another object (`imports.env.f = f`).
        for holder, written in self._holders(obj, scope):
            for where, written_key, value in self.members.get(holder, ()):
                if where.lookup(holder) is written:
                    yield written_key, value, where
        yield from self._nested_members().get(obj.id, ())

    def _nested_members(self) -> dict[int, list[tuple[str, Node, _Scope]]]:
        """Object literal id -> the properties written on it through a chain (`a.b.key = value`),
        found once per file: each chain's objects are followed when first asked."""
        if self._nested_by_object is None:
            self._nested_by_object = {}
            for scope, base, key, value in self.nested_members:
                self.steps = 0
                for obj, _, index in list(self.values(base, scope)):
                    if obj.type == "object" and index is self:
                        self._nested_by_object.setdefault(obj.id, []).append((key, value, scope))
        return self._nested_by_object

    def _holders(self, obj: Node, scope: _Scope) -> list[tuple[str, _Scope]]:
        """The variables bound to this object literal (declared with it, or assigned it); all of
        them found once per file, when first asked."""
        if self._holders_by_object is None:
            found: dict[int, list[tuple[str, _Scope]]] = {}
            for owner in [self.root, *self.scopes.values()]:
                for name, values in owner.names.items():
                    for value in values:
                        if _is_node(value) and _unwrap(value).type == "object":
                            found.setdefault(_unwrap(value).id, []).append((name, owner))
            for name, writes in self.assigned.items():
                for written, right in writes:
                    if _unwrap(right).type == "object":
                        found.setdefault(_unwrap(right).id, []).append((name, written.lookup(name)))
            self._holders_by_object = found
        return self._holders_by_object.get(obj.id, [])

    def functions_of(self, expr: Node, scope: _Scope) -> list[tuple[Node, _Index]]:
        """The functions `expr` may be."""
        if expr.type == "method_definition":
            return [(expr, self)]
        self.steps = 0
        found = [(node, index) for node, _, index in self.values(expr, scope) if node.type in _FUNCTIONS]
        return list({node.id: (node, index) for node, index in found}.values())

    # -- growth ------------------------------------------------------------------------------------

    def grows(self, scope: _Scope, depth: int) -> tuple[tuple[str, ...], str, int, str | None] | None:
        """(functions to the grow call and the call, file, line, the memory export it grows) when
        the function of `scope` grows memory, itself or through the functions it calls by name."""
        key = scope.node.id
        if key in self.growth:
            return self.growth[key]
        self.growth[key] = None  # a cycle is not growth
        found = self._grows(scope, depth)
        self.growth[key] = found
        return found

    def _grows(self, scope: _Scope, depth: int) -> tuple[tuple[str, ...], str, int, str | None] | None:
        here = _label(scope)
        for call in scope.grow_calls:
            callee = call.child_by_field_name("function")
            base, _ = _member_parts(callee) if callee is not None else (None, None)
            if base is None:
                continue
            self.steps = 0
            memory = self.memory_of(base, scope)
            if memory is not None:
                shown = _text(callee) if callee is not None else "grow"
                return (here, f"{shown}()"), self.host.display, call.start_point[0] + 1, memory or None
        if depth >= MAX_CALL_DEPTH:
            return None
        for call in scope.calls:
            callee = call.child_by_field_name("function")
            if callee is None or callee.type != "identifier":
                continue
            self.steps = 0
            for function, _, index in list(self.values(callee, scope)):
                inner = index.scopes.get(function.id) if function.type in _FUNCTIONS else None
                if inner is None:
                    continue
                found = index.grows(inner, depth + 1)
                if found is not None:
                    via, file, line, memory = found
                    return (here, *via), file, line, memory
        return None

    def memory_of(self, receiver: Node, scope: _Scope, depth: int = 0) -> str | None:
        """Whether `receiver` is a WebAssembly.Memory: "" when it is one whatever the module
        exports, the export's name when it is an export of the module read by name, None when it
        is not known to be a memory (a table, a buffer of another kind, unknown)."""
        receiver = _unwrap(receiver)
        if depth > MAX_FOLLOW:
            return None
        if receiver.type == "new_expression":
            constructor = receiver.child_by_field_name("constructor")
            return "" if constructor is not None and _text(constructor).replace(" ", "").endswith("WebAssembly.Memory") else None
        if receiver.type in ("member_expression", "subscript_expression"):
            _, key = _member_parts(receiver)
            if key is None:
                return None
            if _MEMORY_NAME.search(key):
                return ""
            values = [node for node, _, _ in self.values(receiver, scope) if node.id != receiver.id]
            for node in values:
                if node.type in ("new_expression", "identifier"):
                    found = self.memory_of(node, scope, depth + 1)
                    if found is not None:
                        return found
            return None if "table" in key.lower() else key
        if receiver.type == "call_expression":  # what the function returns, each with its own name
            callee = receiver.child_by_field_name("function")
            for function, _, index in list(self.values(callee, scope)) if callee is not None else []:
                inner = index.scopes.get(function.id) if function.type in _FUNCTIONS else None
                if inner is None:
                    continue
                for returned in inner.returns:
                    found = index.memory_of(returned, inner, depth + 1)
                    if found is not None:
                        return found
            return None
        if receiver.type == "identifier":
            for node, value_scope, index in list(self.values(receiver, scope)):
                if node.id == receiver.id:
                    continue
                found = index.memory_of(node, value_scope, depth + 1)
                if found is not None:
                    return found
            return "" if _MEMORY_NAME.search(_text(receiver)) else None
        return None


_UNSET = object()  # `let x;`: declared, with no value yet


@dataclass(frozen=True)
class _Member:
    """A name bound by destructuring: `const { key } = obj`."""

    obj: Node
    key: str


_INDEXED = """
[{functions}] @node
(variable_declarator) @node
(assignment_expression) @node
(return_statement) @node
(import_statement) @node
(export_statement) @node
(call_expression function: (identifier)) @node
(call_expression function: (member_expression property: (property_identifier) @_name
  (#any-of? @_name "grow" "instantiate" "instantiateStreaming"))) @node
(call_expression function: (subscript_expression)) @node
(new_expression) @node
"""


@functools.cache
def _index_query(display: str) -> Query:
    """The index's query for the grammar of `display` (each grammar names some nodes its own way)."""
    from tree_sitter import Query

    from wasmlint.host.parsing import grammar_for, language

    known = language(grammar_for(display))
    functions = " ".join(f"({kind})" for kind in sorted(_FUNCTIONS) if known.id_for_node_kind(kind, True) is not None)
    return Query(known, _INDEXED.format(functions=functions))


def _text(node: Node) -> str:
    """The text `node` spans (here without importing tree-sitter: a cached result needs none of it)."""
    text = node.text
    return text.decode("utf-8", errors="replace") if text is not None else ""


def _is_node(value) -> bool:
    return not isinstance(value, (_Param, _Foreign, _Member)) and value is not _UNSET


def _chain(scope: _Scope) -> Iterator[_Scope]:
    current: _Scope | None = scope
    while current is not None:
        yield current
        current = current.parent


_ANONYMOUS = "(function)"


def _label(scope: _Scope) -> str:
    return scope.called_as[0] if scope.called_as else _ANONYMOUS


def _unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS:
        inner = node.child_by_field_name("expression") or next(
            (child for child in node.named_children if child.type != "comment"), None)
        if inner is None:
            break
        node = inner
    return node


def _member_parts(node: Node) -> tuple[Node | None, str | None]:
    """(object, property name) of `a.b` or `a['b']`; the name is None when computed."""
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return node.child_by_field_name("object"), _text(prop) if prop is not None else None
    if node.type == "subscript_expression":
        index = node.child_by_field_name("index")
        return node.child_by_field_name("object"), _string(index) if index is not None else None
    return None, None


def _string(node: Node) -> str | None:
    """The value of a string literal (or a template without substitutions)."""
    if node.type == "string":
        return "".join(_text(part) for part in node.named_children if part.type in ("string_fragment", "escape_sequence"))
    if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.named_children):
        return _text(node)[1:-1]
    return None


def _key(node: Node) -> str | None:
    if node.type in ("property_identifier", "identifier", "private_property_identifier"):
        return _text(node)
    if node.type == "number":
        return _text(node)
    if node.type == "computed_property_name":
        inner = next((c for c in node.named_children if c.type != "comment"), None)
        return _string(inner) if inner is not None else None
    return _string(node)


def _argument(arguments: Node, position: int) -> Node | None:
    found = [child for child in arguments.named_children if child.type != "comment"]
    if position < len(found) and found[position].type != "spread_element":
        return found[position]
    return None


def _bound_names(pattern: Node, depth: int = 0) -> list[str]:
    """The names a parameter or destructuring pattern binds (patterns nested past MAX_FOLLOW
    levels bind nothing here: generated code may nest them thousands deep)."""
    if depth > MAX_FOLLOW:
        return []
    if pattern.type in ("identifier", "shorthand_property_identifier_pattern"):
        return [_text(pattern)]
    if pattern.type in ("required_parameter", "optional_parameter"):
        inner = pattern.child_by_field_name("pattern")
        return _bound_names(inner, depth + 1) if inner is not None else []
    if pattern.type == "assignment_pattern":
        left = pattern.child_by_field_name("left")
        return _bound_names(left, depth + 1) if left is not None else []
    names: list[str] = []
    if pattern.type in ("object_pattern", "array_pattern", "rest_pattern", "pair_pattern"):
        key = pattern.child_by_field_name("key") if pattern.type == "pair_pattern" else None
        for child in pattern.named_children:
            if key is None or child.id != key.id:
                names += _bound_names(child, depth + 1)
    return names


def _first_name(pattern: Node) -> str:
    names = _bound_names(pattern)
    return names[0] if names else ""
