"""The host layer on one file: find its functions, learn which names hold the module's exports and
memory, then run the flow analysis from the top level and from every function nothing calls."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from bisect import bisect_left
from typing import Callable

from functools import cache

from tree_sitter import Node, Query

from wasmlint.host.flow import MAX_NESTING, FileContext, Flow, Function, Relevance
from wasmlint.host.parsing import HostFile, first_syntax_error, grammar_for, parse_host
from wasmlint.syntax import node_bytes, node_text
from wasmlint.host.values import (
    BUFFER, EXPORT_FN, EXPORTS, FOREIGN, FOREIGN_MODULE, GLUE_FN, GLUE_OBJECT, INSTANCE, MEMORY, RESULT, HostFacts, Val, View,
)
from wasmlint.treedepth import MAX_DEPTH, bounded_cursor, deeper_than

# A specifier that names the module itself: `./x_bg.wasm`, `pkg/x_bg` (bundlers resolve it to the
# .wasm), `./x.wasm`. `x_bg.js` is wasm-bindgen's JS glue, not the module.
_MODULE_SPECIFIER = re.compile(r"(?:_bg|\.wasm)$")
_WASM_STRING = re.compile(rb"""["'`]([^"'`\n]{1,300}?\.wasm)["'`]""")
# Tokens without which a file holds no view over Wasm memory: most of a large bundle is skipped.
_RELEVANT = re.compile(rb"\.buffer\b|WebAssembly|_bg\b|\.wasm\b|require\(\s*['\"]\.|from\s+['\"]\.")


# Reads a file a host imports: (importing file, relative specifier) -> (its display path, bytes).
ImportReader = Callable[[str, str], "tuple[str, bytes] | None"]


def analyze_host(display: str, source: bytes, read_import: ImportReader | None = None) -> HostFacts:
    """Stale view uses in one host file. With `read_import`, calls into the files it imports
    (`./helper.js`, `require('./load')`) are followed too; those files are then listed, with a
    digest of their bytes, in `dependencies` (a cached result holds only while they are unchanged)."""
    facts = HostFacts(display)
    facts.module_refs = _module_refs(source)
    facts.imports = list(dict.fromkeys(m.group(1).decode("utf-8", errors="replace") for m in _IMPORT.finditer(source)))
    facts.glue_stem = _glue_stem(display)
    host = parse_host(display, source)
    error = first_syntax_error(host.tree)
    if error is not None:
        row, byte_col = error.start_point
        detail = "missing `" + error.type + "`" if error.is_missing else "unexpected syntax"
        facts.parse_error = (row + 1, host.column(error.start_byte, byte_col), detail)
    if not _RELEVANT.search(source):
        return facts
    ctx = FileContext(source)
    if read_import is not None:
        ctx.load = _loader(display, read_import, {}, facts.dependencies)
    _collect(host, ctx)
    _learn_values(host, ctx)
    _run(host, ctx)
    # Nesting deeper than the queries or the flow look: the caller reports the file as partial.
    deep = deeper_than(host.tree.root_node)
    if deep is not None:
        _note_too_deep(facts, host, deep, f"its syntax tree is nested more than {MAX_DEPTH} levels deep")
    elif ctx.too_deep is not None:
        _note_too_deep(facts, host, ctx.too_deep, f"statements and expressions nested more than {MAX_NESTING} deep")
    elif ctx.entry_views_left_out and facts.parse_error is None:
        facts.parse_error = (1, 1, f"more than {MAX_ENTRY_VIEWS} views over memory.buffer kept beyond one call: "
                                   f"an entry point starts with the first {MAX_ENTRY_VIEWS} and those it names")
    facts.uses = sorted(ctx.uses, key=lambda u: (u.line, u.column))
    facts.exports_called = list(ctx.exports_called)
    return facts


def _note_too_deep(facts: HostFacts, host: HostFile, node: Node, what: str) -> None:
    if facts.parse_error is None:  # a syntax error, found first, already makes the file partial
        row, byte_col = node.start_point
        facts.parse_error = (row + 1, host.column(node.start_byte, byte_col), f"{what}: the code below is not analysed")


def _loader(importer: str, read_import: ImportReader, loaded: dict, dependencies: list):
    """Loads the files `importer` imports, each once per analysis, as contexts whose functions
    can be followed (their values learned, not their own stale uses)."""

    def load(specifier: str) -> FileContext | None:
        found = read_import(importer, specifier)
        if found is None:
            return None
        display, source = found
        if display not in loaded:
            loaded[display] = None  # a file importing itself back is not followed again
            dependencies.append((display, hashlib.sha256(source).hexdigest()))
            other = FileContext(source)
            other.load = _loader(display, read_import, loaded, dependencies)
            host = parse_host(display, source)
            _collect(host, other)
            _learn_values(host, other)
            loaded[display] = other
        return loaded[display]

    return load


def _module_refs(source: bytes) -> list[str]:
    refs = dict.fromkeys(m.group(1).decode("utf-8", errors="replace") for m in _WASM_STRING.finditer(source))
    for match in re.finditer(rb"""from\s+["']([^"'\n]+_bg)["']""", source):
        refs.setdefault(match.group(1).decode("utf-8", errors="replace") + ".wasm", None)
    return list(refs)


def _glue_stem(display: str) -> str | None:
    name = display.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    return stem[: -len("_bg")] if stem.endswith("_bg") else stem


_NAMING_WRAPPERS = ("parenthesized_expression", "as_expression")  # `const f = (x => x) as F;` still names f
_DECLARATIONS = ("function_declaration", "generator_function_declaration")


def _plain(node: Node, owner: Node | None) -> bool:
    """Whether a plain call `name()` reaches the function: a declaration, or a function bound to a
    variable (not a method, an object's property or a field, which are called on an object).
    `owner` is what the function is the value of (see `_owners`)."""
    if node.type in _DECLARATIONS:
        return True
    if owner is None:
        return False
    if owner.type == "variable_declarator":
        return True
    if owner.type == "assignment_expression":
        left = owner.child_by_field_name("left")
        return left is not None and left.type == "identifier"
    return False


def _function_name(node: Node, owner: Node | None) -> str:
    name = node.child_by_field_name("name")
    if name is not None:
        return node_text(name)
    if owner is not None:
        if owner.type == "variable_declarator":
            target = owner.child_by_field_name("name")
            return node_text(target) if target is not None else ""
        if owner.type == "assignment_expression":
            target = owner.child_by_field_name("left")
            return node_text(target).split(".")[-1] if target is not None else ""
        if owner.type in ("pair", "public_field_definition", "field_definition"):
            key = owner.child_by_field_name("key") or owner.child_by_field_name("name") or owner.child_by_field_name("property")
            return node_text(key) if key is not None else ""
    return ""


# What the layer needs of a file's structure, found by one query in C: walking every node of a
# large bundle in Python would cost more than parsing it, and asking a node for its parent costs
# its depth (tree-sitter walks down from the root to find it), which nested code makes quadratic.
# So whatever names a function or a class, and the class around each method, is captured from
# above, as the value of a declarator, an assignment, a property or a field.
_STRUCTURE = """
[(function_declaration) (generator_function_declaration) (function_expression) (generator_function)
 (arrow_function) (method_definition)] @function
(import_statement) @import
(variable_declarator name: (identifier) @declared)
[{classes}] @class
"""
_OWNED = "({owner} {field}: [{values}] @owned) @owner"
_OWNERS = (("variable_declarator", "value"), ("assignment_expression", "right"), ("pair", "value"),
           ("public_field_definition", "value"), ("field_definition", "value"))
_CLASSES = ("class_declaration", "class", "abstract_class_declaration")
_NAMED_VALUES = ("function_expression", "generator_function", "arrow_function", "class", *_NAMING_WRAPPERS)


@cache
def _structure_queries(grammar: str) -> tuple[Query, Query]:
    """The structure (its captures are all that is needed: cheaper than a match each) and the
    owners (whose matches pair each function or class with what names it)."""
    from wasmlint.host.parsing import language

    known = language(grammar)

    def kinds(names) -> list[str]:  # each grammar has its own node types (`as_expression` is TypeScript's)
        return [name for name in names if known.id_for_node_kind(name, True) is not None]

    values = " ".join(f"({kind})" for kind in kinds(_NAMED_VALUES))
    owned = [_OWNED.format(owner=owner, field=name, values=values) for owner, name in _OWNERS if kinds([owner])]
    text = _STRUCTURE.format(classes=" ".join(f"({kind})" for kind in kinds(_CLASSES)))
    return Query(known, text), Query(known, "\n".join(owned))


def _unwrapped(node: Node) -> Node:
    while node.type in _NAMING_WRAPPERS:
        inner = next((child for child in node.named_children if child.type != "comment"), None)
        if inner is None:
            break
        node = inner
    return node


def _owners(matches) -> dict[int, Node]:
    """Function and class node id -> the declarator, assignment, property or field it is the
    value of (through parentheses and `as`)."""
    owners: dict[int, Node] = {}
    for _, captures in matches:
        owned = captures.get("owned")
        if owned:
            owners[_unwrapped(owned[0]).id] = captures["owner"][0]
    return owners


def _class_names(classes: list[Node], owners: dict[int, Node]) -> dict[int, str]:
    """Method node id -> the name of the class whose body holds it."""
    names: dict[int, str] = {}
    for owner in classes:
        body = owner.child_by_field_name("body")
        if body is None:
            continue
        name = owner.child_by_field_name("name")
        label = (node_text(name) if name is not None
                 else _function_name(owner, owners.get(owner.id)) or f"class@{owner.start_byte}")
        for member in body.named_children:
            if member.type == "method_definition":
                names[member.id] = label
    return names


def _innermost_function(functions: list[Node], nodes: list[Node]) -> list[tuple[Node, Node | None]]:
    """Each node with the innermost of `functions` that holds it, in one sweep over both sorted by
    position (functions nest, so those open at a point form a stack)."""
    ordered = sorted(functions, key=lambda f: (f.start_byte, -f.end_byte))
    found: list[tuple[Node, Node | None]] = []
    open_functions: list[Node] = []
    next_function = 0
    for node in sorted(nodes, key=lambda n: n.start_byte):
        while next_function < len(ordered) and ordered[next_function].start_byte <= node.start_byte:
            function = ordered[next_function]
            next_function += 1
            while open_functions and open_functions[-1].end_byte <= function.start_byte:
                open_functions.pop()
            open_functions.append(function)
        while open_functions and open_functions[-1].end_byte < node.end_byte:
            open_functions.pop()
        found.append((node, open_functions[-1] if open_functions else None))
    return found


def _collect(host: HostFile, ctx: FileContext) -> None:
    """Every function, method and class of the file, and what the imports bring in."""
    structure, owned = _structure_queries(grammar_for(host.display))
    root = host.tree.root_node
    captures = bounded_cursor(structure).captures(root)
    owners = _owners(bounded_cursor(owned).matches(root))
    class_of = _class_names(captures.get("class", []), owners)
    functions = sorted(captures.get("function", []), key=lambda n: n.start_byte)
    for node in functions:
        kind = node.type
        owner = owners.get(node.id)
        name = _function_name(node, owner)
        cls = class_of.get(node.id) if kind == "method_definition" else None
        getter = kind == "method_definition" and any(c.type == "get" for c in node.children)
        function = Function(node, name, node.child_by_field_name("body"), class_name=cls, getter=getter)
        ctx.functions[node.id] = function
        if cls is not None:
            ctx.methods.setdefault(cls, {})[f"get {name}" if getter else name] = function
        elif name and _plain(node, owner):
            ctx.by_name.setdefault(name, []).append(function)
    _imports(sorted(captures.get("import", []), key=lambda n: n.start_byte), ctx)
    for declared, owner in _innermost_function(functions, captures.get("declared", [])):
        body = owner.child_by_field_name("body") if owner is not None else None
        if body is not None:
            ctx.declared.setdefault(body.id, set()).add(node_bytes(declared).decode())


_IMPORT = re.compile(rb"""(?:\bfrom|\bimport|\brequire\(|\bimport\()\s*["']([^"'\n]{1,200})["']""")
_INIT = re.compile(r"^(?:__wbg_)?init(?:Sync|Wasm)?$", re.I)


def _imports(nodes: list[Node], ctx: FileContext) -> None:
    """What the imports bring in. From the module itself (`./x_bg.wasm`, `pkg/x_bg`): its exports
    and memory. From a wasm-bindgen package (one whose `_bg` module or whose `init` the file also
    imports): glue functions and classes, whose calls reach the module's exports. Anything else
    is an ordinary import."""
    imported: list[tuple[str, str, str]] = []  # (specifier, imported name or "default" / "*", local)
    for node in nodes:
        source = node.child_by_field_name("source")
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if source is None or clause is None:
            continue
        specifier = node_text(source).strip("'\"`")
        for part in clause.named_children:
            if part.type == "namespace_import" and part.named_children:
                imported.append((specifier, "*", node_bytes(part.named_children[-1]).decode()))
            elif part.type == "identifier":
                imported.append((specifier, "default", node_bytes(part).decode()))
            elif part.type == "named_imports":
                for spec in part.named_children:
                    original = spec.child_by_field_name("name") if spec.type == "import_specifier" else None
                    if original is not None:
                        alias = spec.child_by_field_name("alias") or original
                        imported.append((specifier, node_bytes(original).decode(), node_bytes(alias).decode()))
    packages = {_package_of(spec) for spec, _, _ in imported if _MODULE_SPECIFIER.search(spec)}
    packages |= {spec for spec, name, local in imported
                 if (name == "default" and _INIT.match(local)) or _INIT.match(name)}
    for specifier, name, local in imported:
        if specifier.startswith(".") and not _MODULE_SPECIFIER.search(specifier) and specifier not in packages:
            # Another host file: its functions are followed when it can be read.
            ctx.globals[local] = Val(FOREIGN_MODULE, specifier) if name == "*" else Val(FOREIGN, f"{specifier}#{name}")
        elif _MODULE_SPECIFIER.search(specifier):
            if name in ("*", "default"):
                ctx.globals[local] = Val(EXPORTS)
            else:
                ctx.globals[local] = Val(MEMORY, name) if name == "memory" else Val(EXPORT_FN, name)
        elif specifier in packages or _package_of(specifier) in packages:
            if (name == "default" and _INIT.match(local)) or _INIT.match(name):
                ctx.globals[local] = Val(GLUE_FN, "__init__")
            elif name not in ("*", "default"):
                ctx.globals[local] = Val(GLUE_FN, name)


def _package_of(specifier: str) -> str:
    """`pkg/x_bg` -> `pkg`, `./pkg/x_bg.wasm` -> `./pkg`, `@scope/pkg/x` -> `@scope/pkg`."""
    parts = specifier.split("/")
    if specifier.startswith("."):
        return "/".join(parts[:-1]) or specifier
    return "/".join(parts[:2]) if specifier.startswith("@") else parts[0]


_NAME_BEFORE = re.compile(rb"(?<![\w$.])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)$")


def _learn_values(host: HostFile, ctx: FileContext) -> None:
    """Which names hold the exports, the memory or a view, wherever the file assigns them (the
    wasm-bindgen glue's `let wasm;` is assigned inside a function): two dry passes over the file."""
    # `X.memory.buffer` says X is the exports object, whatever its name (`wasm`, `this.exports`...).
    for match in re.finditer(rb"\.memory\.buffer", ctx.source):
        # The name before it, looked for in a bounded window: a regular expression anchored
        # anywhere would try every start inside a long run of word characters (base64 blobs).
        before = _NAME_BEFORE.search(ctx.source[max(0, match.start() - 128):match.start()])
        if before is None:
            continue
        name = before.group(1).decode()
        if name == "this":
            continue
        if name.startswith("this."):
            ctx.globals.setdefault(name, Val(EXPORTS))
        elif "." not in name:
            ctx.globals.setdefault(name, Val(EXPORTS))
    # Only functions that name something about the module can bind one of these (a second pass
    # picks up names the first learned: `const w = wasm` in one function, `w.memory` in another).
    learned = -1
    for _ in range(2):
        if learned == len(ctx.globals) + len(ctx.long_lived):
            break
        learned = len(ctx.globals) + len(ctx.long_lived)
        relevance = _relevant_words(ctx)
        # Learning needs only the statements that can bind such a value: they name one.
        ctx.relevant = relevance
        bodies: list[tuple[Node, Function | None]] = [(host.tree.root_node, None)] + [
            (f.body, f) for f in ctx.functions.values()
            if f.body is not None and relevance.within(f.body.start_byte, f.body.end_byte)]
        for body, function in bodies:
            flow = Flow(ctx, {}, {}, dry=True, this_class=function.class_name if function else None)
            flow.locals_declared = _declared(ctx, body) if function is not None else set()
            if function is not None:
                flow.bind_params(function, [], flow)
            if body.type in ("statement_block", "program"):
                flow.stmt(body)
            else:
                flow.expr(body)
            for key, view in flow.state.items():
                if function is None or "." in key or key not in flow.locals_declared:
                    ctx.long_lived.setdefault(key, view)


# Functions a host runs when memory grows, to re-create its long-lived views: Emscripten's
# `updateMemoryViews` / `growMemory`, Go's `runtime.resetMemoryDataView`, hand-written `onGrow`.
_CALLED_NAME = re.compile(rb"(?<![\w$])([A-Za-z_$][\w$]*)\s*\(")  # from word starts only: linear on long words
_GROW_CALL = re.compile(rb"\.grow\(")
_REFRESH_NAME = re.compile(r"(?i)resize|grow|(update|reset|refresh|rebuild).*(view|heap|memory|buffer)")


def _refreshed_on_growth(ctx: FileContext) -> set[str]:
    """Long-lived view holders that a growth handler re-creates: a function named like one, one
    that calls `memory.grow` itself, or a function either of them calls."""
    if not ctx.long_lived:
        return set()
    # Positions found once for the whole file: searching each function's text anew would read
    # nested functions' text once per enclosing function (quadratic in the nesting).
    grow_calls = [match.span() for match in _GROW_CALL.finditer(ctx.source)]
    handlers = [(f, 0) for f in ctx.functions.values()
                if f.body is not None and (_REFRESH_NAME.search(f.name)
                                           or _any_within(grow_calls, f.body.start_byte, f.body.end_byte))]
    calls = _CallsInHandlers(ctx.source, [(body.start_byte, body.end_byte) for f, _ in handlers if (body := f.body) is not None])
    seen: set[int] = set()
    refreshed: set[str] = set()
    while handlers:
        function, depth = handlers.pop()
        body = function.body
        if function.node.id in seen or body is None:  # None: a signature only
            continue
        seen.add(function.node.id)
        flow = Flow(ctx, {}, {}, dry=True, this_class=function.class_name)
        flow.bind_params(function, [], flow)
        flow.stmt(body) if body.type == "statement_block" else flow.expr(body)
        refreshed |= {key for key in flow.state if key in ctx.long_lived}
        if depth == 0:  # the handler and what it calls (`growMemory` -> `updateMemoryViews`)
            for name in calls.not_yet_read(body.start_byte, body.end_byte):
                handlers.extend((f, 1) for f in ctx.by_name.get(name, ()))
    return refreshed


def _any_within(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether one of the sorted, disjoint `spans` lies in [start, end)."""
    at = bisect_left(spans, (start, start))
    return at < len(spans) and spans[at][1] <= end


class _CallsInHandlers:
    """The calls `name(` in growth handlers' bodies, each read once in all.

    A handler nested in another shares its calls: the enclosing one, read later (handlers are
    taken last first), would read them again. By then every function those calls name has been
    run (whatever was pushed after a handler is popped before it), so skipping them changes
    nothing but the cost.
    """

    def __init__(self, source: bytes, ranges: list[tuple[int, int]]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.names: list[str] = []
        outermost: list[tuple[int, int]] = []
        for start, end in sorted(ranges):
            if outermost and start < outermost[-1][1]:
                outermost[-1] = (outermost[-1][0], max(end, outermost[-1][1]))
            else:
                outermost.append((start, end))
        for start, end in outermost:
            for call in _CALLED_NAME.finditer(source, start, end):
                self.starts.append(call.start())
                self.ends.append(call.end())
                self.names.append(call.group(1).decode())
        self._next = list(range(len(self.starts) + 1))  # the next call not yet read, at or after each

    def _unread(self, position: int) -> int:
        following = self._next
        root = position
        while following[root] != root:
            root = following[root]
        while following[position] != root:  # shorten the way for later look-ups
            following[position], position = root, following[position]
        return root

    def not_yet_read(self, start: int, end: int):
        """The names called in [start, end) that no earlier range included."""
        at = self._unread(bisect_left(self.starts, start))
        while at < len(self.starts) and self.starts[at] < end:
            if self.ends[at] <= end:
                yield self.names[at]
                self._next[at] = at + 1
            at = self._unread(at + 1)


# Long-lived views every entry point (exported function, method, handler) starts with, at most.
MAX_ENTRY_VIEWS = 64

# Below this size every statement is analysed; above it (bundles), statements that name nothing
# relevant are skipped, at the price of missing a call into the module made through a name the
# file binds only locally (a parameter holding the exports, say).
WHOLE_FILE_LIMIT = 512 * 1024


# Values that come from the module: a name holding one makes the code that names it matter.
_MODULE_KINDS = frozenset({EXPORTS, MEMORY, EXPORT_FN, GLUE_FN, GLUE_OBJECT, INSTANCE, RESULT, BUFFER})


def _relevant_pattern(ctx: FileContext) -> Relevance | None:
    """Where code matters (`_relevant_words`); None for a file small enough to run whole."""
    if len(ctx.source) < WHOLE_FILE_LIMIT:
        return None
    return _relevant_words(ctx)


def _relevant_words(ctx: FileContext) -> Relevance:
    """Where code matters: memory and view words, the names that hold the exports, the memory or
    a view, and the names of the file's functions that contain any of these (to a fixpoint, so
    that calling one is seen)."""
    names = {name.split(".")[-1] for name, value in ctx.globals.items() if value.kind in _MODULE_KINDS}
    names |= {key.split(".")[-1] for key in ctx.long_lived}
    relevance = ctx.words
    if relevance is None:
        relevance = ctx.words = Relevance(ctx.source, names)
    else:
        relevance.add(names - ctx.words_added)
    ctx.words_added |= names
    functions = [(f, f.body) for plain in ctx.by_name.values() for f in plain if f.body is not None]
    for _ in range(4):
        # Short names are left out: in minified code they name a different function in every
        # scope, so that calls to them would make everything relevant.
        grown = {f.name for f, body in functions if len(f.name) > 2 and f.name not in ctx.words_added
                 and relevance.within(body.start_byte, body.end_byte)}
        if not grown:
            break
        ctx.words_added |= grown
        relevance.add(grown)
    return relevance


def _declared(ctx: FileContext, body: Node) -> set[str]:
    """Names declared directly in a function body (not in nested functions); `_collect` filled
    the table from its query."""
    return ctx.declared.get(body.id, set())


class _EntryViews:
    """The long-lived views an entry point (exported function, method, handler) starts with, stale:
    all of them, or past MAX_ENTRY_VIEWS the first ones made and those its own code names. Each
    entry point carries its views through every statement and call: thousands of them (generated
    code) would cost their number for each entry point."""

    def __init__(self, holders: list[tuple[str, View]], words: Relevance | None) -> None:
        self.holders = holders
        self.words = words
        self.capped = len(holders) > MAX_ENTRY_VIEWS and words is not None
        self.first = sorted(holders, key=lambda item: (item[1].line, item[0]))[:MAX_ENTRY_VIEWS]
        self.named: dict[bytes, list[tuple[str, View]]] = {}
        for key, made in holders:
            self.named.setdefault(key.rsplit(".", 1)[-1].encode(), []).append((key, made))

    def for_body(self, body: Node) -> list[tuple[str, View]]:
        if not self.capped or self.words is None:
            return self.holders
        chosen = dict(self.first)
        for word in set(self.words.words_within(body.start_byte, body.end_byte)):
            chosen.update(self.named.get(word, ()))
        return sorted(chosen.items())

    @property
    def left_out(self) -> int:
        return len(self.holders) - MAX_ENTRY_VIEWS if self.capped else 0


def _run(host: HostFile, ctx: FileContext) -> None:
    # Summaries first: a function that nothing calls may run after any call into the module.
    ctx.relevant = _relevant_pattern(ctx)
    ctx.refreshed = _refreshed_on_growth(ctx)
    # The dry passes saw every call into the module the file writes: a function that nothing
    # calls may run after any of them.
    Flow(ctx, {}).stmt(host.tree.root_node)
    entry_grows = tuple(dataclasses.replace(grow, earlier=True) for grow in ctx.all_grows[:16])
    # Views are copied before they change: one stale view per holder serves every entry point.
    holders = [(key, View(made.ctor, made.line, made.text, entry_grows, from_entry=True))
               for key, made in sorted(ctx.long_lived.items()) if key not in ctx.refreshed]
    entry_views = _EntryViews(holders, ctx.words)
    ctx.entry_views_left_out = entry_views.left_out
    for function in sorted(ctx.functions.values(), key=lambda f: f.node.start_byte):
        # A method is API: besides the calls followed into it, it may run after any call into the
        # module. A plain function the file calls is judged where it is called.
        if function.body is None or (function.called and function.class_name is None):
            continue
        # Every long-lived view, not only those the function names: the functions it calls may
        # use them.
        assert ctx.words is not None  # _learn_values built them
        if not ctx.words.within(function.body.start_byte, function.body.end_byte):
            continue  # names nothing of the module, no long-lived view, no function that does
        state = dict(entry_views.for_body(function.body)) if entry_grows else {}
        flow = Flow(ctx, state, this_class=function.class_name)
        flow.bind_params(function, [], flow)
        for name in _declared(ctx, function.body):
            if name in flow.state and "." not in name:
                flow.state.pop(name)
        body = function.body
        flow.stmt(body) if body.type == "statement_block" else flow.expr(body)
