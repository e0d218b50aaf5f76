"""Resolve calls to the crate's own functions: `use` aliases, module paths, `Self::`/`Type::`, methods.

Resolution is best effort without type checking: paths are followed exactly where the crate says
where they lead, and method calls use a small local type inference (parameters, `let` annotations
and constructors, struct fields) before falling back to every crate method with that name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections import defaultdict
from dataclasses import dataclass, field

from tree_sitter import Node

from wasmlint.source.exports import Export, type_name
from wasmlint.source.parsing import Snippet
from wasmlint.syntax import field_text, node_bytes, node_text
from wasmlint.treedepth import bounded_cursor

EXTERNAL_ROOTS = {"std", "core", "alloc"}
MAX_ALIAS_DEPTH = 8


@dataclass(eq=False)
class FnDef:
    """A crate function: where it is, what it exports, and what it calls."""

    index: int
    name: str
    module: tuple[str, ...]
    impl_type: str | None
    file_index: int
    node: Node  # the function_item, in its snippet's tree
    snippet: Snippet  # the tree it was found in
    exports: list[Export] = field(default_factory=list)
    macro_snippets: list[tuple[Node, Snippet]] = field(default_factory=list)  # (root, snippet) of re-parsed macro arguments
    nested: list[tuple[int, int]] = field(default_factory=list)  # byte ranges of fns defined inside this one
    matches: list = field(default_factory=list)  # scan.RuleHit
    _variables: dict[str, list[tuple[int, str | None]]] | None = None
    uses: dict[str, list[str]] = field(default_factory=dict)
    globs: list[list[str]] = field(default_factory=list)
    template: str | None = None  # the macro_rules! name, for functions a macro generates
    exports_template: list[Export] = field(default_factory=list)  # exports before substitution
    trait_default: bool = False  # a default method written in a `trait` block (impl_type is the trait)
    substitutions: dict[str, set[str]] = field(default_factory=dict)  # macro template: `_x` -> invocation args

    @property
    def variables(self) -> dict[str, list[tuple[int, str | None]]]:
        """Parameters and `let` bindings with the type their syntax shows; computed on first use."""
        if self._variables is None:
            self._variables = declared_variables(self.node, self.snippet.shift.byte, self.nested)
        return self._variables

    def calls(self) -> tuple[list[tuple], list[bytes]]:
        """Calls made by this function, computed when the call graph first needs them.

        Returns ([(kind "path" | "method", name bytes, receiver node, file byte)], [fn paths passed as values]).
        """
        calls: list[tuple] = []
        refs: list[bytes] = []
        roots = [(self.node, self.snippet)] + self.macro_snippets
        for root, snippet in roots:
            shift = snippet.shift.byte
            nested = self.nested if root is self.node else []
            # The stretches between the fns defined inside this one, each searched alone: the
            # nested fns' code is theirs, and searching it here would make nested fns quadratic.
            for start, end in _between(root.start_byte, root.end_byte, nested):
                cursor = bounded_cursor(calls_query())
                if nested:
                    cursor.set_byte_range(start, end)
                for pattern, captures in cursor.matches(root):
                    node = next(iter(captures.values()))[0]
                    if nested and not start <= node.start_byte < end:
                        continue  # in a nested fn, or in another stretch (found there)
                    if pattern == 0:
                        refs.append(node_bytes(node))
                    elif "method" in captures:
                        method = captures["method"][0]
                        calls.append(("method", method.text, captures["receiver"][0], method.start_byte + shift))
                    else:
                        path = captures["path"][0]
                        calls.append(("path", path.text, None, path.start_byte + shift))
        return calls, refs

    @property
    def label(self) -> str:
        return f"{self.impl_type}::{self.name}" if self.impl_type else self.name


def _between(start: int, end: int, inside: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The byte ranges of [start, end) outside the sorted, disjoint ranges `inside`."""
    stretches = []
    for inner_start, inner_end in inside:
        if inner_start > start:
            stretches.append((start, inner_start))
        start = max(start, inner_end)
    if start < end or not stretches:
        stretches.append((start, end))
    return stretches


