"""One query pass per parse tree: collect functions, items and rule matches of a crate.

All structural patterns and every selected rule's patterns are compiled into one tree-sitter query
(one walk of the tree instead of one per rule). Macro arguments and `macro_rules!` bodies that
generate exports are re-parsed and scanned the same way, with positions mapped back to the file.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from collections.abc import Sequence

from tree_sitter import Node, Query

from wasmlint.cfg import BuildCfg, conditions_of
from wasmlint.syntax import field_text, node_bytes, node_text
from wasmlint.rules import Rule, RuleError
from wasmlint.source.exports import attribute_name, cfg_excludes_wasm, exports_of, outer_attributes, type_name
from wasmlint.source.parsing import Snippet, SourceFile, compile_query, reparse_items, reparse_token_tree
from wasmlint.source.types import type_text
from wasmlint.source.resolve import (
    EXTERNAL_ROOTS, ClosureSite, CrateIndex, FnDef, appended, calls_query, expand_alias, path_segments, use_bindings,
)
from wasmlint.treedepth import bounded_cursor

MAX_MACRO_DEPTH = 4

# (kind, pattern): the facts every analysis needs, whatever rules are selected.
# Functions, blocks (mod/impl/trait) and cfg attributes come with their parent: what is around
# an item and what is written above it are worked out from those, never with `node.parent` or
# `prev_sibling` (tree-sitter answers both by walking down from the root: time per level of depth).
STRUCTURAL_PATTERNS = (
    ("fn", "(_ (function_item) @fn) @parent"),
    ("block", "(_ [(mod_item) (impl_item) (trait_item)] @block) @parent"),
    ("macro", "(macro_invocation) @macro"),
    ("use", "[(use_declaration) (extern_crate_declaration)] @use"),
    ("struct", "(struct_item name: (type_identifier) @name body: (field_declaration_list) @body)"),
    ("macrodef", "(macro_definition name: (identifier) @name) @macrodef"),
    ("cfg", '(_ (attribute_item (attribute (identifier) @name (#any-of? @name "cfg" "test"))) @cfg) @parent'),
    # A macro call among items (tree-sitter wraps `m!(...);` at the top of a file in a statement).
    # Asked of the query, not of `node.parent`: tree-sitter finds a parent by walking down from
    # the root, so testing each macro of a deeply nested expression cost its depth each time.
    # Closures, with what the code around them does with them (see resolve.ClosureSite): a
    # closure's body runs where it is called, not where it is written.
    ("closure", "(closure_expression) @closure"),
    ("closurearg", "(call_expression function: (_) @callee arguments: (arguments (closure_expression) @closure) @args)"),
    ("closurearg", """(call_expression function: (_) @outer arguments: (arguments
                        (call_expression function: (_) @callee arguments: (arguments (closure_expression) @closure) @args) @inner) @outerargs)"""),
    ("closurelet", """[(let_declaration pattern: (identifier) @bound value: (closure_expression) @closure)
                     (let_declaration pattern: (identifier) @bound value: (call_expression arguments: (arguments (closure_expression) @closure)))]"""),
    ("closurestore", """[(assignment_expression left: (_) @place right: (closure_expression) @closure)
                       (assignment_expression left: (_) @place right: (call_expression arguments: (arguments (closure_expression) @closure)))
                       (field_initializer field: (field_identifier) @place value: (closure_expression) @closure)
                       (field_initializer field: (field_identifier) @place value: (call_expression arguments: (arguments (closure_expression) @closure)))
                       (static_item name: (identifier) @place value: (closure_expression) @closure)
                       (static_item name: (identifier) @place value: (call_expression arguments: (arguments (closure_expression) @closure)))]"""),
    ("itemmacro", """[(source_file (macro_invocation) @itemmacro)
                    (source_file (expression_statement (macro_invocation) @itemmacro))
                    (declaration_list (macro_invocation) @itemmacro)]"""),
)


@dataclass(frozen=True)
class CombinedQuery:
    query: Query
    kinds: tuple  # pattern index -> "fn" | "macro" | ... | "methodcall" | Rule
    by_method: dict  # method name -> the `methods` rules that flag its calls
    by_call: dict  # (type, function) -> the `calls` rules that flag it
    by_macro: dict  # macro name -> the `macros` rules that flag its invocations


# Rules given as `methods = [...]` share this one pattern: one test of the method name per call,
# instead of one per rule, which is most of what such rules cost.
METHOD_CALL_PATTERN = """
(call_expression
  function: [(field_expression value: (_) @receiver field: (field_identifier) @method)
             (generic_function function:
               (field_expression value: (_) @receiver field: (field_identifier) @method))]
  (#any-of? @method {names})) @match
"""


# Rules given as `calls = ["Type::function", ...]` share this one: a path call tested once by
# function name, then looked up by (type, function) once the file's `use` aliases are known
# (`use std::string::String as S;` makes `S::from` a `String::from`). Functions a file imports
# by name (`use std::alloc::{alloc as grab};` then `grab(..)`) are found by `_imported_calls`.
TYPE_CALL_PATTERN = """
(call_expression
  function: (scoped_identifier
    path: [(identifier) @type
           (scoped_identifier name: (identifier) @type)
           (generic_type type: [(type_identifier) @type
                                (scoped_identifier name: (identifier) @type)])]
    name: (identifier) @ctor)
  (#any-of? @ctor {names})) @match
"""


@lru_cache(maxsize=8)
def combined_query(rules: tuple[Rule, ...]) -> CombinedQuery:
    texts: list[str] = [pattern for _, pattern in STRUCTURAL_PATTERNS]
    owners: list = [kind for kind, _ in STRUCTURAL_PATTERNS]
    by_method: dict[str, tuple[Rule, ...]] = {}
    for rule in rules:
        for name in rule.methods:
            by_method[name] = by_method.get(name, ()) + (rule,)
    if by_method:
        texts.append(METHOD_CALL_PATTERN.format(names=" ".join(f'"{n}"' for n in sorted(by_method))))
        owners.append("methodcall")
    by_call: dict[tuple[str, str], tuple[Rule, ...]] = {}
    for rule in rules:
        for call in rule.calls:
            owner, function = call.split("::")  # rules.py allows `Type::function` only
            key = (owner, function)
            by_call[key] = by_call.get(key, ()) + (rule,)
    if by_call:
        names = sorted({name for _, name in by_call})
        texts.append(TYPE_CALL_PATTERN.format(names=" ".join(f'"{n}"' for n in names)))
        owners.append("typecall")
    # `macros` rules need no pattern of their own: every macro invocation is captured anyway.
    by_macro: dict[str, tuple[Rule, ...]] = {}
    for rule in rules:
        for name in rule.macros:
            by_macro[name] = by_macro.get(name, ()) + (rule,)
    starts: list[int] = []
    offset = 0
    for text in texts:
        starts.append(offset)
        offset += len(text.encode()) + 1
    for rule in rules:
        if not rule.query:
            continue
        starts.append(offset)
        owners.append(rule)
        texts.append(rule.query)
        offset += len(rule.query.encode()) + 1
    try:
        query = compile_query("\n".join(texts))
    except Exception:
        check_rule_queries(rules)  # names the rule whose query is broken
        raise
    # A rule may hold several patterns: each pattern belongs to the text it starts in.
    kinds = tuple(owners[bisect.bisect_right(starts, query.start_byte_for_pattern(i)) - 1] for i in range(query.pattern_count))
    return CombinedQuery(query, kinds, by_method, by_call, by_macro)


def check_rule_queries(rules) -> None:
    """Compile each rule's own query; the first that does not compile raises RuleError naming its file."""
    for rule in (r for r in rules if r.query):
        try:
            compile_query(rule.query)
        except Exception as exc:
            raise RuleError(f"{rule.origin}: `query`: {exc}") from None


def validate_queries(rules: dict[str, Rule]) -> None:
    """Compile the selected source rules' queries; a broken one raises RuleError naming its file."""
    combined_query(tuple(rule for rule in rules.values() if rule.matches_code))


# The captures of every hit recorded by its node alone (a macro call, and what matched through
# one): one shared dict, never written (only a hit with a receiver has its captures completed, in
# analyze.py), instead of an empty dict per hit, 64 bytes each, a `format!` every 24 bytes.
NO_CAPTURES: dict[str, str] = {}


@dataclass(frozen=True, slots=True)  # one per rule match: dense code has one every few bytes
class RuleHit:
    rule: Rule
    node: Node
    captures: dict[str, str]
    receiver: Node | None
    snippet: Snippet
    path: tuple[str, ...] | None = None  # a `calls` match: the called path as written, `use`s unexpanded


@dataclass
class Template:
    """A `macro_rules!` macro whose expansion defines exported functions."""

    name: str
    fns: list[FnDef]
    bindings: list[str]  # metavariable names of its first rule's matcher, in order


@dataclass
class CrateScan:
    index: CrateIndex = field(default_factory=CrateIndex)
    templates: dict[str, Template] = field(default_factory=dict)
    item_macros: list[tuple[Node, Snippet]] = field(default_factory=list)


class Scanner:
    def __init__(self, rules: tuple[Rule, ...], build: BuildCfg = BuildCfg()) -> None:
        self.combined = combined_query(rules)
        self.scan = CrateScan()
        self.build = build  # decides `#[cfg]`s and `cfg_attr`s

    # -- entry points -------------------------------------------------------------------------

    def scan_file(self, file: SourceFile, file_index: int) -> None:
        self._imported: dict[int, tuple[dict, dict[str, tuple[str, str]]]] = {}
        snippet = Snippet(file, file_index)
        self._scan_tree(file.tree.root_node, file.source, snippet, owner=None, module=file.module_path, depth=0)

    def finish(self) -> CrateScan:
        """Expand exporting macro invocations once every file (and so every macro) is known."""
        for invocation, _snippet in self.scan.item_macros:
            template = self.scan.templates.get(_macro_name(invocation))
            if template is None:
                continue
            arguments = _macro_arguments(invocation)
            for fn in template.fns:
                for export in list(fn.exports_template):
                    symbol = _substitute(export.symbol, template.bindings, arguments)
                    fn.exports = appended(fn.exports, dataclasses.replace(export, symbol=symbol, display=symbol))
                # `$helper()` in the template calls whatever each invocation passes as `helper`.
                substitutions = fn.substitutions if isinstance(fn.substitutions, dict) else {}
                for binding, argument in zip(template.bindings, arguments):
                    substitutions.setdefault("_" + binding, set()).add(argument.replace(" ", ""))
                if substitutions:
                    fn.substitutions = substitutions
        return self.scan

    # -- the single pass ----------------------------------------------------------------------

    def _scan_tree(
        self,
        root: Node,
        source: bytes,
        snippet: Snippet,
        owner: FnDef | None,
        module: tuple[str, ...],
        depth: int,
        template: str | None = None,
    ) -> list[FnDef]:
        """Scan one tree. `owner` is set for re-parsed macro arguments: everything belongs to it."""
        kinds = self.combined.kinds
        by_method = self.combined.by_method
        by_call = self.combined.by_call
        by_macro = self.combined.by_macro
        fns: list[tuple[int, int, FnDef]] = []
        # (byte, "macro" | Rule, node, captures, resolved, called): `node` is what matched, and
        # `captures` the query's captures (None where the node alone was recorded: a macro call,
        # and whatever matched through one); the last two only for `calls` matches: the message
        # values of the resolved path, and the path as written. A dense file has a record per
        # few bytes: the captures are kept only where a rule reads them.
        records: list[tuple] = []
        path_calls: list[dict] = []
        file_uses: dict[str, list[str]] = {}  # the last binding of each name: what paths resolve through
        file_bindings: list[tuple[str, list[str]]] = []  # every binding, for functions imported by name
        file_globs: list[list[str]] = []
        cfg_items: list[tuple[Node, Node]] = []  # (attribute item, its parent)
        blocks: list[tuple[Node, Node]] = []  # (mod/impl/trait, its parent)
        # Functions and macro definitions in the order the query found them, registered once the
        # blocks around them are known (the order decides each function's index).
        items: list[tuple[str, Node, Node | None]] = []
        # Macro calls among items (by node id): their records are taken out afterwards, once the
        # query has said which they are.
        item_level: set[int] = set()
        closures: dict[int, tuple[Node, ClosureSite]] = {}
        # py-tree-sitter hands every match over at once, a dict of captures each: taken one at a
        # time from the end of the reversed list, each is freed once read, while the records grow.
        matches = bounded_cursor(self.combined.query).matches(root)
        matches.reverse()
        while matches:
            pattern, captures = matches.pop()
            kind = kinds[pattern]
            if kind == "macro":
                node = captures["macro"][0]
                records.append((node.start_byte, kind, node, None, None, None))
                for rule in by_macro.get(_macro_name(node), ()) if by_macro else ():
                    if _has_arguments(node):  # `vec![]` makes an empty Vec: no allocation
                        records.append((node.start_byte, rule, node, None, None, None))
            elif kind == "itemmacro":
                item_level.add(captures["itemmacro"][0].id)
            elif kind in _CLOSURE_KINDS:
                if owner is None:
                    _closure_context(closures, kind, captures)
            elif kind == "fn":
                if owner is None:
                    items.append(("fn", captures["fn"][0], captures["parent"][0]))
            elif kind == "block":
                if owner is None:
                    blocks.append((captures["block"][0], captures["parent"][0]))
            elif kind == "use":
                bindings, globs = use_bindings(captures["use"][0])
                file_uses.update(bindings)
                file_bindings.extend(bindings)
                file_globs.extend(globs)
            elif kind == "struct":
                self._add_struct(captures)
            elif kind == "macrodef":
                if owner is None and template is None:
                    items.append(("macrodef", captures["macrodef"][0], None))
            elif kind == "cfg":
                cfg_items.append((captures["cfg"][0], captures["parent"][0]))
            elif kind == "methodcall":
                node = captures["match"][0]
                for rule in by_method[node_bytes(captures["method"][0]).decode()]:
                    records.append((node.start_byte, rule, node, captures, None, None))
            elif kind == "typecall":
                path_calls.append(captures)  # looked up once the file's `use`s are all known
            else:  # a rule's pattern
                node = captures["match"][0]
                records.append((node.start_byte, kind, node, captures, None, None))
        box_rules = by_call.get(("Box", "new")) if by_call and owner is None else None
        if box_rules and b"box" in source and _spells_box(source):
            _box_expressions(root, box_rules, records)
        if item_level:
            records = self._item_macros_apart(records, item_level, snippet, owner is None and template is None)
        siblings = _Siblings()
        if items:
            contexts = _contexts([(node, parent) for what, node, parent in items if what == "fn" and parent is not None], blocks, siblings, self.build)
            for what, node, _ in items:
                if what == "macrodef":
                    self._add_template(node, source, snippet, module)
                    continue
                name = node.child_by_field_name("name")
                fn = self._new_fn(node, node_text(name), snippet, module, template, contexts[node.id]) if name is not None else None
                if fn is not None:
                    fns.append((node.start_byte, node.end_byte, fn))

        for _, _, fn in fns:
            fn.uses = file_uses
            fn.globs = file_globs
        if owner is None and template is None:
            self.scan.index.add_scope(module, file_uses, file_globs)
        if by_call:
            uses, globs = (owner.uses, owner.globs) if owner is not None else (file_uses, file_globs)
            for captures in path_calls:
                self._add_path_call(captures, uses, records)
            imported = self._imported_names(uses, globs, file_bindings if owner is None else None)
            if imported:
                _imported_calls(root, imported, by_call, records)
        if owner is None:
            for node, site in closures.values():
                closure = FnDef(index=-1, name="{closure}", module=module, impl_type=None, file_index=snippet.file_index,
                                node=node, snippet=snippet, closure=site, template=template)
                fns.append((node.start_byte, node.end_byte, closure))
            fns.sort(key=lambda entry: (entry[0], -entry[1]))
            parents = _enclosing(fns)
            for position, parent in enumerate(parents):
                if parent >= 0:
                    around = fns[parent][2]
                    around.nested = appended(around.nested, (fns[position][0], fns[position][1]))
            if closures:
                fns = self._place_closures(fns, parents, file_uses, file_globs)
        excluded = _cfg_excluded_spans(cfg_items, siblings, self.build)
        found_in = [owner] * len(records) if owner is not None else _innermost(fns, [record[0] for record in records])
        for (byte, kind, node, captures, resolved, called), fn in zip(records, found_in):
            if fn is None or _inside(excluded, byte):
                continue
            if kind == "macro":
                args = _last_named_child(node) if depth < MAX_MACRO_DEPTH else None
                if args is not None and args.type == "token_tree":
                    self._scan_macro_arguments(fn, args, source, snippet, depth)
            elif called is not None:
                fn.matches = appended(fn.matches, RuleHit(kind, node, dict(resolved), None, snippet, called))
            elif captures is None:
                fn.matches = appended(fn.matches, RuleHit(kind, node, NO_CAPTURES, None, snippet))
            else:
                values = {name: node_text(nodes[0]) for name, nodes in captures.items() if name not in ("match", "receiver")}
                receiver = captures["receiver"][0] if "receiver" in captures else None
                fn.matches = appended(fn.matches, RuleHit(kind, node, values, receiver, snippet))
        return [fn for _, _, fn in fns]

    def _place_closures(self, fns: list[tuple[int, int, FnDef]], parents: list[int],
                        uses: dict[str, list[str]], globs: list[list[str]]) -> list[tuple[int, int, FnDef]]:
        """Closures take the module, impl and `use`s of the fn they are written in, and join the
        crate's functions; one outside any fn is kept only when a `static` holds it (one inside a
        fn the build leaves out has no fn around it here: it goes with that fn)."""
        kept: list[tuple[int, int, FnDef]] = []
        for position, entry in enumerate(fns):
            fn = entry[2]
            if fn.closure is None:
                kept.append(entry)
                continue
            parent = fns[parents[position]][2] if parents[position] >= 0 else None
            if parent is None and fn.closure.stored is None:
                continue
            if parent is not None and parent.index < 0:
                continue  # inside a closure that was dropped
            fn.parent = parent
            if parent is not None:
                fn.module, fn.impl_type, fn.template = parent.module, parent.impl_type, parent.template
            fn.uses, fn.globs = uses, globs
            self.scan.index.add_closure(fn)
            kept.append(entry)
        return kept

    def _item_macros_apart(
        self, records: list[tuple], item_level: set[int], snippet: Snippet, keep: bool,
    ) -> list[tuple]:
        """The records without those of macro calls among items (a macro call's own record and
        those of the `macros` rules it matched: the records of its node alone); those calls are
        kept (`keep`: in a file's own tree) to be expanded once every macro_rules! of the crate is
        known."""
        kept = []
        for record in records:
            _, kind, node, captures, _, called = record
            if captures is None and called is None and node.id in item_level:
                if keep and kind == "macro":
                    self.scan.item_macros.append((node, snippet))
                continue
            kept.append(record)
        return kept

    def _add_path_call(self, captures: dict, uses: dict[str, list[str]], records: list) -> None:
        """Record the `calls` rules a `Type::function(..)` call matches, its type named through
        the file's `use`s: `S::from` after `use std::string::String as S;`, `a::alloc` after
        `use std::alloc as a;`, and no longer `Vec::new` after `use crate::buf::Buf as Vec;`."""
        type_name = node_bytes(captures["type"][0]).decode()
        ctor = node_bytes(captures["ctor"][0]).decode()
        node = captures["match"][0]
        if type_name in uses:
            path = node.child_by_field_name("function").child_by_field_name("path")
            if path.type == "generic_type":
                path = path.child_by_field_name("type")
            if path.type == "identifier" or path.type == "type_identifier":  # the type is the path's head
                type_name = expand_alias([type_name], uses)[-1]
        rules = self.combined.by_call.get((type_name, ctor))
        if rules:
            values = (("type", type_name), ("ctor", ctor))
            called = tuple(path_segments(node.child_by_field_name("function").text))
            for rule in rules:
                records.append((node.start_byte, rule, node, None, values, called))

    def _imported_names(
        self, uses: dict[str, list[str]], globs: list[list[str]], bindings: list | None,
    ) -> dict[str, tuple[str, str]]:
        """Names the file imports that are functions a `calls` rule flags, with the (module,
        function) they stand for: `grab` after `use std::alloc::alloc as grab;`, and `alloc`,
        `realloc`... after `use std::alloc::*;`. Computed once per file: the file's own tree
        comes first, its macro arguments (scanned with `bindings` None) reuse the answer."""
        cached = self._imported.get(id(uses))
        if cached is not None and cached[0] is uses:
            return cached[1]
        by_call = self.combined.by_call
        found: dict[str, tuple[str, str]] = {}
        modules = []  # what the globs import from: `use std::alloc::{self, *}` binds no function
        for glob in globs:
            target = expand_alias(glob, uses)
            if target and target[0] in EXTERNAL_ROOTS:
                modules.append(target)
                for key in by_call:
                    if key[0] == target[-1]:
                        found[key[1]] = key
        named: dict[str, bool] = {}  # name -> whether one of its bindings is a flagged function
        for name, path in bindings if bindings is not None else uses.items():
            target = expand_alias(path, uses)
            key = (target[-2], target[-1]) if len(target) >= 2 else None
            if key is not None and key in by_call:
                found[name] = key
                named[name] = True
            elif target not in modules:
                named.setdefault(name, False)
        for name, flagged in named.items():
            if not flagged:
                found.pop(name, None)  # imported by name from elsewhere: not what a glob brings in
        self._imported[id(uses)] = (uses, found)
        return found

    def _scan_macro_arguments(self, fn: FnDef, args: Node, source: bytes, snippet: Snippet, depth: int) -> None:
        # Arguments without `(` or `!` hold no call, method call or nested macro: nothing to see.
        inside = source[args.start_byte + 1 : args.end_byte - 1]
        if b"(" not in inside and b"!" not in inside:
            return
        parsed = reparse_token_tree(source, args)
        if parsed is not None:
            tree, text, shift = parsed
            inner = Snippet(snippet.file, snippet.file_index, snippet.shift.then(shift))
            fn.macro_snippets = appended(fn.macro_snippets, (tree.root_node, inner))
            self._scan_tree(tree.root_node, text, inner, owner=fn, module=fn.module, depth=depth + 1)

    # -- items --------------------------------------------------------------------------------

    def _new_fn(self, node: Node, name: str, snippet: Snippet, module: tuple[str, ...], template: str | None,
                context: "_FnContext") -> FnDef | None:
        """Register a function, or return None when `#[cfg]` leaves it (or its mod/impl) out of wasm32."""
        index = self.scan.index
        attributes, around = context.attributes, context.around
        if around.excluded or cfg_excludes_wasm(attributes, self.build):
            return None
        inner_module, impl_node = around.modules, around.impl
        trait_default = impl_node is not None and impl_node.type == "trait_item"
        if impl_node is not None and trait_default:
            impl_type: str | None = field_text(impl_node, "name")  # a default method of the trait
        else:
            impl_type = type_name(impl_node.child_by_field_name("type")) if impl_node is not None else None
        exports = exports_of(node, name, impl_node, around.impl_attributes, attributes, around.conditions, self.build)
        fn = FnDef(
            index=len(index.fns),
            name=name,
            module=module + inner_module,
            impl_type=impl_type,
            file_index=snippet.file_index,
            node=node,
            snippet=snippet,
            template=template,
            trait_default=trait_default,
        )
        if not exports:
            pass  # the shared empty defaults (most fns export nothing)
        elif template is None:
            fn.exports = exports
        else:
            fn.exports_template = exports  # their symbols name the template's metavariables
        index.add(fn)
        return fn

    def _add_struct(self, captures: dict) -> None:
        fields: dict[str, str | None] = {}
        for declaration in captures["body"][0].named_children:
            if declaration.type == "field_declaration":
                name = declaration.child_by_field_name("name")
                if name is not None:
                    fields[node_text(name)] = type_text(declaration.child_by_field_name("type"))
        self.scan.index.add_struct(node_text(captures["name"][0]), fields)

    def _add_template(self, definition: Node, source: bytes, snippet: Snippet, module: tuple[str, ...]) -> None:
        text = node_bytes(definition)
        if b"no_mangle" not in text and b"export_name" not in text:
            return
        name = field_text(definition, "name")
        fns: list[FnDef] = []
        bindings: list[str] = []
        for rule in (c for c in definition.named_children if c.type == "macro_rule"):
            transcriber = rule.child_by_field_name("right")
            matcher = rule.child_by_field_name("left")
            if not bindings and matcher is not None:
                bindings = _bindings(matcher)
            if transcriber is None:
                continue
            parsed = reparse_items(source, transcriber)
            if parsed is None:
                continue
            tree, text, shift = parsed
            inner = Snippet(snippet.file, snippet.file_index, snippet.shift.then(shift))
            fns.extend(
                fn for fn in self._scan_tree(tree.root_node, text, inner, owner=None, module=module, depth=1, template=name)
                if fn.exports_template
            )
        if fns:
            self.scan.templates[name] = Template(name, fns, bindings)


_ATTRIBUTE_SIBLINGS = ("attribute_item", "line_comment", "block_comment")


class _Siblings:
    """Each parent's children, listed once per tree: the neighbours of an item are read from the
    list (tree-sitter's `prev_sibling` and `next_sibling` cost time per level of depth)."""

    def __init__(self) -> None:
        self._lists: dict[int, tuple[list[Node], dict[int, int]]] = {}

    def around(self, node: Node, parent: Node) -> tuple[list[Node], int]:
        """The children of `parent`, and where `node` is among them."""
        found = self._lists.get(parent.id)
        if found is None:
            children = parent.children
            found = self._lists[parent.id] = (children, {child.id: i for i, child in enumerate(children)})
        children, where = found
        return children, where[node.id]

    def attributes(self, item: Node, parent: Node) -> list[Node]:
        """The outer attributes written above `item`."""
        children, position = self.around(item, parent)
        return outer_attributes(children, position)


@dataclass(frozen=True)
class _Around:
    """What the blocks around a point say: its inline `mod` path, the `impl`/`trait` block it is
    a function of (none across a fn body), whether a `#[cfg]` on one of them leaves it out of the
    build, and the true cfgs of those blocks (outermost first)."""

    modules: tuple[str, ...] = ()
    impl: Node | None = None
    impl_attributes: tuple[Node, ...] = ()
    excluded: bool = False
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class _FnContext:
    around: _Around
    attributes: list[Node]  # the function's own outer attributes


def _contexts(fns: list[tuple[Node, Node]], blocks: list[tuple[Node, Node]], siblings: _Siblings,
              build: BuildCfg) -> dict[int, _FnContext]:
    """Each function's context (by node id), from the blocks and functions around it: items nest,
    so a sweep in order of position with a stack finds them, in time linear in their number."""
    spans = sorted(((node.start_byte, node.end_byte, (node, parent)) for node, parent in fns + blocks),
                   key=lambda span: (span[0], -span[1]))
    outer = _enclosing(spans)
    arounds: list[_Around] = []
    contexts: dict[int, _FnContext] = {}
    for position, (_, _, (node, parent)) in enumerate(spans):
        around = arounds[outer[position]] if outer[position] >= 0 else _Around()
        attributes = siblings.attributes(node, parent)
        if node.type == "function_item":
            contexts[node.id] = _FnContext(around, attributes)
            # The impl around it is not that of the functions inside its body.
            arounds.append(dataclasses.replace(around, impl=None, impl_attributes=()))
            continue
        modules, impl, impl_attributes = around.modules, around.impl, around.impl_attributes
        if node.type == "mod_item":
            name = node.child_by_field_name("name")
            if name is not None:
                modules = modules + (node_text(name),)
        else:
            impl, impl_attributes = node, tuple(attributes)
        conditions = around.conditions
        cfgs = [node_text(a) for a in attributes if attribute_name(a) == "cfg"]
        if cfgs:
            conditions = conditions + conditions_of(cfgs, build)
        arounds.append(_Around(modules, impl, impl_attributes,
                               around.excluded or cfg_excludes_wasm(attributes, build), conditions))
    return contexts


def _cfg_excluded_spans(cfg_items: list[tuple[Node, Node]], siblings: _Siblings, build: BuildCfg) -> tuple[list[int], list[int]]:
    """Byte spans of the statements and items that a `#[cfg(...)]` (or `#[test]`) leaves out of
    the build, merged and sorted as (starts, ends).

    Computed once per tree from the attributes themselves: walking up from every match instead
    costs O(depth) per step in tree-sitter (a node does not store its parent), which made a long
    generated expression take minutes.
    """
    spans = []
    for item, parent in cfg_items:
        attribute = next((c for c in item.named_children if c.type == "attribute"), None)
        if attribute is None or not cfg_excludes_wasm([attribute], build):
            continue
        children, position = siblings.around(item, parent)
        # The statement or item the attribute is written above.
        target = next((c for c in children[position + 1:] if c.type not in _ATTRIBUTE_SIBLINGS), None)
        if target is not None:
            spans.append((target.start_byte, target.end_byte))
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(spans):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _inside(spans: tuple[list[int], list[int]], byte: int) -> bool:
    starts, ends = spans
    i = bisect.bisect_right(starts, byte) - 1
    return i >= 0 and byte < ends[i]


def _imported_calls(root: Node, imported: dict[str, tuple[str, str]], by_call: dict, records: list) -> None:
    """Calls of plain names the file imported from a flagged path (`alloc(layout)` after
    `use std::alloc::{alloc, Layout};`), found with the call graph's own query. Only files that
    import such a name pay for this walk."""
    for _, captures in bounded_cursor(calls_query()).matches(root):
        path = captures.get("path")
        if path is None:
            continue
        callee = path[0]
        if callee.type != "identifier":
            continue
        name = node_bytes(callee).decode()
        key = imported.get(name)
        if key is None:
            continue
        call = callee.parent
        if call is not None and call.type == "generic_function":
            call = call.parent
        if call is None:
            continue
        values = (("type", key[0]), ("ctor", key[1]))
        for rule in by_call[key]:
            records.append((call.start_byte, rule, call, None, values, (name,)))


_CLOSURE_KINDS = frozenset({"closure", "closurearg", "closurelet", "closurestore"})


def _closure_context(closures: dict[int, tuple[Node, ClosureSite]], kind: str, captures: dict) -> None:
    """Record what one pattern says of a closure's surroundings (patterns overlap: the innermost
    call it is an argument of, with the call that takes that call's value when there is one)."""
    node = captures["closure"][0]
    known = closures.get(node.id)
    site = known[1] if known is not None else ClosureSite()
    if kind == "closurearg":
        arguments = captures["args"][0]
        position = _position(arguments, node)
        if "outer" in captures:
            site = dataclasses.replace(site, callee=captures["callee"][0], position=position, outer=captures["outer"][0],
                                       outer_position=_position(captures["outerargs"][0], captures["inner"][0]))
        elif site.callee is None:
            site = dataclasses.replace(site, callee=captures["callee"][0], position=position)
    elif kind == "closurelet":
        site = dataclasses.replace(site, bound=node_text(captures["bound"][0]))
    elif kind == "closurestore":
        place = captures["place"][0]
        site = dataclasses.replace(site, stored="." + node_text(place) if place.type == "field_identifier" else _place_name(place))
    closures[node.id] = (node, site)


def _position(arguments: Node, argument: Node) -> int:
    return next((i for i, child in enumerate(arguments.named_children) if child.id == argument.id), 0)


def _place_name(place: Node) -> str:
    """The name a place is known by: `.hook` for `self.hook` (a field), `HOOK` for `HOOK`, `slot` for `*slot`."""
    while place.type in ("unary_expression", "parenthesized_expression", "index_expression") and place.named_child_count:
        place = place.named_children[0]
    if place.type == "field_expression":
        return "." + field_text(place, "field")
    return node_text(place)


# The nightly `box expr` (feature `box_syntax`, gone from today's rustc but in older crates).
# tree-sitter-rust 0.24 does not know it: `box x` parses as the identifier `box` beside an ERROR
# node, `box (x)` as a call of `box`, `box [..]` as an index expression. `box` is a reserved word
# (no item or variable can be called so), so the identifier `box` in code is always this
# expression: it is matched as `Box::new`. Looked for only in files that spell it.
_BOX_KEYWORD = re.compile(rb"box[ \t\r\n(\[&]")  # searched for the literal first: fast
_WORD_BYTE = re.compile(rb"\w")


def _spells_box(source: bytes) -> bool:
    """Whether the text has `box` as a word before an operand (most files have none: `Box`, `inbox`)."""
    return any(match.start() == 0 or not _WORD_BYTE.match(source, match.start() - 1)
               for match in _BOX_KEYWORD.finditer(source))
_BOX_QUERY = '((identifier) @box (#eq? @box "box"))'


@lru_cache(maxsize=1)
def _box_query() -> Query:
    return compile_query(_BOX_QUERY)


def _box_expressions(root: Node, rules: tuple[Rule, ...], records: list) -> None:
    values = (("type", "Box"), ("ctor", "new"))
    for _, captures in bounded_cursor(_box_query()).matches(root):
        keyword = captures["box"][0]
        for rule in rules:
            records.append((keyword.start_byte, rule, keyword, None, values, ("box",)))


def _macro_name(invocation: Node) -> str:
    """`format` for `format!(..)` and `std::format!(..)`."""
    return field_text(invocation, "macro").rsplit("::", 1)[-1]


def _has_arguments(invocation: Node) -> bool:
    arguments = _last_named_child(invocation)
    return arguments is not None and arguments.type == "token_tree" and arguments.named_child_count > 0


def _last_named_child(node: Node) -> Node | None:
    # Not `node.named_children[-1]`: py-tree-sitter keeps a list it built on the node, and the
    # node of every macro call is held until its file is scanned (a few bytes of dense code each).
    count = node.named_child_count
    return node.named_child(count - 1) if count else None


def _enclosing(spans: Sequence[tuple[int, int, object]]) -> list[int]:
    """For each span (start, end, item), sorted by start (the larger first on a tie), the index of
    the innermost span it is nested in, or -1: items nest, so the open ones form a stack."""
    parents: list[int] = []
    stack: list[int] = []
    for i, (_start, end, _) in enumerate(spans):
        while stack and spans[stack[-1]][1] < end:
            stack.pop()
        parents.append(stack[-1] if stack else -1)
        stack.append(i)
    return parents


def _innermost(fns: list[tuple[int, int, FnDef]], bytes_: list[int]) -> list[FnDef | None]:
    """For each byte, the innermost function (of `fns`, sorted by start) that holds it, or None:
    one sweep over both in order of position, with the functions open at each point on a stack."""
    found: list[FnDef | None] = [None] * len(bytes_)
    open_fns: list[tuple[int, int, FnDef]] = []
    following = 0
    for at in sorted(range(len(bytes_)), key=bytes_.__getitem__):
        byte = bytes_[at]
        while following < len(fns) and fns[following][0] <= byte:
            while open_fns and open_fns[-1][1] <= fns[following][0]:
                open_fns.pop()
            open_fns.append(fns[following])
            following += 1
        while open_fns and open_fns[-1][1] <= byte:
            open_fns.pop()
        found[at] = open_fns[-1][2] if open_fns else None
    return found


def _bindings(matcher: Node) -> list[str]:
    return [node_text(n)[1:] for n in _walk(matcher) if n.type == "metavariable"]


def _walk(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _macro_arguments(invocation: Node) -> list[str]:
    """The invocation's arguments split at top-level commas, as text."""
    tree = next((c for c in invocation.named_children if c.type == "token_tree"), None)
    if tree is None:
        return []
    parts: list[str] = []
    current: list[str] = []
    for child in tree.children[1:-1]:
        if child.type == ",":
            parts.append(" ".join(current))
            current = []
        else:
            current.append(node_text(child))
    if current:
        parts.append(" ".join(current))
    return parts


def _substitute(symbol: str, bindings: list[str], arguments: list[str]) -> str:
    """Turn a template's export name (`_name` for `$name`) into the name one invocation gives it."""
    if symbol.startswith("_") and symbol[1:] in bindings:
        position = bindings.index(symbol[1:])
        if position < len(arguments):
            return arguments[position].strip().strip('"')
        return arguments[0].strip() if arguments else symbol
    return symbol
