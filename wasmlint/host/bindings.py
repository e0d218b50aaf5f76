"""One host file's bindings, indexed in a single walk, and the values followed through them.

The index holds the names each function scope declares (parameters, `var`/`let`/`const`, function
declarations, imports), the assignments to them, the calls made by name, what each function
returns, and the import objects the file hands to `WebAssembly.instantiate`. `FileBindings.values`
follows an expression to what it may evaluate to (object literals, functions, the expressions that
end a chain), also through parameters, destructuring, properties written later and the files the host
imports. Following is bounded (depth and steps), so that a large bundle costs one walk.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tree-sitter is loaded by the parse; a cached result (GrowingImport) needs none of it
    from tree_sitter import Node, Query

    from wasmlint.host.parsing import HostFile

# Reads a file a host imports: (importing file, relative specifier) -> (its display path, bytes).
ImportReader = Callable[[str, str], "tuple[str, bytes] | None"]

FUNCTIONS = frozenset({"function_declaration", "generator_function_declaration", "function_expression",
                       "function", "generator_function", "arrow_function", "method_definition"})
_WRAPPERS = frozenset({"parenthesized_expression", "await_expression", "as_expression", "non_null_expression",
                       "satisfies_expression", "type_assertion"})
MAX_STEPS = 20_000  # bindings followed per file: a bundle's values stay cheap to follow
MAX_FOLLOW = 12  # nesting of one value's resolution (variable -> parameter -> argument -> ...)
MAX_FILES = 4  # files followed through imports, the host's own included


@dataclass(eq=False)
class Scope:
    """A function's scope (or the file's): the names it declares and what they are bound to."""

    node: Node
    parent: Scope | None
    names: dict[str, list] = field(default_factory=dict)  # name -> values (Node, Param or Foreign)
    params: list[str] = field(default_factory=list)
    returns: list[Node] = field(default_factory=list)
    calls: list[Node] = field(default_factory=list)  # call expressions made in its own body
    grow_calls: list[Node] = field(default_factory=list)  # `x.grow(...)` in its own body
    called_as: list[str] = field(default_factory=list)  # the names it is called by

    def declare(self, name: str, value) -> None:
        self.names.setdefault(name, []).append(value)

    def lookup(self, name: str) -> Scope:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope
            if scope.parent is None:
                return scope  # an implicit global
            scope = scope.parent
        return self  # not reached


@dataclass(frozen=True)
class Param:
    scope: Scope
    position: int


@dataclass(frozen=True)
class Foreign:
    specifier: str
    name: str  # "default" for a default import, "*" for a namespace import


class HostFiles:
    """The host file and the files it imports, indexed once each."""

    def __init__(self, read_import: ImportReader | None):
        self.read_import = read_import
        self.by_display: dict[str, FileBindings] = {}

    def add(self, host: HostFile) -> FileBindings:
        index = self.by_display.get(host.display)
        if index is None:
            index = self.by_display[host.display] = FileBindings(host, self)
        return index

    def load(self, importer: str, specifier: str) -> FileBindings | None:
        if self.read_import is None or len(self.by_display) >= MAX_FILES:
            return None
        found = self.read_import(importer, specifier)
        if found is None:
            return None
        display, source = found
        from wasmlint.host.parsing import parse_host

        return self.by_display.get(display) or self.add(parse_host(display, source))


class FileBindings:
    """The index of one file's bindings (made by one query at construction), and `values`, which
    follows an expression through it."""

    def __init__(self, host: HostFile, files: HostFiles):
        self.host, self.files = host, files
        self.scopes: dict[int, Scope] = {}  # function node id -> its scope
        self.assigned: dict[str, list[tuple[Scope, Node]]] = {}  # name -> (scope written in, value)
        self.members: dict[str, list[tuple[Scope, str, Node]]] = {}  # `name.key = value`
        self.calls_by_name: dict[str, list[tuple[Scope, Node]]] = {}  # callee name -> (scope, arguments)
        self.instantiations: list[tuple[Scope, Node]] = []  # (scope, the import object argument)
        self.exported: dict[str, list] = {}  # names the file exports -> values
        self.steps = 0  # bindings followed since the caller last reset it (bounded by MAX_STEPS)
        self.pending_names: dict[int, list[str]] = {}  # function node id -> names it is bound to
        self.nested_members: list[tuple[Scope, Node, str, Node]] = []  # `a.b.key = value`
        self._nested_by_object: dict[int, list[tuple[str, Node, Scope]]] | None = None
        self._holders_by_object: dict[int, list[tuple[str, Scope]]] | None = None
        self.root = Scope(host.tree.root_node, None)
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
        scopes: list[tuple[int, Scope]] = [(len(self.host.source) + 1, self.root)]  # (where it ends, scope)
        for node in nodes:
            while node.start_byte >= scopes[-1][0]:
                scopes.pop()
            entered = self._visit(node, scopes[-1][1])
            if entered is not None:
                scopes.append((node.end_byte, entered))

    def _visit(self, node: Node, scope: Scope) -> Scope | None:
        kind = node.type
        if kind in FUNCTIONS:
            inner = Scope(node, scope, called_as=self.pending_names.pop(node.id, []))
            self.scopes[node.id] = inner
            name = node.child_by_field_name("name")
            if name is not None and kind in ("function_declaration", "generator_function_declaration"):
                scope.declare(text(name), node)
                inner.called_as.append(text(name))
            elif name is not None and kind != "method_definition":
                inner.declare(text(name), node)  # a named function expression sees itself
                inner.called_as.append(text(name))
            params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
            if params is not None:
                own = [params] if params.type == "identifier" else params.named_children
                for position, param in enumerate(own):
                    for bound in _bound_names(param):
                        inner.declare(bound, Param(inner, position))
                    inner.params.append(_first_name(param))
            body = node.child_by_field_name("body")
            if kind == "arrow_function" and body is not None and body.type != "statement_block":
                inner.returns.append(body)
            return inner
        if kind == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and name.type == "identifier":
                scope.declare(text(name), value if value is not None else UNSET)
                if value is not None and unwrap(value).type in FUNCTIONS:
                    self._names_function(unwrap(value), text(name))
            elif name is not None and value is not None:
                for bound in _bound_names(name):  # `const { f } = obj`: a property of obj
                    scope.declare(bound, Member(value, bound))
        elif kind == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                if left.type == "identifier":
                    self.assigned.setdefault(text(left), []).append((scope, right))
                    if unwrap(right).type in FUNCTIONS:
                        self._names_function(unwrap(right), text(left))
                else:
                    base, key = member_parts(left)
                    if base is not None and key is not None and base.type == "identifier":
                        self.members.setdefault(text(base), []).append((scope, key, right))
                    elif base is not None and key is not None and base.type in ("member_expression", "subscript_expression"):
                        self.nested_members.append((scope, base, key, right))
        elif kind == "call_expression":
            callee = node.child_by_field_name("function")
            arguments = node.child_by_field_name("arguments")
            if callee is not None and arguments is not None:
                scope.calls.append(node)
                if callee.type == "identifier":
                    self.calls_by_name.setdefault(text(callee), []).append((scope, arguments))
                base, key = member_parts(callee)
                if key in ("instantiate", "instantiateStreaming") and base is not None and text(base) == "WebAssembly":
                    argument = _argument(arguments, 1)
                    if argument is not None:
                        self.instantiations.append((scope, argument))
                elif key == "grow" and base is not None:
                    scope.grow_calls.append(node)
        elif kind == "new_expression":
            constructor = node.child_by_field_name("constructor")
            arguments = node.child_by_field_name("arguments")
            if constructor is not None and arguments is not None and text(constructor).replace(" ", "") == "WebAssembly.Instance":
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

    def _import(self, node: Node, scope: Scope) -> None:
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
                    scope.declare(text(part), Foreign(specifier, "default"))
                elif part.type == "namespace_import":
                    name = next((c for c in part.named_children if c.type == "identifier"), None)
                    if name is not None:
                        scope.declare(text(name), Foreign(specifier, "*"))
                elif part.type == "named_imports":
                    for spec in part.named_children:
                        if spec.type != "import_specifier":
                            continue
                        name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                        if name is not None:
                            scope.declare(text(alias or name), Foreign(specifier, text(name)))

    def _export(self, node: Node) -> None:
        declaration = node.child_by_field_name("declaration")
        if declaration is not None:
            if declaration.type in ("function_declaration", "generator_function_declaration"):
                name = declaration.child_by_field_name("name")
                if name is not None:
                    self.exported.setdefault(text(name), []).append(declaration)
            for declarator in declaration.named_children:
                if declarator.type == "variable_declarator":
                    name = declarator.child_by_field_name("name")
                    if name is not None and name.type == "identifier":
                        self.exported.setdefault(text(name), []).append(name)
            return
        value = node.child_by_field_name("value")
        if value is not None:
            self.exported.setdefault("default", []).append(value)
        for clause in node.named_children:
            if clause.type == "export_clause":
                for spec in clause.named_children:
                    name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                    if name is not None:
                        self.exported.setdefault(text(alias or name), []).append(name)

    # -- following values ----------------------------------------------------------------------------

    def values(self, expr: Node, scope: Scope, depth: int = 0) -> Iterator[tuple[Node, Scope, FileBindings]]:
        """What `expr` may evaluate to, as far as the bindings say: object literals, functions,
        and the expressions that end a chain (a member read, a `new`), each with its scope."""
        self.steps += 1
        if depth > MAX_FOLLOW or self.steps > MAX_STEPS:
            return
        expr = unwrap(expr)
        kind = expr.type
        if kind in ("identifier", "shorthand_property_identifier"):  # `{ f }` names the variable f
            name = text(expr)
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
                inner = index.scopes.get(function.id) if function.type in FUNCTIONS else None
                if inner is not None:
                    for returned in inner.returns:
                        yield from index.values(returned, inner, depth + 1)
        elif kind in ("binary_expression", "ternary_expression"):
            operator = expr.child_by_field_name("operator")
            if kind == "binary_expression" and (operator is None or text(operator) not in ("||", "??", "&&")):
                yield expr, scope, self
                return
            for part in ("left", "right", "consequence", "alternative"):
                child = expr.child_by_field_name(part)
                if child is not None:
                    yield from self.values(child, scope, depth + 1)
        elif kind in ("member_expression", "subscript_expression"):
            base, key = member_parts(expr)
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

    def _bound(self, value, owner: Scope, depth: int) -> Iterator[tuple[Node, Scope, FileBindings]]:
        if value is UNSET:
            return
        if isinstance(value, Param):
            yield from self._arguments(value, depth)
        elif isinstance(value, Foreign):
            other = self.files.load(self.host.display, value.specifier)
            if other is not None and value.name != "*":
                for exported in other.exported.get(value.name, ()):
                    yield from other.values(exported, other.root, depth + 1)
        elif isinstance(value, Member):
            for obj, obj_scope, index in list(self.values(value.obj, owner, depth + 1)):
                for name, member, member_scope in index.properties_of(obj, obj_scope, depth + 1, _direct=True):
                    if name == value.key:
                        yield from index.values(member, member_scope, depth + 1)
        elif value.type in ("function_declaration", "generator_function_declaration"):
            yield value, owner, self
        else:
            yield from self.values(value, owner, depth + 1)

    def _arguments(self, param: Param, depth: int) -> Iterator[tuple[Node, Scope, FileBindings]]:
        """A parameter's values: the arguments of the calls (by name) of its function."""
        for name in dict.fromkeys(param.scope.called_as):
            for caller, arguments in self.calls_by_name.get(name, ()):
                argument = _argument(arguments, param.position)
                if argument is None:
                    continue
                callee_scope = caller.lookup(name)
                targets = [value for value in callee_scope.names.get(name, ()) if _is_node(value)]
                targets += [right for written, right in self.assigned.get(name, ()) if written.lookup(name) is callee_scope]
                if any(unwrap(target).id == param.scope.node.id for target in targets):
                    yield from self.values(argument, caller, depth + 1)

    def properties_of(self, expr: Node, scope: Scope, depth: int = 0,
                      _direct: bool = False) -> Iterator[tuple[str, Node, Scope]]:
        """The properties of the objects `expr` may be: (key, value expression, its scope),
        including spread objects and properties assigned later (`imports.env = {...}`)."""
        objects = [(expr, scope, self)] if _direct else list(self.values(expr, scope, depth))
        for obj, obj_scope, index in objects:
            if obj.type != "object":
                continue
            yield from index._own_properties(obj, obj_scope, depth)

    def _own_properties(self, obj: Node, scope: Scope, depth: int) -> Iterator[tuple[str, Node, Scope]]:
        for child in obj.named_children:
            if child.type == "pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                name = _key(key) if key is not None else None
                if name is not None and value is not None:
                    yield name, value, scope
            elif child.type == "shorthand_property_identifier":
                yield text(child), child, scope
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

    def _nested_members(self) -> dict[int, list[tuple[str, Node, Scope]]]:
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

    def _holders(self, obj: Node, scope: Scope) -> list[tuple[str, Scope]]:
        """The variables bound to this object literal (declared with it, or assigned it); all of
        them found once per file, when first asked."""
        if self._holders_by_object is None:
            found: dict[int, list[tuple[str, Scope]]] = {}
            for owner in [self.root, *self.scopes.values()]:
                for name, values in owner.names.items():
                    for value in values:
                        if _is_node(value) and unwrap(value).type == "object":
                            found.setdefault(unwrap(value).id, []).append((name, owner))
            for name, writes in self.assigned.items():
                for written, right in writes:
                    if unwrap(right).type == "object":
                        found.setdefault(unwrap(right).id, []).append((name, written.lookup(name)))
            self._holders_by_object = found
        return self._holders_by_object.get(obj.id, [])

    def functions_of(self, expr: Node, scope: Scope) -> list[tuple[Node, FileBindings]]:
        """The functions `expr` may be."""
        if expr.type == "method_definition":
            return [(expr, self)]
        self.steps = 0
        found = [(node, index) for node, _, index in self.values(expr, scope) if node.type in FUNCTIONS]
        return list({node.id: (node, index) for node, index in found}.values())