def use_bindings(use_node: Node) -> tuple[list[tuple[str, list[str]]], list[list[str]]]:
    """`use a::b::{c, d as e, f::*}` -> ([("c", [a,b,c]), ("e", [a,b,d])], [[a,b,f]]);
    `extern crate alloc as heap;` -> ([("heap", ["alloc"])], []).

    A list, in source order, not a dict: `use std::alloc::{self, alloc};` binds `alloc` twice,
    to the module and to the function (Rust keeps them apart by namespace)."""
    aliases: list[tuple[str, list[str]]] = []
    globs: list[list[str]] = []
    if use_node.type == "extern_crate_declaration":
        # Without `as`, the crate's own name is already a path root (EXTERNAL_ROOTS for std's).
        name, alias = use_node.child_by_field_name("name"), use_node.child_by_field_name("alias")
        if name is not None and alias is not None:
            aliases.append((node_text(alias), [node_text(name)]))
        return aliases, globs

    def segments(node: Node | None) -> list[str]:
        # `a::b::c` nests to the left: (scoped_identifier path: (scoped_identifier a b) name: c).
        found: list[str] = []
        while node is not None and node.type == "scoped_identifier":
            name = node.child_by_field_name("name")
            if name is not None:
                found.append(node_text(name))
            node = node.child_by_field_name("path")
        if node is not None:
            found.append(node_text(node))
        found.reverse()
        return found

    # A stack instead of recursion: `use a::{b::{c::{...}}}` may nest deeper than Python's stack.
    def walk(root: Node, root_prefix: list[str]) -> None:
        stack = [(root, root_prefix)]
        while stack:
            node, prefix = stack.pop()
            kind = node.type
            if kind in ("identifier", "scoped_identifier", "crate", "self", "super"):
                path = prefix + segments(node)
                name = path[-1]
                if name == "self" and len(path) > 1:
                    path, name = path[:-1], path[-2]
                aliases.append((name, path))
            elif kind == "use_as_clause":
                path = prefix + segments(node.child_by_field_name("path"))
                aliases.append((field_text(node, "alias"), path))
            elif kind == "scoped_use_list":
                inner = prefix + segments(node.child_by_field_name("path"))
                use_list = node.child_by_field_name("list")
                if use_list is not None:
                    stack.append((use_list, inner))
            elif kind == "use_list":
                stack.extend((child, prefix) for child in reversed(node.named_children))
            elif kind == "use_wildcard":
                head = next((c for c in node.named_children), None)
                globs.append(prefix + (segments(head) if head is not None else []))

    argument = use_node.child_by_field_name("argument")
    if argument is not None:
        walk(argument, [])
    return aliases, globs


def expand_alias(segments: list[str], uses: dict[str, list[str]]) -> list[str]:
    """A path with its first segment replaced by what a `use` of the file says it names, followed
    a few times (`use std::alloc as a;` then `a::alloc` -> [std, alloc, alloc])."""
    for _ in range(MAX_ALIAS_DEPTH):
        alias = uses.get(segments[0]) if segments else None
        if not alias or alias == segments[:1]:
            break
        segments = alias + segments[1:]
    return segments


_VARIABLES_QUERY = """
(let_declaration pattern: (identifier) @name) @let
(parameter pattern: (identifier) @name type: (_) @type)
"""


def declared_variables(fn_node: Node, shift: int, nested: Sequence[tuple[int, int]] = ()) -> dict[str, list[tuple[int, str | None]]]:
    """The fn's parameters and `let`s (not those of the fns defined inside it, at `nested`)."""
    query = _variables_query()
    found: dict[str, list[tuple[int, str | None]]] = {}
    for start, end in _between(fn_node.start_byte, fn_node.end_byte, nested):
        cursor = bounded_cursor(query)
        if nested:
            cursor.set_byte_range(start, end)
        for _, captures in cursor.matches(fn_node):
            name = captures["name"][0]
            if not nested or start <= name.start_byte < end:
                _declare(found, captures, name, shift)
    for entries in found.values():
        entries.sort(key=lambda entry: entry[0])
    return found


def _declare(found: dict[str, list[tuple[int, str | None]]], captures: dict, name: Node, shift: int) -> None:
    if "let" in captures:
        let = captures["let"][0]
        declared = type_name(let.child_by_field_name("type")) or value_type(let.child_by_field_name("value"))
        at = let.start_byte
    else:
        declared, at = type_name(captures["type"][0]), name.start_byte
    found.setdefault(node_text(name), []).append((at + shift, declared))


_compiled_variables_query = None


def _variables_query():
    global _compiled_variables_query
    if _compiled_variables_query is None:
        from wasmlint.source.parsing import compile_query

        _compiled_variables_query = compile_query(_VARIABLES_QUERY)
    return _compiled_variables_query


_CALLS_QUERY = """
(arguments [(identifier) (scoped_identifier)] @ref)
(call_expression function: [(identifier) (scoped_identifier)] @path)
(call_expression function: (generic_function function: [(identifier) (scoped_identifier)] @path))
(call_expression function: (field_expression value: (_) @receiver field: (field_identifier) @method))
(call_expression function: (generic_function function:
  (field_expression value: (_) @receiver field: (field_identifier) @method)))
"""
_compiled_calls_query = None


