"""The source layer for one crate: parse, scan, follow calls from the exports, and produce findings."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from wasmlint.cfg import BuildCfg
from wasmlint.evidence import AlsoReachedFrom, ExportRef
from wasmlint.findings import PATH_HEAD, PATH_TAIL, ExportSite, Finding, RunError, Severity, Span, elided_hops, finding_key
from wasmlint.registry import CLONED_HEAP_VALUE, CLOSURE_STORED, HEAP_RECEIVER, OWNED_COPY, PARSE_ERROR
from wasmlint.rules import Rule
from wasmlint.source.closures import Closures, captures_nothing
from wasmlint.source.exports import Export
from wasmlint.source.parsing import NOT_UTF8, SourceFile, parse_rust_file
from wasmlint.source.resolve import CrateIndex, FnDef, expand_alias, path_segments
from wasmlint.source.types import STD_TYPES
from wasmlint.syntax import field_text, node_bytes, node_text
from wasmlint.source.scan import RuleHit, Scanner, Snippet

HEAP_TYPES = {
    "Vec", "String", "VecDeque", "HashMap", "HashSet", "BTreeMap", "BTreeSet", "BinaryHeap",
    "LinkedList", "Box", "Rc", "Arc", "PathBuf", "OsString", "CString",
}
# Types whose clone allocates a copy (an Rc/Arc clone only bumps a counter).
CLONE_ALLOCATES = HEAP_TYPES - {"Rc", "Arc"}
PRIMITIVES = {
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    "f32", "f64", "bool", "char",
}


@dataclass
class SourceResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    partial_files: set[str] = field(default_factory=set)
    exports: dict[str, ExportSite] = field(default_factory=dict)
    reach: dict[str, frozenset] = field(default_factory=dict)  # export -> finding_key()s it reaches


@dataclass(frozen=True)
class Reach:
    """How an export reaches a function: the export, and the previous hop on the way.

    Each function links to its caller's Reach instead of holding the whole chain, and keeps only
    the first PATH_HEAD functions of its path, so a long call chain (generated code) costs time
    and memory linear in its length, not quadratic.
    """

    export: Export
    fn: FnDef
    caller: "Reach | None" = None  # None: `fn` is the export's own function
    depth: int = 1  # functions on the path, `fn` included
    head: tuple[FnDef, ...] = ()  # the path's first PATH_HEAD functions

    @classmethod
    def start(cls, export: Export, fn: FnDef) -> "Reach":
        return cls(export, fn, None, 1, (fn,))

    def then(self, fn: FnDef) -> "Reach":
        head = self.head if len(self.head) == PATH_HEAD else self.head + (fn,)
        return Reach(self.export, fn, self, self.depth + 1, head)

    def path_labels(self) -> tuple[str, ...]:
        """The labels of the functions after the export's own, to this one; a long path keeps its
        first and last functions around a "... (N more) ..." hop."""
        if self.depth <= PATH_HEAD + PATH_TAIL + 1:
            hops = []
            reach: Reach | None = self
            while reach is not None:
                hops.append(reach.fn)
                reach = reach.caller
            return tuple(f.label for f in reversed(hops[:-1]))
        tail = []
        reach = self
        for _ in range(PATH_TAIL):
            assert reach is not None  # deeper than PATH_TAIL: see the test above
            tail.append(reach.fn)
            reach = reach.caller
        skipped = self.depth - PATH_HEAD - PATH_TAIL
        return (*(f.label for f in self.head[1:]), elided_hops(skipped), *(f.label for f in reversed(tail)))


def analyze_crate(
    files: list[tuple[str, bytes, tuple[str, ...]]],
    rules: dict[str, Rule],
    *,
    all_functions: bool = False,
    with_reach: bool = False,
    build: BuildCfg = BuildCfg(),
) -> SourceResult:
    """Analyse one crate given as (display path, bytes, module path) per .rs file, as compiled for
    `build` (its `#[cfg]`s and `cfg_attr`s decide what is compiled and what is exported).

    `with_reach` also records which findings each export reaches (for joining module findings).
    """
    result = SourceResult()
    query_rules = tuple(rule for rule in rules.values() if rule.matches_code)
    scanner = Scanner(query_rules, build)
    for file_index, (display, source, module_path) in enumerate(files):
        parsed, problems = parse_rust_file(display, source, module_path)
        result.files.append(parsed)
        scanner.scan_file(parsed, file_index)
        if parsed.tree.root_node.has_error or problems:
            result.partial_files.add(display)
            if PARSE_ERROR in rules:
                result.findings.append(_parse_error(parsed, rules[PARSE_ERROR], problems))
    scan = scanner.finish()
    index = scan.index
    graph = CallGraph(index)
    reached = _reach_from_exports(index, graph)
    result.exports = _export_sites(index)
    reaching = ExportsReaching(index, graph, result.exports)
    seen: set[tuple] = set()
    keys_by_fn: dict[int, list[tuple]] = {}
    for fn in index.fns:
        reach = reached.get(fn.index)
        for hit in fn.matches:
            finding = _finding(hit, fn, reach, index, all_functions, reaching)
            if finding is None:
                continue
            key = finding_key(finding)
            if key not in seen:
                seen.add(key)
                result.findings.append(finding)
                keys_by_fn.setdefault(fn.index, []).append(key)
    if CLOSURE_STORED in rules:
        for closure in index.fns:
            finding = _stored_closure(closure, graph, reached, rules[CLOSURE_STORED], all_functions)
            if finding is not None:
                result.findings.append(finding)
    if with_reach:
        result.reach = reaching.findings_each_export_reaches(keys_by_fn)
    return result


def _stored_closure(closure: FnDef, graph: "CallGraph", reached: dict[int, "Reach"], rule: Rule,
                    all_functions: bool) -> Finding | None:
    """One `info` on a closure that code an export runs stores instead of calling, naming where."""
    if closure.closure is None:
        return None
    fate = graph.closures.fate(closure)
    if fate.runs:
        return None
    holder = closure.parent
    reach = reached.get(holder.index) if holder is not None else reached.get(closure.index)
    if reach is None and not all_functions:
        return None
    place = "`, `".join(name.lstrip(".") for name in fate.places)
    by = fate.by or (holder.label if holder is not None else f"static {place}")
    call_path: tuple[str, ...] = ()
    if reach is None:
        where, symbol = "(no export reaches it)", None
    else:
        export = reach.export
        exported = f"exported function `{export.display}`"
        direct = holder is not None and reach.caller is None
        shown = holder.label if holder is not None else closure.label
        where = f"in {exported}" if direct else f"in `{shown}`, reached from {exported}"
        symbol, call_path = export.symbol, (export.display, *reach.path_labels(), "{closure}")
    parameters = next((child for child in closure.node.children if child.type == "closure_parameters"), closure.node)
    (line, column), (end_line, end_column) = _span(parameters, closure.snippet)
    return rule.finding(Span(closure.snippet.file.display, line, column, end_line, end_column), {"place": place, "by": by},
                        where=where, symbol=symbol, call_path=call_path, snippet=node_text(parameters)[:120])


class ExportsReaching:
    """Every export that reaches each crate function (not only the nearest, which `Reach` follows):
    a site in a helper that several exports share is theirs all.

    Each function gets the set of exports that reach it as the bits of an integer, propagated along
    the call graph until nothing changes; a function waits in the queue at most once at a time, so
    a chain that many exports enter is walked once with all their bits, not once per export."""

    def __init__(self, index: CrateIndex, graph: "CallGraph", sites: dict[str, ExportSite]) -> None:
        self.symbols = sorted({export.symbol for _, export in _exported(index)})
        bit = {symbol: 1 << position for position, symbol in enumerate(self.symbols)}
        self.sites = sites
        self.masks: dict[int, int] = {}
        queue: deque[int] = deque()
        waiting: set[int] = set()
        for fn, export in _exported(index):
            self.masks[fn.index] = self.masks.get(fn.index, 0) | bit[export.symbol]
            if fn.index not in waiting:
                waiting.add(fn.index)
                queue.append(fn.index)
        while queue:
            current = queue.popleft()
            waiting.discard(current)
            mask = self.masks[current]
            for target in graph.callees(index.fns[current]):
                before = self.masks.get(target, 0)
                if before | mask != before:
                    # A function first reached shares its caller's integer: a chain of helpers
                    # under one export holds one mask, not a copy per function.
                    self.masks[target] = mask if not before else before | mask
                    if target not in waiting:
                        waiting.add(target)
                        queue.append(target)
        self._refs: dict[int, tuple[ExportRef, ...]] = {}

    def symbols_of(self, fn: FnDef) -> list[str]:
        """The symbols of the exports that reach `fn`, sorted."""
        return [self.symbols[position] for position in _bits(self.masks.get(fn.index, 0))]

    def others(self, fn: FnDef, nearest: str) -> AlsoReachedFrom | None:
        """The exports besides `nearest` that reach `fn`, as evidence (None: no other)."""
        mask = self.masks.get(fn.index, 0)
        if not mask & (mask - 1):
            return None  # one export reaches it (most functions): nothing to name or to keep
        refs = self._refs.get(fn.index)
        if refs is None:
            refs = self._refs[fn.index] = tuple(
                ExportRef(site.symbol, site.display, site.path, site.line, site.column, site.end_line, site.end_column)
                for site in map(self.sites.get, self.symbols_of(fn)) if site is not None)
        others = tuple(ref for ref in refs if ref.symbol != nearest)
        return AlsoReachedFrom(others) if others else None

    def findings_each_export_reaches(self, keys_by_fn: dict[int, list[tuple]]) -> dict[str, frozenset]:
        """For every export, the source findings in all the functions it reaches (not only those it
        is the nearest export of): what the module layer's growth path for that export can be
        explained by."""
        found: dict[str, set[tuple]] = {symbol: set() for symbol in self.symbols}
        for fn_index, keys in keys_by_fn.items():
            for position in _bits(self.masks.get(fn_index, 0)):
                found[self.symbols[position]].update(keys)
        return {symbol: frozenset(keys) for symbol, keys in found.items()}


def _bits(mask: int) -> list[int]:
    """The positions of the bits set in `mask`, lowest first: time in the bits set, not in the
    width (a crate of thousands of exports, each function reached by a few)."""
    positions = []
    while mask:
        low = mask & -mask
        positions.append(low.bit_length() - 1)
        mask ^= low
    return positions


# -- call graph ---------------------------------------------------------------------------------


class CallGraph:
    """Calls between crate functions, resolved on demand: only code an export reaches is resolved."""

    def __init__(self, index: CrateIndex) -> None:
        self.index = index
        self.closures = Closures(index)
        self._edges: dict[int, list[int]] = {}
        # The same path is called from many places (`Ok(..)`, `Self::new(..)`): resolve once per scope.
        self._cache: dict[tuple, list[FnDef]] = {}

    def callees(self, fn: FnDef) -> list[int]:
        edges = self._edges.get(fn.index)
        if edges is None:
            edges = self._edges[fn.index] = self._resolve(fn)
        return edges

    def _path(self, text: bytes, fn: FnDef, loose: bool) -> list[FnDef]:
        if fn.substitutions:
            return self._template_path(text, fn, loose)
        key = (text, fn.module, id(fn.uses), fn.impl_type, loose)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self.index.resolve_path(path_segments(text), fn, loose=loose)
        return found

    def _template_path(self, text: bytes, fn: FnDef, loose: bool) -> list[FnDef]:
        """A call in a macro_rules! template: `$name` stands for what each invocation passed."""
        segments = path_segments(text)
        options = fn.substitutions.get(segments[0]) if segments else None
        if not options:
            return self.index.resolve_path(segments, fn, loose=loose)
        found: list[FnDef] = []
        for argument in sorted(options):
            found.extend(self.index.resolve_path(argument.split("::") + segments[1:], fn, loose=loose))
        return found

    def _resolve(self, fn: FnDef) -> list[int]:
        index = self.index
        targets: dict[int, None] = {}
        calls, refs = fn.calls()
        through_value = False  # a call of a value: a local closure or fn pointer, `(self.hook)(x)`
        for kind, text, receiver, byte in calls:
            if kind == "dyn":
                through_value = True
                continue
            if kind == "path":
                if b":" not in text and fn.binds_locally(text.decode("utf-8", errors="replace"), byte):
                    through_value = True  # a local (a closure, a fn pointer) of that name, not the crate's fn
                    continue
                found = self._path(text, fn, True)
            else:
                name = text.decode("utf-8", errors="replace")
                if name not in index.methods_by_name:
                    continue  # no crate method has this name: a std or dependency method
                found, _ = index.resolve_method(name, receiver, fn, byte)
            for target in found:
                targets[target.index] = None
        for text in refs:
            if b":" not in text and fn.binds_locally(text.decode("utf-8", errors="replace")):
                continue  # `let upper = n * 2; drop(upper);` passes the local, not `fn upper`
            for target in self._path(text, fn, False):
                targets[target.index] = None
        # The closures written here that run here (called, given to an adapter or a function that
        # calls them); those stored elsewhere run where what holds them is called.
        for closure in index.closures_of.get(fn.index, ()):
            if self.closures.fate(closure).runs:
                targets[closure.index] = None
        if through_value:
            for closure in self.closures.called_from(fn):
                targets.setdefault(closure.index, None)
        return list(targets)


def _exported(index: CrateIndex) -> list[tuple[FnDef, Export]]:
    return [(fn, export) for fn in index.fns for export in fn.exports]


def _reach_from_exports(index: CrateIndex, graph: CallGraph) -> dict[int, Reach]:
    """Breadth-first from every export at once: each function gets its nearest export and path."""
    reached: dict[int, Reach] = {}
    queue: deque[int] = deque()
    for fn, export in _exported(index):
        if fn.index not in reached:
            reached[fn.index] = Reach.start(export, fn)
            queue.append(fn.index)
    while queue:
        current = queue.popleft()
        reach = reached[current]
        for target in graph.callees(index.fns[current]):
            if target not in reached:
                reached[target] = reach.then(index.fns[target])
                queue.append(target)
    return reached


def _export_sites(index: CrateIndex) -> dict[str, ExportSite]:
    sites: dict[str, ExportSite] = {}
    for fn, export in _exported(index):
        name = fn.node.child_by_field_name("name")
        start, end = _span(name if name is not None else fn.node, fn.snippet)  # no name: error recovery
        sites.setdefault(export.symbol, ExportSite(export.symbol, export.display, fn.snippet.file.display, *start, *end,
                                                   form=export.form, owner=export.owner, contract=export.contract,
                                                   cfg=export.cfg))
    return sites


# -- findings -----------------------------------------------------------------------------------


def _method_dot(node: Node) -> Node | None:
    """For `receiver.method(...)`, the `.` before the method: carets start there, not at the receiver."""
    if node.type != "call_expression":
        return None
    function = node.child_by_field_name("function")
    if function is not None and function.type == "generic_function":
        function = function.child_by_field_name("function")
    if function is None or function.type != "field_expression":
        return None
    return next((child for child in function.children if child.type == "."), None)


def _span(node: Node, snippet: Snippet, start: Node | None = None) -> tuple[tuple[int, int], tuple[int, int]]:
    """1-based (line, column) of a node's start (or of `start`) and end, in its file."""
    file, shift = snippet.file, snippet.shift
    first = start or node
    start_row, start_col = shift.point(*first.start_point)
    end_row, end_col = shift.point(*node.end_point)
    return (
        (start_row + 1, file.column(first.start_byte + shift.byte, start_col)),
        (end_row + 1, file.column(node.end_byte + shift.byte, end_col)),
    )


