"""Which compiled module a host loads: `--wasm`, a path the host names (written out, or built by
constant string expressions: `path.join(__dirname, ...)`, `new URL(x, import.meta.url)`,
templates, concatenation), or the glue's sibling `.wasm`."""

from __future__ import annotations

import functools
import os
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from wasmlint.host.values import HostFacts
from wasmlint.reading import is_file

if TYPE_CHECKING:
    from tree_sitter import Node, Query

    from wasmlint.host.parsing import HostFile


def module_candidates(host: Path, ref: str) -> list[Path]:
    """Where a module the host names may be, most likely first."""
    ref = ref.split("?", 1)[0].split("#", 1)[0]
    if ref.startswith(("http:", "https:", "data:")):
        return []
    ref = ref.removeprefix("file://")
    folder = host.parent
    if os.path.isabs(ref):
        # Also as the tail of `__dirname + '/x.wasm'`: relative to the host's folder.
        return [Path(ref), folder / ref.lstrip("/")]
    # A path the host reads at run time may be relative to its own file (`new URL(.., import.meta.url)`,
    # `path.join(__dirname, ..)`) or to the folder it is started from; try the file's folder first.
    found = [folder / ref, Path.cwd() / ref]
    if not ref.startswith("."):
        # A bare specifier (`pkg/x_bg.wasm`): an installed package next to the host or above it.
        for above in [folder, *folder.parents]:
            found.append(above / "node_modules" / ref)
    return found


def resolve_module(host: Path, facts: HostFacts, given: tuple[Path, ...] = (), paths: Sequence[str] = ()) -> Path | None:
    """The module file this host loads, or None. With `--wasm`, the given module that exports
    the most of what the host calls is meant (usually there is one); otherwise the first path the
    host builds (`paths`, from `module_paths`) or names that exists, else `x_bg.wasm` / `x.wasm`
    beside glue `x.js`."""
    if given:
        return given[0]
    for ref in [*paths, *facts.module_refs]:
        for candidate in module_candidates(host, ref):
            if is_file(candidate):
                return candidate
    if facts.glue_stem:
        for name in (f"{facts.glue_stem}_bg.wasm", f"{facts.glue_stem}.wasm"):
            candidate = host.parent / name
            if is_file(candidate):
                return candidate
    return None


# --- constant string expressions -----------------------------------------------------------------

# Calls whose value is a path built from their arguments: Node's `path` (also imported alone).
_JOINS = frozenset({"path.join", "path.posix.join", "join", "posix.join"})
_RESOLVES = frozenset({"path.resolve", "path.posix.resolve", "resolve"})
_TO_PATH = frozenset({"fileURLToPath", "url.fileURLToPath"})
_CANDIDATES = frozenset({"call_expression", "new_expression", "template_string", "binary_expression",
                         "member_expression", "string"})
# What may lie between a `.wasm` string and the expression that builds the path from it.
_AROUND = _CANDIDATES | {"string_fragment", "template_substitution", "arguments", "parenthesized_expression"}
_WASM_IN_STRING = re.compile(rb"\.wasm(?=[?#\"'`])")
MAX_EVALUATIONS = 2_000  # expressions evaluated per file (each bounded in depth): a bundle stays cheap
_MAX_DEPTH = 8


def may_build_module_paths(source: bytes) -> bool:
    """Whether the file holds a `.wasm` string at all (else `module_paths` has nothing to find)."""
    return _WASM_IN_STRING.search(source) is not None


def module_paths(host: HostFile, where: Path) -> list[str]:
    """The `.wasm` paths the host builds from constant strings, evaluated as Node would with the
    host at `where`: `path.join(__dirname, 'target', ..., 'x.wasm')`, `new URL('x.wasm',
    import.meta.url)`, `` `${__dirname}/x.wasm` ``, `__dirname + '/x.wasm'`, and names bound once to
    such values (`const dir = path.join(__dirname, 'pkg')`). Absolute paths first."""
    if not may_build_module_paths(host.source):
        return []
    evaluator = _Constants(host, where.resolve())
    found = dict.fromkeys(value for value in evaluator.values() if _names_module(value))
    return sorted(found, key=lambda value: not (value.startswith(("/", "file:"))))


def _names_module(value: str) -> bool:
    return value.split("?", 1)[0].split("#", 1)[0].endswith(".wasm")