def calls_query():
    global _compiled_calls_query
    if _compiled_calls_query is None:
        from wasmlint.source.parsing import compile_query

        _compiled_calls_query = compile_query(_CALLS_QUERY)
    return _compiled_calls_query


_QUALIFIED = re.compile(r"^<\s*([\w:]+)(?:<[^>]*>)?\s+as\s+[^>]+>")


def path_segments(text: bytes) -> list[str]:
    """`crate::a::Vec::<u8>::new` -> ["crate", "a", "Vec", "new"] (turbofish arguments dropped);
    `<Buf as Make>::make` -> ["Buf", "make"]."""
    decoded = _QUALIFIED.sub(r"\1", text.decode("utf-8", errors="replace"))
    parts = decoded.replace(" ", "").replace("\n", "").split("::")
    return [part for part in parts if part and not part.startswith("<")]


def _type_like(name: str) -> str | None:
    """CamelCase names are types (or enum variants); an ALL_CAPS name of two or more letters is a constant."""
    return name if name[:1].isupper() and (len(name) == 1 or not name.isupper()) else None


def value_type(value: Node | None) -> str | None:
    """The type a `let` initialiser produces, when it is plain from the syntax."""
    # `&(x?)` is the type of `x`: unwrap in a loop (generated code nests deeper than Python's stack).
    while value is not None and value.type in ("reference_expression", "parenthesized_expression", "try_expression"):
        value = value.named_children[-1] if value.named_child_count else None
    if value is None:
        return None
    kind = value.type
    if kind == "call_expression":
        function = value.child_by_field_name("function")
        if function is not None and function.type == "scoped_identifier":
            return type_name(function.child_by_field_name("path"))
        if function is not None and function.type == "identifier":
            return _type_like(node_text(function))  # a tuple struct: `Code(7)`
        if function is not None and function.type == "field_expression":
            method = field_text(function, "field")
            if method in ("to_string", "to_owned") or method.startswith("to_uppercase"):
                return "String"
            if method == "to_vec":
                return "Vec"
        if function is not None and function.type == "generic_function":
            arguments = function.child_by_field_name("type_arguments")
            if arguments is not None and arguments.named_child_count:
                return type_name(arguments.named_children[0])
        return None
    if kind == "struct_expression":
        return type_name(value.child_by_field_name("name"))
    if kind == "identifier":
        return _type_like(node_text(value))  # a unit struct: `let a = A;`
    if kind == "macro_invocation":
        macro = field_text(value, "macro").rsplit("::", 1)[-1]
        return {"vec": "Vec", "format": "String"}.get(macro)
    return None