def construct_label(node: Node) -> str:
    """A short name for a flagged construct: `format!`, `.push()`, `String::from`."""
    if node.type == "macro_invocation":
        return field_text(node, "macro") + "!"
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        if function is not None and function.type == "generic_function":
            function = function.child_by_field_name("function")
        if function is not None and function.type == "field_expression":
            return "." + field_text(function, "field") + "()"
        if function is not None:
            return node_text(function)
    text = node_text(node).splitlines()[0] if node.text else node.type
    return text if len(text) <= 40 else text[:37] + "..."


def _keeps(hit: RuleHit, fn: FnDef, index: CrateIndex) -> bool:
    """Whether a rule match stands. A method call on a crate type that defines that method itself
    is not the std method the rule means: the call graph follows it instead. Rules can ask for
    more by name (`check = ...` in their file). A `calls` match whose path leads to a crate
    function (the crate's own `alloc`, or `alloc::alloc` in its `mod alloc`) is not std's either."""
    if hit.receiver is None:
        if hit.path is not None and hit.captures.get("type") == "Box" and _boxes_empty_closure(hit, fn):
            return False  # a closure that captures nothing is zero-sized: its box allocates nothing
        return hit.path is None or not index.names_crate_fn(list(hit.path), fn)
    rule = hit.rule
    method = hit.captures.get("method", "")
    if method == "collect" and _collects_into_js(hit, fn):
        return False
    byte = hit.receiver.start_byte + hit.snippet.shift.byte
    typed = method in index.methods_by_name or rule.check or rule.receivers
    owner = index.receiver_type(hit.receiver, fn, byte, method) if typed else None
    if owner is not None and owner not in STD_TYPES and index.methods.get((owner, method)):
        return False
    if rule.check == OWNED_COPY and owner in PRIMITIVES:
        return False  # `.to_owned()` of a number is a copy
    if rule.check == CLONED_HEAP_VALUE:
        if owner is not None and owner in (rule.receivers or CLONE_ALLOCATES):
            hit.captures["owner"] = owner
            return True
        return False  # unknown or cheap to clone: not flagged without knowing the type
    # The rule's own list of the types whose method this is (`receivers`), when the type is known.
    on_receiver = rule.allocates_on(owner)
    if on_receiver is not None:
        return on_receiver
    if rule.check == HEAP_RECEIVER:
        if owner is not None:
            return owner in HEAP_TYPES
        # Unknown receiver: both candidates stand, the crate's methods of that name (the call
        # graph follows them) and the std method this finding is about, at most a warning.
        return True
    return True


