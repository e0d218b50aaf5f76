"""What the top level's `await` proves has run. A one-shot callback that settles the very promise
the top level waits on has run by the time the top level goes on, once, and nowhere else:
- the callback of a `.then(fn)` / `.finally(fn)` the awaited expression ends with (the promise
  `.then` returns settles after `fn` returned; where the chain rejected, the top level never goes on);
- a timer, frame or microtask callback registered while the awaited expression was evaluated that
  calls the resolve function of the `new Promise` executor it is written in
  (`new Promise((done) => setTimeout(() => { fn(); done() }, 0))`): the promise settles there.
(Promises are not followed as values: a callback registered while the awaited expression ran that
settles another promise, one the awaited function made and dropped, is taken for the awaited one.)
Such a callback runs at the `await` in the top level's own order (`await later(a); b(); await
later(a)`: `a`, then `b`, then `a`), not as an entry point that may run at any time from what all
of them left. Handlers (`emitter.on`, `setInterval`) and callbacks that do not settle the awaited
promise stay entry points."""

from __future__ import annotations

import re
from typing import Any

from tree_sitter import Node

from wasmlint.host.domain import NOTHING, Func, State
from wasmlint.host.program import ROOT

# Deferring calls whose callback runs once (a handler registered with `on` may run again).
_ONE_SHOT = frozenset({"setTimeout", "setImmediate", "requestAnimationFrame", "queueMicrotask", "nextTick",
                       "requestIdleCallback"})
_SETTLING_METHODS = frozenset({"then", "finally"})
_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "non_null_expression"})


class Settling:
    """The resolve function of the executor a settling callback is written in: the states where
    the callback calls it are those the awaiting top level goes on from (where the callback caught
    a throw and rejected instead, the `await` threw)."""

    def __init__(self, scope: int, name: str) -> None:
        self.scope, self.name = scope, name
        self.states: list[State] = []

    def called(self, interp: Any, callee: Node, st: State) -> None:
        name = (callee.text or b"").decode()
        if name == self.name and not st.dead and interp.cell(name)[0] == self.scope:
            self.states.append(st.copy())


def run_settling(interp: Any, operand: Node | None, before: set, st: State, node: Node) -> None:
    """Run, at a top-level `await` of `operand`, the callbacks that settle the promise it waits on
    (`before`: the deferred keys known before `operand` was evaluated), in the order registered."""
    for func, settling in _settling_callbacks(interp, operand, before, st):
        interp.settling = settling
        try:
            interp.run_now(frozenset((func,)), [NOTHING], st, node)
        finally:
            interp.settling = None
        if settling is not None and settling.states:
            rejected = st.copy()
            went_on = settling.states[0]
            for other in settling.states[1:]:
                went_on = went_on.join(other)
            st.become(went_on)
            thrown = interp.swap_thrown(None)
            interp.swap_thrown(rejected if thrown is None else thrown.join(rejected))


def _settling_callbacks(interp: Any, operand: Node | None, before: set,
                        st: State) -> list[tuple[Func, Settling | None]]:
    """The callbacks registered while `operand` (an awaited expression at the top level) was
    evaluated that settle the promise it waits on, each with the resolve call it settles by (None:
    a `.then` callback, which settles by returning)."""
    program = interp.program
    if operand is None:
        return []
    found: dict[tuple, tuple[Func, Settling | None]] = {}
    for key, func in program.deferred.items():
        if key in before:
            continue  # (merged with a callback registered earlier: it may run at any time still)
        settling = _resolves_its_promise(program, func.node_id)
        if settling is not None:
            found[key] = (func, settling)
    if len(found) > 1:
        found.clear()  # (timers awaited together fire in the order of their delays, unknown here)
    node: Node | None = operand
    while node is not None:
        while node.type in _WRAPPERS and node.named_children:
            node = node.named_children[0]
        if node.type != "call_expression":
            break
        callee = node.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            break
        prop = callee.child_by_field_name("property")
        args = node.child_by_field_name("arguments")
        if prop is not None and (prop.text or b"").decode() in _SETTLING_METHODS and args is not None and args.named_children:
            for value in interp.eval_quietly(args.named_children[0], st):
                key = (value.node_id, value.this) if isinstance(value, Func) else None
                if key is not None and key in program.deferred and key not in before:
                    found[key] = (program.deferred[key], None)
        node = callee.child_by_field_name("object")
    order = {key: index for index, key in enumerate(program.deferred)}
    for key in found:
        del program.deferred[key]
    # (In the order they were registered: a `.then` chain's callbacks run first to last.)
    return [found[key] for key in sorted(found, key=order.__getitem__)]


def _resolves_its_promise(program: Any, function_id: int) -> Settling | None:
    """Where the function is registered by a one-shot deferring call inside a Promise executor
    and calls that executor's resolve parameter: that parameter."""
    function = program.functions.get(function_id)
    if function is None or not _registered_once(function.node):
        return None
    scope = function.scope
    while scope != ROOT:
        resolve = program.executors.get(scope)
        if resolve:
            text = program.source[function.node.start_byte:function.node.end_byte]
            if re.search(rb"(?<![\w$.])" + re.escape(resolve) + rb"\s*\(", text) is None:
                return None
            return Settling(scope, resolve.decode())
        outer = program.functions.get(scope)
        if outer is None:
            return None
        scope = outer.scope
    return None


def _registered_once(node: Node) -> bool:
    """Whether the function is written as the argument of a one-shot deferring call."""
    parent = node.parent
    if parent is None or parent.type != "arguments" or parent.parent is None:
        return False
    callee = parent.parent.child_by_field_name("function")
    if callee is None:
        return False
    if callee.type == "member_expression":
        callee = callee.child_by_field_name("property")
    return callee is not None and (callee.text or b"").decode() in _ONE_SHOT


def resolve_name(executor: Node) -> bytes:
    """The name of a Promise executor's first parameter (its resolve function), or b"" ."""
    single = executor.child_by_field_name("parameter")
    if single is not None:
        return single.text or b""
    params = executor.child_by_field_name("parameters")
    if params is None or not params.named_children:
        return b""
    first = params.named_children[0]
    if first.type in ("required_parameter", "optional_parameter"):
        first = first.child_by_field_name("pattern") or first
    return (first.text or b"") if first.type == "identifier" else b""