class CrateIndex:
    """All functions of one crate, looked up by module path, type and name."""

    def __init__(self) -> None:
        self.fns: list[FnDef] = []
        self.free: dict[tuple[tuple[str, ...], str], list[FnDef]] = defaultdict(list)
        self.free_by_name: dict[str, list[FnDef]] = defaultdict(list)
        self.methods: dict[tuple[str, str], list[FnDef]] = defaultdict(list)
        self.methods_by_name: dict[str, list[FnDef]] = defaultdict(list)
        self.trait_defaults: dict[str, list[FnDef]] = defaultdict(list)
        self.modules: set[tuple[str, ...]] = {()}
        self.struct_fields: dict[str, dict[str, str | None]] = {}
        self.types: set[str] = set()

    def add(self, fn: FnDef) -> None:
        self.fns.append(fn)
        if fn.trait_default:
            self.trait_defaults[fn.name].append(fn)
        if fn.impl_type:
            self.methods[(fn.impl_type, fn.name)].append(fn)
            self.methods_by_name[fn.name].append(fn)
            self.types.add(fn.impl_type)
        else:
            self.free[(fn.module, fn.name)].append(fn)
            self.free_by_name[fn.name].append(fn)
        for depth in range(1, len(fn.module) + 1):
            self.modules.add(fn.module[:depth])

    def add_struct(self, name: str, fields: dict[str, str | None]) -> None:
        self.struct_fields[name] = fields
        self.types.add(name)

    # -- paths --------------------------------------------------------------------------------

    def _module_of(self, segments: list[str], caller: FnDef, depth: int = 0) -> tuple[str, ...] | None:
        """The crate module a path prefix names, or None when it leaves the crate."""
        if not segments:
            return caller.module
        head, rest = segments[0], segments[1:]
        if head in caller.uses and caller.uses[head] != segments[:1] and depth < MAX_ALIAS_DEPTH:
            return self._module_of(caller.uses[head] + rest, caller, depth + 1)
        if head == "crate":
            base: tuple[str, ...] = ()
        elif head == "self":
            base = caller.module
        elif head == "super":
            base = caller.module[:-1]
            while rest and rest[0] == "super":
                base, rest = base[:-1], rest[1:]
        elif caller.module + (head,) in self.modules:  # a module of the crate, even one named `alloc`
            base, rest = caller.module + (head,), rest
            return base + tuple(rest)
        elif head in EXTERNAL_ROOTS:
            return None
        elif (head,) in self.modules:
            base, rest = (head,), rest
            return base + tuple(rest)
        else:
            return None
        return base + tuple(rest)

    def resolve_path(self, segments: list[str], caller: FnDef, *, loose: bool = True, depth: int = 0) -> list[FnDef]:
        if not segments:
            return []
        head = segments[0]
        alias = caller.uses.get(head)
        # `use` aliases are collected per file, so two scopes can make a cycle: follow a few only.
        if alias and alias != [head] and depth < MAX_ALIAS_DEPTH:
            expanded = alias + segments[1:]
            if expanded[0] in EXTERNAL_ROOTS:
                return []
            return self.resolve_path(expanded, caller, loose=loose, depth=depth + 1)
        name = segments[-1]
        if len(segments) == 1:
            found = self.free.get((caller.module, name))
            if found:
                return found
            for glob in caller.globs:
                module = self._module_of(glob, caller)
                if module is not None and self.free.get((module, name)):
                    return self.free[(module, name)]
            if caller.module and self.free.get(((), name)):
                return self.free[((), name)]
            candidates = self.free_by_name.get(name, [])
            return candidates if loose and len(candidates) == 1 else []
        prefix = segments[:-1]
        if prefix[-1] == "Self" and caller.impl_type:
            return self.methods.get((caller.impl_type, name), [])
        module = self._module_of(prefix, caller)
        if module is not None and self.free.get((module, name)):
            return self.free[(module, name)]
        owner = prefix[-1].split("<", 1)[0]
        if self.methods.get((owner, name)):
            return self.methods[(owner, name)]
        if prefix[0] in EXTERNAL_ROOTS or not loose:
            return []
        # A module path we could not follow exactly (re-exports, `#[path]`): match on its tail.
        return [fn for fn in self.free_by_name.get(name, []) if fn.module and fn.module[-1] == prefix[-1]]

    def names_crate_fn(self, segments: list[str], caller: FnDef) -> bool:
        """Whether a called path names a free function of the crate itself (its `use` aliases and
        module paths followed as the call graph does): a crate's own `alloc` or `alloc::alloc`
        that merely shares a name with a std function. Types are not looked at: a crate's
        `impl From<X> for String` does not make `String::from` the crate's."""
        segments = expand_alias(segments, caller.uses)
        if not segments:
            return False
        if len(segments) == 1:
            return bool(self.free.get((caller.module, segments[0])))  # shadows a glob import
        module = self._module_of(segments[:-1], caller)
        return module is not None and bool(self.free.get((module, segments[-1])))

    # -- methods ------------------------------------------------------------------------------

    def receiver_type(self, receiver: Node, caller: FnDef, byte: int) -> str | None:
        # Unwrap `(*a.b).c` from the outside in with a loop (field chains can be thousands deep),
        # then type the base and follow the struct fields back out.
        fields: list[str] = []
        while True:
            kind = receiver.type
            if kind == "field_expression":
                fields.append(field_text(receiver, "field"))
                inner = receiver.child_by_field_name("value")
            elif kind in ("reference_expression", "parenthesized_expression", "unary_expression"):
                inner = receiver.named_children[-1] if receiver.named_child_count else None
            else:
                break
            if inner is None:
                return None
            receiver = inner
        owner = self._base_type(receiver, caller, byte)
        for field_name in reversed(fields):
            if not owner or owner not in self.struct_fields:
                return None
            owner = self.struct_fields[owner].get(field_name)
        return owner

    def _base_type(self, receiver: Node, caller: FnDef, byte: int) -> str | None:
        kind = receiver.type
        if kind == "self":
            return caller.impl_type
        if kind == "identifier":
            declared = caller.variables.get(node_text(receiver))
            if not declared:
                return None
            earlier = [t for at, t in declared if at <= byte]
            return (earlier or [t for _, t in declared])[-1]
        if kind == "call_expression":
            return value_type(receiver)
        return None

    def resolve_method(self, name: str, receiver: Node, caller: FnDef, byte: int) -> tuple[list[FnDef], str | None]:
        """Crate methods a `.name()` call may reach, and the receiver's type when known."""
        owner = self.receiver_type(receiver, caller, byte)
        if owner is not None:
            # Not an inherent or trait-impl method of the type: a trait's default method may be it.
            return self.methods.get((owner, name)) or self.trait_defaults.get(name, []), owner
        return self.methods_by_name.get(name, []), None