# Crates whose types live in the JavaScript engine: collecting into one (`js_sys::Array`) fills a
# JS value, not the Rust heap.
JS_CRATES = frozenset({"js_sys", "web_sys", "wasm_bindgen"})


def _collects_into_js(hit: RuleHit, fn: FnDef) -> bool:
    """Whether a `.collect()` gathers into a type of js_sys / web_sys (by its turbofish, or the
    type written on the `let` it initialises), named by its path or a `use` of the file."""
    function = hit.node.child_by_field_name("function")
    target = None
    if function is not None and function.type == "generic_function":
        arguments = function.child_by_field_name("type_arguments")
        target = arguments.named_children[0] if arguments is not None and arguments.named_child_count else None
    if target is None:
        target = fn.annotation_at(hit.node.start_byte + hit.snippet.shift.byte)
    while target is not None and target.type in ("reference_type", "generic_type"):
        target = target.child_by_field_name("type")
    if target is None:
        return False
    segments = expand_alias(path_segments(node_bytes(target)), fn.uses)
    return bool(segments) and segments[0] in JS_CRATES


def _boxes_empty_closure(hit: RuleHit, fn: FnDef) -> bool:
    arguments = hit.node.child_by_field_name("arguments")
    argument = arguments.named_children[0] if arguments is not None and arguments.named_child_count == 1 else None
    return argument is not None and argument.type == "closure_expression" and captures_nothing(argument, fn, hit.snippet.shift.byte)