class _Constants:
    """Constant string values of one file's expressions."""

    def __init__(self, host: HostFile, where: Path):
        self.host, self.where = host, where
        self._bound: dict[str, list[Node]] | None = None  # name -> the values it is declared with
        self.evaluations = 0

    @property
    def bound(self) -> dict[str, list[Node]]:
        """Each name's declared values, found when a name is first met (one query)."""
        if self._bound is None:
            from wasmlint.treedepth import bounded_cursor

            self._bound = {}
            for _, match in bounded_cursor(_declarators_query(self.host.display)).matches(self.host.tree.root_node):
                (name,), (value,) = match["name"], match["value"]
                self._bound.setdefault(_text(name), []).append(value)
        return self._bound

    def values(self) -> list[str]:
        """The value of the outermost expression around each `.wasm` string that has one
        (`path.join(__dirname, 'x.wasm')`, not also its `'x.wasm'`)."""
        found = []
        root = self.host.tree.root_node
        for match in _WASM_IN_STRING.finditer(self.host.source):
            if self.evaluations > MAX_EVALUATIONS:
                break
            node = root.descendant_for_byte_range(match.start(), match.end())
            chain: list[Node] = []
            while node is not None and node.type in _AROUND and len(chain) < _MAX_DEPTH * 3:
                chain.append(node)
                node = node.parent  # a few steps from a string: asked of few nodes
            for candidate in reversed(chain):
                if candidate.type in _CANDIDATES:
                    value = self.value(candidate, 0)
                    if value is not None:
                        found.append(value)
                        break
        return found

    def value(self, node: Node, depth: int) -> str | None:
        """The string `node` always evaluates to, or None."""
        self.evaluations += 1
        if depth > _MAX_DEPTH:
            return None
        kind = node.type
        if kind == "parenthesized_expression":
            inner = next((child for child in node.named_children if child.type != "comment"), None)
            return self.value(inner, depth + 1) if inner is not None else None
        if kind == "string":
            return "".join(_text(part) if part.type == "string_fragment" else _escape(_text(part))
                           for part in node.named_children)
        if kind == "template_string":
            parts = []
            for part in node.named_children:
                if part.type == "string_fragment":
                    parts.append(_text(part))
                elif part.type == "escape_sequence":
                    parts.append(_escape(_text(part)))
                elif part.type == "template_substitution":
                    inner = next((c for c in part.named_children if c.type != "comment"), None)
                    value = self.value(inner, depth + 1) if inner is not None else None
                    if value is None:
                        return None
                    parts.append(value)
            return "".join(parts)
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if operator is None or _text(operator) != "+" or left is None or right is None:
                return None
            first = self.value(left, depth + 1)
            second = self.value(right, depth + 1) if first is not None else None
            return first + second if first is not None and second is not None else None
        if kind == "identifier":
            name = _text(node)
            if name == "__dirname":
                return str(self.where.parent)
            if name == "__filename":
                return str(self.where)
            values = self.bound.get(name, [])
            return self.value(values[0], depth + 1) if len(values) == 1 else None
        if kind == "member_expression":
            text = _text(node).replace(" ", "")
            if text == "import.meta.url":
                return self.where.as_uri()
            if text == "import.meta.dirname":
                return str(self.where.parent)
            if text == "import.meta.filename":
                return str(self.where)
            prop = node.child_by_field_name("property")
            obj = node.child_by_field_name("object")
            if prop is not None and obj is not None and _text(prop) in ("href", "pathname") and obj.type == "new_expression":
                url = self.value(obj, depth + 1)
                if url is not None and _text(prop) == "pathname":
                    return unquote(urlsplit(url).path)
                return url
            return None
        if kind == "new_expression":
            constructor = node.child_by_field_name("constructor")
            if constructor is None or _text(constructor) != "URL":
                return None
            arguments = _arguments(node)
            if not arguments:
                return None
            relative = self.value(arguments[0], depth + 1)
            if relative is None:
                return None
            if len(arguments) == 1:
                return relative if re.match(r"^[a-z][a-z0-9+.-]*:", relative) else None
            base = self.value(arguments[1], depth + 1)
            return urljoin(base, relative) if base is not None else None
        if kind == "call_expression":
            callee = node.child_by_field_name("function")
            name = _text(callee).replace(" ", "") if callee is not None else ""
            arguments = _arguments(node)
            if name in _TO_PATH and len(arguments) == 1:
                url = self.value(arguments[0], depth + 1)
                return unquote(urlsplit(url).path) if url is not None and url.startswith("file:") else None
            if name in _JOINS or name in _RESOLVES:
                pieces = [self.value(argument, depth + 1) for argument in arguments]
                if not pieces or any(piece is None for piece in pieces):
                    return None
                strings = [piece for piece in pieces if piece is not None]
                if name in _RESOLVES:  # the last absolute part restarts the path (else: relative to
                    starts = [i for i, part in enumerate(strings) if part.startswith("/")]  # the folder Node runs in)
                    strings = strings[starts[-1]:] if starts else strings
                return posixpath.normpath(posixpath.join(*strings))
        return None


@functools.cache
def _declarators_query(display: str) -> Query:
    from tree_sitter import Query

    from wasmlint.host.parsing import grammar_for, language

    return Query(language(grammar_for(display)), "(variable_declarator name: (identifier) @name value: (_) @value)")


def _arguments(node: Node) -> list[Node]:
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return []
    found = [child for child in arguments.named_children if child.type != "comment"]
    return [] if any(child.type == "spread_element" for child in found) else found


def _escape(sequence: str) -> str:
    """The character an escape in a JS string stands for (the ones paths use)."""
    return {"\\\\": "\\", "\\/": "/", "\\'": "'", '\\"': '"'}.get(sequence, sequence[1:])


def _text(node: Node) -> str:
    text = node.text
    return text.decode("utf-8", errors="replace") if text is not None else ""
