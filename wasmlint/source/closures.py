"""Where a closure's body runs: where it is called, not where it is written.

A closure written in a function runs there when the function calls it, hands it to something that
calls it before returning (the standard library's adapters, listed here as data; the crate's own
functions, by what their body does with the parameter), or binds it to a local. It only runs
later when it is stored: assigned to a place, put into a `static`, pushed or inserted into a
collection, or handed to a crate function that does one of those with it. A stored closure runs
in the functions that call what it was stored into (`(self.hook)(x)`, `f(cfg)` with `f` taken
from `self.factories`): those are found by the place's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from wasmlint.source.resolve import CrateIndex, FnDef, declared_variables, path_segments
from wasmlint.syntax import field_text, node_bytes, node_text
from wasmlint.treedepth import bounded_cursor

# Standard-library methods and functions that call the closure they are given before they return.
STD_RUNNERS = frozenset({
    "map", "filter", "filter_map", "flat_map", "for_each", "try_for_each", "fold", "try_fold", "reduce", "scan",
    "take_while", "skip_while", "map_while", "inspect", "any", "all", "find", "find_map", "position", "rposition",
    "max_by", "min_by", "max_by_key", "min_by_key", "sort_by", "sort_by_key", "sort_unstable_by",
    "sort_unstable_by_key", "sort_by_cached_key", "binary_search_by", "binary_search_by_key", "partition",
    "retain", "retain_mut", "dedup_by", "dedup_by_key", "split", "rsplit", "splitn", "matches", "trim_matches",
    "unwrap_or_else", "map_or", "map_or_else", "and_then", "or_else", "ok_or_else", "get_or_insert_with",
    "or_insert_with", "or_insert_with_key", "and_modify", "then", "then_some", "is_some_and", "is_ok_and",
    "is_none_or", "with", "with_borrow", "with_borrow_mut", "call_once", "get_or_init", "update", "from_fn",
    "repeat_with", "successors", "zip_with", "resize_with", "extend", "chunk_by", "sum_by", "count_by",
})
# Methods that keep the closure they are given (in a collection, a cell) instead of calling it.
STD_STORERS = frozenset({"push", "push_back", "push_front", "insert", "set", "replace", "store", "swap"})
# Calls whose value is the closure itself, wrapped: its fate is that of the wrapping call's value.
WRAPPERS = frozenset({"Box::new", "Rc::new", "Arc::new", "Some", "Ok", "Err", "Box::pin", "RefCell::new",
                      "Cell::new", "Mutex::new", "RwLock::new", "Pin::new", "new"})


@dataclass(frozen=True)
class Fate:
    """Whether a closure runs in the code it is written in; else the places it is stored into
    (`.name` for a field, `NAME` for a static or a variable), and the function that stores it
    when that is not the one it is written in."""

    runs: bool
    places: tuple[str, ...] = ()
    by: str | None = None


RUNS = Fate(True)

_PARAMETER_USES = """
(call_expression function: (identifier) @called)
(call_expression function: (field_expression value: (_) @receiver field: (field_identifier) @method)
  arguments: (arguments (identifier) @argument))
(call_expression function: (field_expression value: (_) @receiver field: (field_identifier) @method)
  arguments: (arguments (call_expression arguments: (arguments (identifier) @argument))))
