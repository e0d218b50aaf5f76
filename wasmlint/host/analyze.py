"""The host layer on one file: find its functions, learn which names hold the module's exports and
memory, then run the flow analysis from the top level and from every function nothing calls."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any, Callable

from functools import cache

from tree_sitter import Node, Query

from wasmlint.host.domain import ExportFn, Exports, Foreign, GlueFn, Memory, forget_values, one
from wasmlint.host.embedded import EmbeddedLiteral
from wasmlint.host.calls import (
    CALLBACK_BUDGET, INLINE_BUDGET, LARGE_INLINE_BUDGET, LARGE_MAX_DEPTH, MAX_DEPTH as MAX_CALL_DEPTH, SMALL_FILE,
)
from wasmlint.host.entries import run_program
from wasmlint.host.growth_handlers import mark_growth_handlers
from wasmlint.host.captures import forget_flattened
from wasmlint.host.held import forget_held
from wasmlint.host.interp import MAX_NESTING
from wasmlint.host.parsing import HostFile, first_syntax_error, grammar_for, parse_host, syntax_error_detail
from wasmlint.host.program import ROOT, ClassRef, FunctionRef, Program
from wasmlint.host.relevance import Relevance
from wasmlint.host.values import HostFacts
from wasmlint.syntax import node_key, node_bytes, node_text
from wasmlint.treedepth import MAX_DEPTH, bounded_cursor, deeper_than

# A specifier that names the module itself: `./x_bg.wasm`, `pkg/x_bg` (bundlers resolve it to the
# .wasm), `./x.wasm`. `x_bg.js` is wasm-bindgen's JS glue, not the module.
_MODULE_SPECIFIER = re.compile(r"(?:_bg|\.wasm)$")
_WASM_STRING = re.compile(rb"""["'`]([^"'`\n]{1,300}?\.wasm)["'`]""")
# Tokens without which a file holds no view over Wasm memory: most of a large bundle is skipped.
_RELEVANT = re.compile(rb"\.buffer\b|WebAssembly|_bg\b|\.wasm\b|require\(\s*['\"]\.|from\s+['\"]\.")


# Reads a file a host imports: (importing file, relative specifier) -> (its display path, bytes).
ImportReader = Callable[[str, str], "tuple[str, bytes] | None"]


def _forget_caches() -> None:
    """Empty the caches kept by a value's identity: they keep the values they answered for alive, so
    one host's analysis must neither hold the last one's values nor find its caches full of them."""
    forget_values()
    forget_flattened()
    forget_held()


def analyze_host(display: str, source: bytes, read_import: ImportReader | None = None,
                 parsed: HostFile | None = None, carried: Sequence[EmbeddedLiteral] = (),
                 module: Any = None) -> HostFacts:
    """Stale view uses in one host file. With `read_import`, calls into the files it imports
    (`./helper.js`, `require('./load')`) are followed too; those files are then listed, with a
    digest of their bytes, in `dependencies` (a cached result holds only while they are unchanged).
    `parsed`: the file already parsed by the caller (parsed here otherwise). `carried`: the modules
    its text carries (`host.embedded`): data, neither code to weigh its size by nor to run.
    `module`: the facts of the module it loads, where known (which calls grow memory for sure:
    `must.py`)."""
    facts = HostFacts(display)
    facts.module_refs = _module_refs(source)
    facts.imports = list(dict.fromkeys(m.group(1).decode("utf-8", errors="replace") for m in _IMPORT.finditer(source)))
    facts.glue_stem = _glue_stem(display)
    host = parsed if parsed is not None else parse_host(display, source)
    error = first_syntax_error(host.tree)
    if error is not None:
        row, byte_col = error.start_point
        detail = syntax_error_detail(error, source)
        facts.parse_error = (row + 1, host.column(error.start_byte, byte_col), detail)
    if not _RELEVANT.search(source):
        return facts
    program = _program(host, len(source) - sum(end - start for literal in carried for start, end in literal.spans))
    program.carried = frozenset(literal.spans[0][0] for literal in carried if literal.encoding == "bytes")
    if read_import is not None:
        program.load = _loader(display, read_import, {}, facts.dependencies)
    program.module = module
    _forget_caches()
    try:
        run_program(program, host.tree.root_node)
    finally:
        _forget_caches()
    facts.must_undecided = program.must_undecided
    # Nesting deeper than the queries or the interpreter look: the caller reports the file as partial.
    deep = deeper_than(host.tree.root_node)
    if deep is not None:
        _note_too_deep(facts, host, deep, f"its syntax tree is nested more than {MAX_DEPTH} levels deep")
    elif program.too_deep is not None:
        _note_too_deep(facts, host, program.too_deep, f"statements and expressions nested more than {MAX_NESTING} deep")
    facts.uses = _innermost(program.uses)
    facts.exports_called = list(program.exports_called)
    return facts


def _innermost(uses: dict) -> list:
    """The stale uses, in order, without one that holds another (`decode(view.slice())` is one
    use of the view: the `slice`)."""
    spans = sorted(uses, key=lambda span: (span[0], -span[1]))
    kept = []
    for i, (start, end) in enumerate(spans):
        following = i + 1  # spans starting inside this one come next (sorted by start)
        while following < len(spans) and spans[following][0] < end and spans[following][1] > end:
            following += 1
        if following < len(spans) and spans[following][0] < end:
            continue  # holds another use
        kept.append(uses[(start, end)])
    return sorted(kept, key=lambda u: (u.line, u.column))


def _program(host: HostFile, code_size: int = -1) -> Program:
    """A file's functions, classes, scopes and imported values, ready to run. `code_size`: how much
    of it is code, which decides how far it is followed (a small host carrying a large module is
    still a small host)."""
    program = Program(host.source, host.tree.root_node, code_size)
    _collect(host, program)
    _learn_names(program)
    mark_growth_handlers(program)
    program.relevance = _relevance(program)
    if program.code_size > SMALL_FILE:
        program.limits = (LARGE_MAX_DEPTH, LARGE_INLINE_BUDGET, LARGE_INLINE_BUDGET)
        program.small = False
    else:
        program.limits = (MAX_CALL_DEPTH, INLINE_BUDGET, CALLBACK_BUDGET)
    return program


def _note_too_deep(facts: HostFacts, host: HostFile, node: Node, what: str) -> None:
    if facts.parse_error is None:  # a syntax error, found first, already makes the file partial
        row, byte_col = node.start_point
        facts.parse_error = (row + 1, host.column(node.start_byte, byte_col), f"{what}: the code below is not analysed")


def _loader(importer: str, read_import: ImportReader, loaded: dict, dependencies: list):
    """Loads the files `importer` imports, each once per analysis, as programs whose functions
    can be followed (their values learned, not their own stale uses)."""

    def load(specifier: str) -> Program | None:
        found = read_import(importer, specifier)
        if found is None:
            return None
        display, source = found
        if display not in loaded:
            loaded[display] = None  # a file importing itself back is not followed again
            dependencies.append((display, hashlib.sha256(source).hexdigest()))
            other = _program(parse_host(display, source))
            other.load = _loader(display, read_import, loaded, dependencies)
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
(export_statement) @export
(variable_declarator name: (identifier) @declared)
[{classes}] @class
"""
_OWNED = "({owner} {field}: [{values}]) @owner"
_OWNERS = (("variable_declarator", "value"), ("assignment_expression", "right"), ("pair", "value"),
           ("public_field_definition", "value"), ("field_definition", "value"))
_OWNER_FIELDS = dict(_OWNERS)
_CLASSES = ("class_declaration", "class", "abstract_class_declaration")
_NAMED_VALUES = ("function_expression", "generator_function", "arrow_function", "class", *_NAMING_WRAPPERS)


@cache
def _structure_query(grammar: str) -> Query:
    """The structure and the owners, in one query run once over the tree (its captures are all
    that is needed: cheaper than a match each; an owner's value is found again by its field)."""
    from wasmlint.host.parsing import language

    known = language(grammar)

    def kinds(names) -> list[str]:  # each grammar has its own node types (`as_expression` is TypeScript's)
        return [name for name in names if known.id_for_node_kind(name, True) is not None]

    values = " ".join(f"({kind})" for kind in kinds(_NAMED_VALUES))
    owned = [_OWNED.format(owner=owner, field=name, values=values) for owner, name in _OWNERS if kinds([owner])]
    text = _STRUCTURE.format(classes=" ".join(f"({kind})" for kind in kinds(_CLASSES)))
    return Query(known, text + "\n".join(owned))


def _unwrapped(node: Node) -> Node:
    while node.type in _NAMING_WRAPPERS:
        inner = next((child for child in node.named_children if child.type != "comment"), None)
        if inner is None:
            break
        node = inner
    return node


def _owners(owner_nodes: list[Node]) -> dict[int, Node]:
    """Function and class node id -> the declarator, assignment, property or field it is the
    value of (through parentheses and `as`)."""
    owners: dict[int, Node] = {}
    for owner in owner_nodes:
        owned = owner.child_by_field_name(_OWNER_FIELDS[owner.type])
        if owned is not None:
            owners[node_key(_unwrapped(owned))] = owner
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
                 else _function_name(owner, owners.get(node_key(owner))) or f"class@{owner.start_byte}")
        for member in body.named_children:
            if member.type == "method_definition":
                names[node_key(member)] = label
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


def _enclosing(nodes: list[Node]) -> dict[int, int]:
    """Each of `nodes` (functions and classes) -> the innermost other one holding it (ROOT: none),
    in one sweep by position (they nest, so those open at a point form a stack)."""
    ordered = sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
    parents: dict[int, int] = {}
    open_nodes: list[Node] = []
    for node in ordered:
        while open_nodes and open_nodes[-1].end_byte <= node.start_byte:
            open_nodes.pop()
        parents[node_key(node)] = node_key(open_nodes[-1]) if open_nodes else ROOT
        open_nodes.append(node)
    return parents


def _collect(host: HostFile, program: Program) -> None:
    """Every function, method and class of the file, the scopes names are declared in, and what
    the imports bring in."""
    root = host.tree.root_node
    captures = bounded_cursor(_structure_query(grammar_for(host.display))).captures(root)
    owners = _owners(captures.get("owner", []))
    functions = sorted(captures.get("function", []), key=lambda n: n.start_byte)
    class_nodes = captures.get("class", [])
    parents = _enclosing(functions)
    scope_of_class = _enclosing_function(functions, class_nodes)
    ids: dict[int, int] = {}  # a function's key -> its FunctionRef's (one int for both tables)
    for node in functions:
        key = node_key(node)
        owner = owners.get(key)
        name = _function_name(node, owner)
        scope = parents.get(key, ROOT)
        scope = ids.get(scope, scope)  # (the enclosing function's own number object)
        function = FunctionRef(node, name, node.child_by_field_name("body"), scope)
        key = function.id  # (the same number object everywhere it is kept)
        ids[key] = key
        program.functions[key] = function
        program.parent_of[key] = scope
        if node.type in _DECLARATIONS and name:
            program.declare(scope, name)
            program.declared_functions.setdefault((scope, name), key)
        if owner is not None and owner.type == "variable_declarator" and name:
            program.declare(scope, name)
    for node in class_nodes:
        _collect_class(node, owners.get(node_key(node)), scope_of_class.get(node_key(node), ROOT), program)
    for declared, owner in _innermost_function(functions, captures.get("declared", [])):
        program.declare(node_key(owner) if owner is not None else ROOT, node_bytes(declared).decode())
    for node in captures.get("export", []):
        declaration = node.child_by_field_name("declaration")
        if declaration is not None and (node_key(declaration) in program.functions or declaration.type in _CLASSES):
            program.exported.add(node_key(declaration))
    _imports(sorted(captures.get("import", []), key=lambda n: n.start_byte), program)


def _enclosing_function(functions: list[Node], nodes: list[Node]) -> dict[int, int]:
    return {node_key(node): (node_key(owner) if owner is not None else ROOT) for node, owner in _innermost_function(functions, nodes)}


def _collect_class(node: Node, owner: Node | None, scope: int, program: Program) -> None:
    name_node = node.child_by_field_name("name")
    name = node_text(name_node) if name_node is not None else _function_name(node, owner) or f"class@{node.start_byte}"
    cls = ClassRef(node, name, scope)
    heritage = next((c for c in node.named_children if c.type == "class_heritage"), None)
    if heritage is not None:
        parent = next((c for c in heritage.named_children if c.type in ("identifier", "extends_clause")), None)
        if parent is not None and parent.type == "extends_clause":
            parent = parent.child_by_field_name("value") or (parent.named_children[0] if parent.named_children else None)
        if parent is not None and parent.type == "identifier":
            cls.superclass = node_text(parent)
    program.classes[node_key(node)] = cls
    if name_node is not None and node.type != "class":
        program.declare(scope, name)
        program.declared_functions.setdefault((scope, name), node_key(node))
    body = node.child_by_field_name("body")
    for member in body.named_children if body is not None else ():
        if member.type == "method_definition":
            function = program.functions.get(node_key(member))
            key = member.child_by_field_name("name")
            if function is None or key is None:
                continue
            label = node_text(key)
            function.class_id = node_key(node)
            words = {c.type for c in member.children}
            if "get" in words:
                function.kind, table = "getter", cls.getters
            elif "set" in words:
                function.kind, table = "setter", cls.setters
            elif "static" in words:
                function.kind, table = "static", cls.statics
            else:
                function.kind, table = ("constructor" if label == "constructor" else "method"), cls.methods
            table[label] = function
            function.name = f"{name}.{label}"
        elif member.type in ("field_definition", "public_field_definition"):
            if not any(c.type == "static" for c in member.children):
                cls.fields.append(member)


_IMPORT = re.compile(rb"""(?:\bfrom|\bimport|\brequire\(|\bimport\()\s*["']([^"'\n]{1,200})["']""")
_INIT = re.compile(r"^(?:__wbg_)?init(?:Sync|Wasm)?$", re.I)


def _imports(nodes: list[Node], program: Program) -> None:
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
            program.globals[local] = one(Foreign(specifier) if name == "*" else Foreign(specifier, name))
        elif _MODULE_SPECIFIER.search(specifier):
            if name in ("*", "default"):
                program.globals[local] = one(Exports())
            else:
                program.globals[local] = one(Memory() if name == "memory" else ExportFn(name))
        elif specifier in packages or _package_of(specifier) in packages:
            if (name == "default" and _INIT.match(local)) or _INIT.match(name):
                program.globals[local] = one(GlueFn("__init__"))
            elif name not in ("*", "default"):
                program.globals[local] = one(GlueFn(name))


def _package_of(specifier: str) -> str:
    """`pkg/x_bg` -> `pkg`, `./pkg/x_bg.wasm` -> `./pkg`, `@scope/pkg/x` -> `@scope/pkg`."""
    parts = specifier.split("/")
    if specifier.startswith("."):
        return "/".join(parts[:-1]) or specifier
    return "/".join(parts[:2]) if specifier.startswith("@") else parts[0]


_NAME_BEFORE = re.compile(rb"(?<![\w$.])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)$")


def _learn_names(program: Program) -> None:
    """`X.memory.buffer` says X is the exports object, whatever its name (`wasm`, `this.exports`...):
    a top-level name holds it where nothing else is known, a `this.X` read holds it too."""
    source = program.source
    for match in re.finditer(rb"\.memory\.buffer", source):
        # The name before it, looked for in a bounded window: a regular expression anchored
        # anywhere would try every start inside a long run of word characters (base64 blobs).
        before = _NAME_BEFORE.search(source[max(0, match.start() - 128):match.start()])
        if before is None:
            continue
        name = before.group(1).decode()
        if name.startswith("this."):
            program.learned_exports.add(name[len("this."):])
        elif "." not in name and name != "this":
            program.globals.setdefault(name, one(Exports()))


# Below this size every statement is analysed; above it (bundles), statements that name nothing
# relevant are skipped, at the price of missing a call into the module made through a name the
# file binds only locally (a parameter holding the exports, say).
WHOLE_FILE_LIMIT = 512 * 1024
# Names a view over memory is stored under (`HEAPU8 = new Uint8Array(b)`, `heap = new DataView(wasm.memory.buffer)`).
# Views over other data (`new Uint8Array(data)`, most of a PDF parser) are not. The `new` is
# searched for (a literal start: fast), then the `name =` before it is read backwards: a pattern
# starting with the name would be tried at every word of a bundle.
_VIEW_NEW = re.compile(rb"new\s+(?:(?:Big)?(?:Uint|Int|Float)\d+(?:Clamped)?Array|DataView)"
                       rb"\(\s*(?:[A-Za-z_$][\w$]?\s*[,)]|[^)]{0,80}?(?i:buffer|memory|heap|wasm))")
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_SPACE_BYTES = frozenset(b" \t\n\r\x0b\x0c")


def _relevance(program: Program) -> Relevance | None:
    """Where code matters, for a file too large to run whole: memory and view words, the names
    that hold the exports, the memory or a view, and the names of the file's functions that
    contain any of these (to a fixpoint, so that calling one is seen). None: run it all."""
    if program.code_size < WHOLE_FILE_LIMIT:
        return None
    names = set(program.globals) | program.learned_exports
    names |= _view_holders(program.source)
    functions = [f for f in program.functions.values() if f.body is not None and f.name and not f.class_id]
    relevance = Relevance(program.source, names, {f.name for f in functions if len(f.name) > 2})
    added = set(names)
    for _ in range(4):
        # Short names are left out: in minified code they name a different function in every
        # scope, so that calls to them would make everything relevant.
        grown = {f.name for f in functions if len(f.name) > 2 and f.name not in added
                 and f.body is not None and relevance.within(f.body.start_byte, f.body.end_byte)}
        if not grown:
            break
        added |= grown
        relevance.add(grown)
    return relevance


def _view_holders(source: bytes) -> set[str]:
    """The names `x` of `x = new Uint8Array(...)` (a view type, over something named like memory,
    or a short name), matches taken in order without overlapping."""
    names: set[str] = set()
    taken = 0  # where the last match ended: a later one starts after it
    at = 0
    while True:
        found = _VIEW_NEW.search(source, at)
        if found is None:
            return names
        at = found.start() + 1
        end = found.start()
        while end > 0 and source[end - 1] in _SPACE_BYTES:
            end -= 1
        if end == 0 or source[end - 1] != 0x3D:  # `=`
            continue
        end -= 1
        while end > 0 and source[end - 1] in _SPACE_BYTES:
            end -= 1
        start = end
        while start > 0 and source[start - 1] in _NAME_BYTES:
            start -= 1
        if start == end or start < taken or 0x30 <= source[start] <= 0x39:  # none, overlapping, or a number
            continue
        names.add(source[start:end].decode())
        taken = found.end()
