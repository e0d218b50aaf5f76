"""Resolve calls to the crate's own functions: `use` aliases, module paths, `Self::`/`Type::`, methods.

Resolution is best effort without type checking: paths are followed exactly where the crate says
where they lead, and method calls use a small local type inference (parameters, `let` annotations
and constructors, struct fields) before falling back to every crate method with that name.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from tree_sitter import Node

from wasmlint.crate_tree import crate_root_of
from wasmlint.source.exports import Export
from wasmlint.source.parsing import Snippet
from wasmlint.source.types import (
    POINTERS, SLICE, STD_TYPES, base_of, first_argument, method_owner, pointee, substitute_self, type_text,
)
from wasmlint.syntax import field_text, node_bytes, node_text
from wasmlint.treedepth import bounded_cursor

EXTERNAL_ROOTS = {"std", "core", "alloc"}
MAX_ALIAS_DEPTH = 8


EMPTY_SUBSTITUTIONS: Mapping[str, set[str]] = MappingProxyType({})


_Item = TypeVar("_Item")


def appended(items: Sequence[_Item], item: _Item) -> list[_Item]:
    """`items` with `item` added: the same list when it is one already (a fn's own), else a new
    list (a fn's field still holds the shared empty default)."""
    if isinstance(items, list):
        items.append(item)
        return items
    # `[*items, item]` leaves room for three more (about 24 bytes), which most fns never use.
    return [*items, item] if items else [item]


@dataclass(eq=False, slots=True)  # one per fn: thousands in a generated crate
class FnDef:
    """A crate function: where it is, what it exports, and what it calls."""

    index: int
    name: str
    module: tuple[str, ...]
    impl_type: str | None
    file_index: int
    node: Node  # the function_item, in its snippet's tree
    snippet: Snippet  # the tree it was found in
    # What most fns have none of shares the empty tuple, until the scan gives the fn a list (see
    # `appended`): an empty list each was 56 bytes, four of them per fn of a generated crate.
    exports: Sequence[Export] = ()
    macro_snippets: Sequence[tuple[Node, Snippet]] = ()  # (root, snippet) of re-parsed macro arguments
    nested: Sequence[tuple[int, int]] = ()  # byte ranges of fns defined inside this one
    matches: Sequence = ()  # scan.RuleHit
    _variables: dict[str, tuple[tuple[int, object], ...]] | None = None
    uses: dict[str, list[str]] = field(default_factory=dict)
    globs: list[list[str]] = field(default_factory=list)
    template: str | None = None  # the macro_rules! name, for functions a macro generates
    # Exports before substitution, and the macro template's `_x` -> invocation args: most fns are
    # no template's, and share these empty defaults (set, not filled, by the scan).
    exports_template: Sequence[Export] = ()
    trait_default: bool = False  # a default method written in a `trait` block (impl_type is the trait)
    substitutions: Mapping[str, set[str]] = field(default_factory=lambda: EMPTY_SUBSTITUTIONS)
    parent: "FnDef | None" = None  # a closure's: the fn (or closure) it is written in
    closure: "ClosureSite | None" = None  # set for a closure: where it is written and what takes it
    _return_type: object = False  # False: not computed yet
    _annotations: dict[int, Node] | None = None  # made with the variables

    @property
    def return_type(self) -> str | None:
        """The declared return type (`Self` as the impl's type); None when it says nothing usable."""
        if self._return_type is False:
            declared = self.node.child_by_field_name("return_type") if self.closure is None else None
            self._return_type = substitute_self(type_text(declared), self.impl_type) if declared is not None else None
        return self._return_type  # type: ignore[return-value]

    @property
    def variables(self) -> dict[str, tuple[tuple[int, object], ...]]:
        """Local bindings with the type their syntax shows (see declared_variables); computed on first use."""
        if self._variables is None:
            annotations: dict[int, Node] = {}
            self._variables = declared_variables(self.node, self.snippet.shift.byte, self.nested, annotations)
            self._annotations = annotations or None  # most fns have none: no empty dict each
        return self._variables

    def annotation_at(self, byte: int) -> Node | None:
        """The type written on the `let` whose value starts at file byte `byte` (`let a: T = ...`)."""
        self.variables  # noqa: B018 -- computes the annotations with the variables
        return self._annotations.get(byte) if self._annotations else None

    def calls(self) -> tuple[list[tuple], list[bytes]]:
        """Calls made by this function, computed when the call graph first needs them.

        Returns ([(kind "path" | "method", name bytes, receiver node, file byte)], [fn paths passed as values]).
        """
        calls: list[tuple] = []
        refs: list[bytes] = []
        roots = [(self.node, self.snippet), *self.macro_snippets]
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
                    elif "dyncall" in captures:
                        calls.append(("dyn", b"", None, node.start_byte + shift))  # `(self.hook)(x)`
                    elif "method" in captures:
                        method = captures["method"][0]
                        calls.append(("method", method.text, captures["receiver"][0], method.start_byte + shift))
                    else:
                        path = captures["path"][0]
                        calls.append(("path", path.text, None, path.start_byte + shift))
        return calls, refs

    @property
    def label(self) -> str:
        if self.closure is not None and self.parent is not None:
            named = self.parent
            while named.closure is not None and named.parent is not None:  # a loop: closures nest thousands deep
                named = named.parent
            return f"{named.label}::{{closure}}"
        return f"{self.impl_type}::{self.name}" if self.impl_type else self.name

    def binds_locally(self, name: str, byte: int | None = None) -> bool:
        """Whether `name` is a local binding here (or, in a closure, in the code around it) in
        force at `byte` (anywhere when None): a local shadows the crate's items of that name."""
        scope: FnDef | None = self
        while scope is not None:
            for at, _ in scope.variables.get(name, ()):
                if byte is None or at <= byte:
                    return True
            scope = scope.parent
        return False


@dataclass(frozen=True)
class ClosureSite:
    """What the code around a closure does with it (the first of these that applies):
    `callee` the call it is an argument of (`xs.iter().map`, `ctx.register`, `Box::new`) and the
    argument's position, `outer` the call that takes that call's value (`ctx.register(Box::new(..))`),
    `bound` the local it is bound to (`let f = |..| ..;`), `stored` the place it is assigned to
    or initialises (`HOOK = Some(..)`, `Ctx { hook: |..| .. }`, `static HOOK: .. = ..`)."""

    callee: Node | None = None
    position: int = 0
    outer: Node | None = None
    outer_position: int = 0
    bound: str | None = None
    stored: str | None = None
    captures: bool = True  # whether its body names a binding of the code around it (or `self`)


class ScopeLike(Protocol):
    """Where a path is resolved from: a module, and the `use`s in force there."""

    @property
    def module(self) -> tuple[str, ...]: ...

    @property
    def uses(self) -> dict[str, list[str]]: ...

    @property
    def globs(self) -> list[list[str]]: ...


@dataclass(frozen=True)
class Scope:
    """A module's `use` bindings and globs (those of its file)."""

    module: tuple[str, ...]
    uses: dict[str, list[str]]
    globs: list[list[str]]


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
(let_declaration pattern: (_) @pattern) @let
(parameter pattern: (_) @pattern type: (_) @type)
(closure_parameters (identifier) @pattern)
(for_expression pattern: (_) @pattern)
(let_condition pattern: (_) @pattern)
(match_arm pattern: (match_pattern (_) @pattern))
"""



def declared_variables(fn_node: Node, shift: int, nested: Sequence[tuple[int, int]] = (),
                       annotations: dict[int, Node] | None = None) -> dict[str, tuple[tuple[int, object], ...]]:
    """The fn's local bindings: parameters, `let`s, closure parameters, `for`, `if let` and
    `match` patterns (not those of the fns and closures inside it, at `nested`), each with the
    file byte where it starts to apply and what its syntax says of its type."""
    query = _variables_query()
    found: dict[str, list[tuple[int, object]]] = {}
    for start, end in _between(fn_node.start_byte, fn_node.end_byte, nested):
        cursor = bounded_cursor(query)
        if nested:
            cursor.set_byte_range(start, end)
        for _, captures in cursor.matches(fn_node):
            pattern = captures["pattern"][0]
            if not nested or start <= pattern.start_byte < end:
                _declare(found, captures, pattern, shift)
                if annotations is not None and "let" in captures:
                    let = captures["let"][0]
                    annotation, value = let.child_by_field_name("type"), let.child_by_field_name("value")
                    if annotation is not None and value is not None:
                        annotations[value.start_byte + shift] = annotation
    # Kept as tuples: a list that was appended to keeps room for more (a fn's `x` and `s` are
    # bound once each, and every fn of a generated crate keeps its table).
    return {name: tuple(sorted(entries, key=lambda entry: entry[0])) for name, entries in found.items()}


def _declare(found: dict[str, list[tuple[int, object]]], captures: dict, pattern: Node, shift: int) -> None:
    if pattern.type == "identifier":
        declared: object = None
        if "let" in captures:
            let = captures["let"][0]
            annotation = let.child_by_field_name("type")
            declared = type_text(annotation) if annotation is not None else let.child_by_field_name("value")
            at = let.end_byte  # in force after its `;`: `let x = x.len();` reads the outer `x`
        else:
            at = pattern.start_byte
            if "type" in captures:
                declared = type_text(captures["type"][0])
        # Interned: the same few names (`s`, `x`) are bound in every fn of a generated crate.
        found.setdefault(sys.intern(node_text(pattern)), []).append((at + shift, declared))
        return
    # A destructuring pattern: every name it binds, untyped (`Some(f)`, `(a, b)`, `Point { x, .. }`).
    for name in pattern_names(pattern):
        found.setdefault(node_text(name), []).append((name.start_byte + shift, None))


def pattern_names(pattern: Node) -> list[Node]:
    """The identifiers a pattern binds: not the paths it matches (`Some`, `Kind::A`, a struct's name)."""
    names = []
    stack = [pattern]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind == "identifier":
            text = node.text or b""
            if text[:1].islower() or text[:1] == b"_":
                names.append(node)
            continue
        if kind in ("scoped_identifier", "scoped_type_identifier", "type_identifier", "macro_invocation"):
            continue
        if kind in ("tuple_struct_pattern", "struct_pattern"):
            head = node.child_by_field_name("type")
            stack.extend(child for child in node.named_children if head is None or child.id != head.id)
            continue
        if kind == "field_pattern":
            name = node.child_by_field_name("name")
            inner = node.child_by_field_name("pattern")
            if inner is not None:
                stack.append(inner)
            elif name is not None and name.type in ("identifier", "shorthand_field_identifier"):
                names.append(name)
            continue
        stack.extend(node.named_children)
    return names


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
(call_expression function: [(parenthesized_expression) (call_expression) (index_expression)] @dyncall)
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


# What the standard library's methods return, by the receiver's type: enough to follow a value
# through `let`s (`let w = v.clone();`, `let s = name.to_lowercase();`).
_SAME_TYPE = {"clone", "to_owned", "borrow", "borrow_mut", "as_ref", "as_mut"}
_STRING_RESULT = {"to_string", "to_lowercase", "to_uppercase", "to_ascii_lowercase", "to_ascii_uppercase",
                  "repeat", "replace", "replacen", "into_string", "to_string_lossy"}
_UNWRAP = {"unwrap", "expect", "unwrap_or", "unwrap_or_default", "unwrap_or_else", "unwrap_unchecked"}


def _std_method_result(method: str, receiver: str | None) -> str | None:
    base = base_of(receiver)
    if method in _SAME_TYPE:
        if method in ("to_owned", "clone") and base == "str":
            return "String" if method == "to_owned" else "str"
        if method == "to_owned" and base == SLICE:
            return "Vec"
        if base in ("RefCell", "Mutex", "RwLock") and method.startswith("borrow"):
            return first_argument(receiver)
        return receiver
    if method in _STRING_RESULT:
        return "String"
    if method in ("to_vec", "into_vec", "into_bytes"):
        return "Vec"
    if method in _UNWRAP and base in ("Option", "Result"):
        return first_argument(receiver)
    if method in ("lock", "read", "write") and base in ("Mutex", "RwLock"):
        return f"Result<{first_argument(receiver) or '_'}>"
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
        # What each module's `use`s bring in (its file's bindings and globs): what a path through
        # that module finds besides its own items (`pub use banner::*;` in `utils` makes
        # `crate::utils::banner` the function of `utils::banner`).
        self.scopes: dict[tuple[str, ...], Scope] = {}
        self.closures_of: dict[int, list[FnDef]] = {}  # fn index -> the closures written directly in it
        self.top_closures: list[FnDef] = []  # closures in `static` initialisers

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

    def add_closure(self, fn: FnDef) -> None:
        """A closure joins the crate's functions (it has a body, calls, matches) but no name
        finds it: what runs it is worked out from where it is written (analyze.py)."""
        fn.index = len(self.fns)
        self.fns.append(fn)
        if fn.parent is not None:
            self.closures_of.setdefault(fn.parent.index, []).append(fn)
        if fn.closure is not None and fn.closure.stored is not None and fn.parent is None:
            self.top_closures.append(fn)

    def add_struct(self, name: str, fields: dict[str, str | None]) -> None:
        self.struct_fields[name] = fields
        self.types.add(name)

    # -- paths --------------------------------------------------------------------------------

    def add_scope(self, module: tuple[str, ...], uses: dict[str, list[str]], globs: list[list[str]]) -> None:
        self.scopes.setdefault(module, Scope(module, uses, globs))

    def _module_of(self, segments: list[str], caller: "ScopeLike", depth: int = 0) -> tuple[str, ...] | None:
        """The crate module a path prefix names, or None when it leaves the crate."""
        if not segments:
            return caller.module
        head, rest = segments[0], segments[1:]
        if head in caller.uses and caller.uses[head] != segments[:1] and depth < MAX_ALIAS_DEPTH:
            return self._module_of(caller.uses[head] + rest, caller, depth + 1)
        root = crate_root_of(caller.module)
        if head == "crate":
            base: tuple[str, ...] = root
        elif head == "self":
            base = caller.module
        elif head == "super":
            base = caller.module[:-1] if len(caller.module) > len(root) else root
            while rest and rest[0] == "super":
                base, rest = (base[:-1] if len(base) > len(root) else root), rest[1:]
        elif caller.module + (head,) in self.modules:  # a module of the crate, even one named `alloc`
            base, rest = caller.module + (head,), rest
        elif head in EXTERNAL_ROOTS:
            return None
        elif root + (head,) in self.modules:
            base, rest = root + (head,), rest
        else:
            return None
        return self._walk_modules(base, rest, depth)

    def _walk_modules(self, base: tuple[str, ...], rest: list[str], depth: int) -> tuple[str, ...] | None:
        """Down from `base` through `rest`: a child module, or a name the module's `use`s bring
        in that is a module (`pub use inner::deep;` then `m::deep::f`)."""
        for position, segment in enumerate(rest):
            if base + (segment,) in self.modules:
                base = base + (segment,)
                continue
            scope = self.scopes.get(base)
            alias = scope.uses.get(segment) if scope is not None else None
            if alias is None or depth >= MAX_ALIAS_DEPTH:
                return base + tuple(rest[position:])  # not a module we know: as written
            found = self._module_of(alias, scope, depth + 1) if scope is not None else None
            if found is None:
                return None
            base = found
        return base

    def _item(self, module: tuple[str, ...], name: str, depth: int = 0) -> list[FnDef]:
        """The free functions `name` names in `module`: its own, or what its `use`s bring in
        there (a rename, a re-export chain, a glob), followed a few levels."""
        found = self.free.get((module, name))
        if found or depth >= MAX_ALIAS_DEPTH:
            return found or []
        scope = self.scopes.get(module)
        if scope is None:
            return []
        alias = scope.uses.get(name)
        if alias is not None and alias != [name]:
            target = self._module_of(alias[:-1], scope, depth + 1) if len(alias) > 1 else module
            if target is not None and (target != module or alias[-1] != name):
                found = self._item(target, alias[-1], depth + 1)
                if found:
                    return found
        for glob in scope.globs:
            target = self._module_of(glob, scope, depth + 1)
            if target is not None and target != module:
                found = self._item(target, name, depth + 1)
                if found:
                    return found
        return []

    def _same_root(self, fns: list[FnDef], caller: "ScopeLike") -> list[FnDef]:
        """Those of `fns` in the caller's crate root: a bin's items never answer the lib's calls."""
        root = crate_root_of(caller.module)
        return [fn for fn in fns if crate_root_of(fn.module) == root]

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
        root = crate_root_of(caller.module)
        if len(segments) == 1:
            found = self.free.get((caller.module, name))
            if found:
                return found
            for glob in caller.globs:
                module = self._module_of(glob, caller)
                if module is not None:
                    found = self._item(module, name)
                    if found:
                        return found
            if len(caller.module) > len(root) and self.free.get((root, name)):
                return self.free[(root, name)]
            candidates = self._same_root(self.free_by_name.get(name, []), caller)
            return candidates if loose and len(candidates) == 1 else []
        prefix = segments[:-1]
        if prefix[-1] == "Self" and caller.impl_type:
            return self._same_root(self.methods.get((caller.impl_type, name), []), caller)
        module = self._module_of(prefix, caller)
        if module is not None:
            found = self._item(module, name)
            if found:
                return found
        owner = prefix[-1].split("<", 1)[0]
        methods = self._same_root(self.methods.get((owner, name), []), caller)
        if methods:
            return methods
        if prefix[0] in EXTERNAL_ROOTS or not loose:
            return []
        # A module path we could not follow exactly (`#[path]`, a macro's module): match on its tail.
        return [fn for fn in self._same_root(self.free_by_name.get(name, []), caller)
                if fn.module and fn.module[-1] == prefix[-1]]

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
        return module is not None and bool(self._item(module, segments[-1]))

    # -- methods ------------------------------------------------------------------------------

    def receiver_type(self, receiver: Node, caller: FnDef, byte: int, method: str | None = None) -> str | None:
        """The base name of a method call's receiver type (`Vec`, `Names`, `[]`, `str`), through
        smart pointers to their target when `method` is not the pointer's own; None when unknown."""
        ty = self.expression_type(receiver, caller, byte)
        return base_of(method_owner(ty, method) if method is not None else ty)

    def expression_type(self, node: Node | None, caller: FnDef, byte: int, depth: int = 0) -> str | None:
        """The type of an expression, as far as the syntax and the crate's declarations say."""
        # Wrappers first, in a loop: generated code nests deeper than Python's stack.
        derefs = 0
        while node is not None:
            kind = node.type
            if kind in ("reference_expression", "parenthesized_expression", "try_expression"):
                node = node.named_children[-1] if node.named_child_count else None
                if kind == "try_expression":
                    inner = self.expression_type(node, caller, byte, depth + 1)
                    return first_argument(inner) if base_of(inner) in ("Option", "Result") else None
            elif kind == "unary_expression" and node.child_count and node.children[0].type == "*":
                node, derefs = node.named_children[-1] if node.named_child_count else None, derefs + 1
            elif kind in ("unsafe_block", "block"):
                last = node.named_children[-1] if node.named_child_count else None
                node = last.named_children[0] if last is not None and last.type == "expression_statement" and last.named_child_count else last
            else:
                break
        if node is None or depth > MAX_ALIAS_DEPTH:
            return None
        ty = self._plain_type(node, caller, byte, depth)
        for _ in range(derefs):
            ty = pointee(ty) or ty if ty is not None and (ty.startswith("*") or base_of(ty) in POINTERS) else ty
        return ty

    def _plain_type(self, node: Node, caller: FnDef, byte: int, depth: int) -> str | None:
        kind = node.type
        if kind == "self":
            return caller.impl_type
        if kind == "identifier":
            return self._variable_type(node_text(node), caller, byte, depth)
        if kind == "field_expression":
            owner = self.expression_type(node.child_by_field_name("value"), caller, byte, depth + 1)
            for _ in range(4):  # through pointers: `self.inner.name` with `inner: Box<Inner>`
                fields = self.struct_fields.get(base_of(owner) or "")
                if fields is not None:
                    return fields.get(field_text(node, "field"))
                owner = pointee(owner)
                if owner is None:
                    return None
            return None
        if kind == "call_expression":
            return self._call_type(node, caller, byte, depth)
        if kind == "struct_expression":
            return type_text(node.child_by_field_name("name"))
        if kind == "macro_invocation":
            macro = field_text(node, "macro").rsplit("::", 1)[-1]
            return {"vec": "Vec", "format": "String"}.get(macro)
        if kind == "type_cast_expression":
            return type_text(node.child_by_field_name("type"))
        if kind == "string_literal":
            return "str"
        if kind == "array_expression":
            return SLICE
        if kind == "index_expression":
            container = self.expression_type(node.named_children[0] if node.named_child_count else None, caller, byte, depth + 1)
            return first_argument(container) if base_of(container) == "Vec" else None
        return None

    def _variable_type(self, name: str, caller: FnDef, byte: int, depth: int) -> str | None:
        scope: FnDef | None = caller
        while scope is not None:
            declared = scope.variables.get(name)
            if declared:
                earlier = [entry for entry in declared if entry[0] <= byte]
                if not earlier and scope is caller and caller.parent is None:
                    earlier = list(declared[-1:])
                if earlier:
                    what = earlier[-1][1]
                    if not isinstance(what, Node):
                        return what if isinstance(what, str) else None
                    # Typed on demand, as of where the value is written (`let a = &mut *a;` reads the outer `a`).
                    return self.expression_type(what, scope, what.start_byte + scope.snippet.shift.byte, depth + 1)
            scope = scope.parent  # a closure sees its fn's bindings
        return _type_like(name) if name[:1].isupper() else None  # a unit struct: `let a = A;`

    def _call_type(self, call: Node, caller: FnDef, byte: int, depth: int) -> str | None:
        function = call.child_by_field_name("function")
        turbofish = None
        if function is not None and function.type == "generic_function":
            turbofish = function.child_by_field_name("type_arguments")
            function = function.child_by_field_name("function")
        if function is None:
            return None
        if function.type == "field_expression":
            method = field_text(function, "field")
            if turbofish is not None and turbofish.named_child_count and method in ("collect", "into", "parse"):
                return type_text(turbofish.named_children[0])
            receiver = self.expression_type(function.child_by_field_name("value"), caller, byte, depth + 1)
            owner = method_owner(receiver, method)
            base = base_of(owner)
            if base is not None and base not in STD_TYPES:
                found = self.methods.get((base, method))
                if found:
                    return found[0].return_type
            return _std_method_result(method, owner)
        if function.type == "identifier":
            name = node_text(function)
            if _type_like(name):
                return name if name not in ("Some", "Ok", "Err") else None  # a tuple struct: `Code(7)`
            found = self.resolve_path([name], caller, loose=False)
            return found[0].return_type if found else None
        if function.type == "scoped_identifier":
            segments = path_segments(node_bytes(function))
            if len(segments) < 2:
                return None
            owner, name = segments[-2], segments[-1]
            if owner == "Self":
                owner = caller.impl_type or owner
            if owner == "Box" and name == "from_raw":
                arguments = call.child_by_field_name("arguments")
                raw = arguments.named_children[0] if arguments is not None and arguments.named_child_count else None
                target = pointee(self.expression_type(raw, caller, byte, depth + 1))
                return f"Box<{target}>" if target else "Box"
            found = self.resolve_path(segments, caller, loose=False)
            if found:
                return found[0].return_type or (owner if _type_like(owner) else None)
            path = function.child_by_field_name("path")
            return type_text(path) if path is not None and _type_like(owner) else None
        return None

    def resolve_method(self, name: str, receiver: Node, caller: FnDef, byte: int) -> tuple[list[FnDef], str | None]:
        """Crate methods a `.name()` call may reach, and the receiver's type when known."""
        owner = self.receiver_type(receiver, caller, byte, name)
        if owner is not None:
            # Not an inherent or trait-impl method of the type: a trait's default method may be it.
            return self.methods.get((owner, name)) or self.trait_defaults.get(name, []), owner
        return self.methods_by_name.get(name, []), None