(assignment_expression left: (_) @place right: (identifier) @argument)
(assignment_expression left: (_) @place right: (call_expression arguments: (arguments (identifier) @argument)))
(field_initializer field: (field_identifier) @place value: (identifier) @argument)
(shorthand_field_initializer (identifier) @argument)
"""
_compiled_uses = None


def _uses_query():
    global _compiled_uses
    if _compiled_uses is None:
        from wasmlint.source.parsing import compile_query

        _compiled_uses = compile_query(_PARAMETER_USES)
    return _compiled_uses


class Closures:
    """What runs each closure of a crate, computed once per crate when the call graph first asks."""

    def __init__(self, index: CrateIndex) -> None:
        self.index = index
        self._fates: dict[int, Fate] = {}
        self._parameters: dict[tuple[int, int], Fate] = {}
        self._stored: dict[str, list[FnDef]] | None = None
        self._words: dict[int, set[str]] = {}

    def fate(self, closure: FnDef) -> Fate:
        found = self._fates.get(closure.index)
        if found is None:
            found = self._fates[closure.index] = self._decide(closure)
        return found

    def stored_in(self) -> dict[str, list[FnDef]]:
        """Place name -> the closures stored there (every closure of the crate looked at once)."""
        if self._stored is None:
            self._stored = {}
            for fn in self.index.fns:
                if fn.closure is None:
                    continue
                fate = self.fate(fn)
                for place in fate.places:
                    self._stored.setdefault(place, []).append(fn)
        return self._stored

    def called_from(self, fn: FnDef) -> list[FnDef]:
        """The stored closures a function that makes a call through a value (a local, `(self.hook)`,
        `HOOK.unwrap()`) may run: those stored in a place its body names."""
        stored = self.stored_in()
        if not stored:
            return []
        words = self._words.get(fn.index)
        if words is None:
            # Its words, and the fields it reads (`.factories`): a field is matched only as one.
            text = node_bytes(fn.node)
            words = self._words[fn.index] = _words(text) | {"." + name.decode() for name in _FIELD.findall(text)}
        return [closure for place, closures in stored.items() if place in words for closure in closures]

    # -- deciding -----------------------------------------------------------------------------

    def _decide(self, closure: FnDef) -> Fate:
        site = closure.closure
        assert site is not None
        if site.stored is not None:
            return Fate(False, (site.stored,))
        if site.callee is None:
            return RUNS  # bound to a local, returned, in a tuple...: it may run here
        caller = closure.parent
        if caller is None:
            return RUNS
        callee, position = site.callee, site.position
        if _callee_name(callee) in WRAPPERS and callee.type != "field_expression":
            if site.outer is None:
                return RUNS  # `let f = Box::new(|..| ..)`, `return Some(..)`: may run here
            callee, position = site.outer, site.outer_position
        return self._given_to(callee, position, caller)

    def _given_to(self, callee: Node, position: int, caller: FnDef) -> Fate:
        index = self.index
        if callee.type == "field_expression":
            method = field_text(callee, "field")
            if method in STD_RUNNERS:
                return RUNS
            receiver = callee.child_by_field_name("value")
            byte = callee.start_byte + caller.snippet.shift.byte
            targets: list[FnDef] = []
            if receiver is not None and method in index.methods_by_name:
                targets, _ = index.resolve_method(method, receiver, caller, byte)
            if not targets:
                if method in STD_STORERS and receiver is not None:
                    return Fate(False, (_place_of(receiver),))
                return RUNS
            return self._through(targets, position)
        if callee.type in ("identifier", "scoped_identifier"):
            targets = index.resolve_path(path_segments(node_bytes(callee)), caller)
            return self._through(targets, position) if targets else RUNS
        return RUNS

    def _through(self, targets: list[FnDef], position: int) -> Fate:
        places: list[str] = []
        by = None
        for target in targets:
            fate = self._parameter_fate(target, position)
            if fate.runs:
                return RUNS
            places.extend(fate.places)
            by = by or target.label
        return Fate(False, tuple(dict.fromkeys(places)), by)

    def _parameter_fate(self, target: FnDef, position: int) -> Fate:
        """What a crate function does with its `position`-th argument (`self` not counted): calls
        it, or stores it (into a field, a collection); anything else counts as calling it."""
        key = (target.index, position)
        found = self._parameters.get(key)
        if found is not None:
            return found
        self._parameters[key] = RUNS  # a recursive function: assume it runs while deciding
        name = _parameter_name(target.node, position)
        fate = RUNS
        if name is not None:
            places: list[str] = []
            called = False
            for _, captures in bounded_cursor(_uses_query()).matches(target.node):
                if "called" in captures:
                    called = called or node_text(captures["called"][0]) == name
                    continue
                if node_text(captures["argument"][0]) != name:
                    continue
                if "method" in captures:
                    method = node_text(captures["method"][0])
                    if method in STD_STORERS:
                        places.append(_place_of(captures["receiver"][0]))
                    else:
                        called = True  # handed on: may run there
                elif "place" in captures:
                    place = captures["place"][0]
                    places.append("." + node_text(place) if place.type == "field_identifier" else _place_of(place))
                else:
                    places.append("." + name)  # `Ctx { hook }`: the field has the parameter's name
            if not called and places:
                fate = Fate(False, tuple(dict.fromkeys(places)), target.label)
        self._parameters[key] = fate
        return fate


def captures_nothing(closure: Node, around: FnDef, shift: int) -> bool:
    """Whether a closure's body names no binding of the code around it (nor `self`): then it is
    a zero-sized value, and boxing it allocates nothing."""
    words = _words(node_bytes(closure))
    if "self" in words:
        return False
    own = set(declared_variables(closure, shift))
    outer: set[str] = set()
    scope: FnDef | None = around
    while scope is not None:
        outer.update(scope.variables)
        scope = scope.parent
    return not ((words - own) & outer)


def _words(text: bytes) -> set[str]:
    return {word.decode() for word in _WORD.findall(text)}


_WORD = re.compile(rb"[A-Za-z_]\w*")
_FIELD = re.compile(rb"\.\s*([A-Za-z_]\w*)")


def _callee_name(callee: Node) -> str:
    if callee.type == "field_expression":
        return field_text(callee, "field")
    segments = path_segments(node_bytes(callee))
    return "::".join(segments[-2:]) if len(segments) >= 2 else (segments[0] if segments else "")


def _place_of(receiver: Node) -> str:
    """`.factories` for `self.factories`, `HANDLERS` for `HANDLERS.lock().unwrap()`."""
    node = receiver
    for _ in range(16):
        if node.type == "field_expression":
            return "." + field_text(node, "field")
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "field_expression":
                node = function.child_by_field_name("value") or function
                continue
            return node_text(function) if function is not None else ""
        if node.type == "index_expression" and node.named_child_count:
            node = node.named_children[0]  # `hooks.list[0]`: the list
            continue
        if node.type in ("reference_expression", "parenthesized_expression", "unary_expression", "try_expression") and node.named_child_count:
            node = node.named_children[-1]
            continue
        break
    return node_text(node)


def _parameter_name(fn_node: Node, position: int) -> str | None:
    parameters = fn_node.child_by_field_name("parameters")
    if parameters is None:
        return None
    named = [p for p in parameters.named_children if p.type == "parameter"]
    if position >= len(named):
        return None
    pattern = named[position].child_by_field_name("pattern")
    return node_text(pattern) if pattern is not None and pattern.type == "identifier" else None