def _receiver_unknown(hit: RuleHit, fn: FnDef, index: CrateIndex) -> bool:
    """Whether a method match could as well be a crate method of that name: its receiver's type
    is not known and the crate has methods so named."""
    method = hit.captures.get("method")
    if hit.receiver is None or not method or not index.methods_by_name.get(method):
        return False
    byte = hit.receiver.start_byte + hit.snippet.shift.byte
    return index.receiver_type(hit.receiver, fn, byte, method) is None


def _finding(hit: RuleHit, fn: FnDef, reach: Reach | None, index: CrateIndex, all_functions: bool,
             reaching: ExportsReaching) -> Finding | None:
    rule = hit.rule
    direct = reach is not None and reach.caller is None
    if rule.scope == "export" and not direct:
        return None
    if reach is None and not all_functions:
        return None
    if not _keeps(hit, fn, index):
        return None
    label = construct_label(hit.node)
    call_path: tuple[str, ...]
    evidence: tuple[AlsoReachedFrom, ...] = ()
    if reach is None:
        where = f"in `{fn.label}` (no export reaches it)"
        severity, symbol, call_path = Severity.INFO, None, (fn.label, label)
    else:
        export = reach.export
        exported = f"exported function `{export.display}`"
        if fn.template:
            exported += f" (generated by `{fn.template}!`)"
        where = f"in {exported}" if direct else f"in `{fn.label}`, reached from {exported}"
        severity, symbol = rule.severity, export.symbol
        call_path = (export.display, *reach.path_labels(), label)
        if _receiver_unknown(hit, fn, index):
            severity = min(severity, Severity.WARNING)
            where += f" (the receiver's type is not known: it may be the crate's own `{hit.captures['method']}`)"
        # A rule about the export's own `fn` (its signature) concerns the exports of that fn only.
        others = reaching.others(fn, symbol) if rule.scope != "export" else None
        if others is not None:
            evidence = (others,)
    dot = _method_dot(hit.node)
    (line, column), (end_line, end_column) = _span(hit.node, hit.snippet, dot)
    text = node_bytes(hit.node)
    flagged = text[dot.start_byte - hit.node.start_byte :] if dot is not None else text
    snippet_text = flagged.decode("utf-8", errors="replace").splitlines()[0].strip()[:120] if flagged else ""
    return rule.finding(
        Span(hit.snippet.file.display, line, column, end_line, end_column),
        hit.captures,
        where=where,
        severity=severity,
        symbol=symbol,
        call_path=call_path,
        evidence=evidence,
        snippet=snippet_text,
    )