UNSET = object()  # `let x;`: declared, with no value yet


@dataclass(frozen=True)
class Member:
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
    functions = " ".join(f"({kind})" for kind in sorted(FUNCTIONS) if known.id_for_node_kind(kind, True) is not None)
    return Query(known, _INDEXED.format(functions=functions))


def text(node: Node) -> str:
    """The text `node` spans (here without importing tree-sitter: a cached result needs none of it)."""
    text = node.text
    return text.decode("utf-8", errors="replace") if text is not None else ""


def _is_node(value) -> bool:
    return not isinstance(value, (Param, Foreign, Member)) and value is not UNSET



def unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS:
        inner = node.child_by_field_name("expression") or next(
            (child for child in node.named_children if child.type != "comment"), None)
        if inner is None:
            break
        node = inner
    return node


def member_parts(node: Node) -> tuple[Node | None, str | None]:
    """(object, property name) of `a.b` or `a['b']`; the name is None when computed."""
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return node.child_by_field_name("object"), text(prop) if prop is not None else None
    if node.type == "subscript_expression":
        index = node.child_by_field_name("index")
        return node.child_by_field_name("object"), _string(index) if index is not None else None
    return None, None


def _string(node: Node) -> str | None:
    """The value of a string literal (or a template without substitutions)."""
    if node.type == "string":
        return "".join(text(part) for part in node.named_children if part.type in ("string_fragment", "escape_sequence"))
    if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.named_children):
        return text(node)[1:-1]
    return None


def _key(node: Node) -> str | None:
    if node.type in ("property_identifier", "identifier", "private_property_identifier"):
        return text(node)
    if node.type == "number":
        return text(node)
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
        return [text(pattern)]
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