def _first_syntax_error(tree: Tree) -> Node | None:
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node
        stack.extend(reversed([child for child in node.children if child.has_error or child.is_missing]))
    return None


def _printable(text: str) -> str:
    """Control characters escaped (`\\x1b`), so that quoting a file's bytes cannot drive the terminal."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _parse_error(file: SourceFile, rule: Rule, problems: list[tuple[int, str]]) -> Finding:
    """One finding per file: the first syntax problem (later ones are usually its echoes), unless
    the file is not UTF-8 (binary data, another encoding): that is the problem, not its syntax."""
    not_utf8 = next((problem for problem in problems if problem[1].startswith(NOT_UTF8)), None)
    node = _first_syntax_error(file.tree) if file.tree.root_node.has_error and not_utf8 is None else None
    if node is None:
        byte, detail = not_utf8 or problems[0]
        byte = min(byte, len(file.source))
        line_start = file.source.rfind(b"\n", 0, byte) + 1
        row, col, width = file.source.count(b"\n", 0, byte), byte - line_start, 1
    else:
        if node.is_missing:
            detail = f"missing `{node.type}`"
        else:
            text = node_text(node).strip().splitlines()[0] if node.text and node.text.strip() else ""
            shown = _printable(text if len(text) <= 30 else text[:27] + "...")
            detail = f"unexpected `{shown}`" if shown else "unexpected input"
            if node.child_count:
                node = node.children[0]  # a large error node: point at its first token
        byte = node.start_byte
        row, col = node.start_point
        # Highlight the node on its first line, at least one character (a MISSING node has no width).
        width = max(node.end_byte - node.start_byte if node.end_point[0] == row else 1, 1)
    column = file.column(byte, col)
    end_column = file.column(byte + width, col + width) if byte + width <= len(file.source) else column + 1
    return rule.finding(Span(file.display, row + 1, column, row + 1, max(end_column, column + 1)),
                        {"detail": detail}, snippet=detail)
