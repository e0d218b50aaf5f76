"""Exceptions: where a path leaves by a throw, and what a use that throws on a detached value tells.

A use that V8 rejects on a detached buffer (`new DataView(buffer)`, `view.slice()`,
`dv.getInt32()`, iterating a view) leaves the running code. The state there is not lost: it
reaches the enclosing `catch`, else the caller's, else the end of the entry point, whose callers
(the page's event loop, the driver of a test) go on and run other entry points from it. So each
such use adds its state to `Access.thrown`, which `try` takes for its `catch` and the entry points
take for what the next ones start with. A `throw` statement ends its path without keeping its
state (`throw`, below: that was too costly on bundles).

A use that throws on a detached value and *returned* proves the value attached: past it, the
place it was read from is fresh, as after a guard (`dv.getUint32(a); dv.getUint32(b)`: the second
read runs only where the first did not throw), and where the value is detached for sure
(`must.py`) no path goes on at all. The path where it threw carries the value as it was.

Which uses throw, as V8 does them (each checked in Node 20 on a detached buffer): a typed array
or DataView built over the buffer, or a typed array copied from the view; every method of
%TypedArray%.prototype and of DataView; iterating a typed array (`for...of`, spread, `Array.from`);
`ArrayBuffer.prototype.slice`; `structuredClone`. Reading an element, `length` or `byteLength`
does not (undefined, 0), nor `TextDecoder.decode` or most of Node's own `Buffer` methods
(`buf.toString()` of a detached one is empty): a `Buffer` proves nothing here, but `Buffer.from` over
a detached `ArrayBuffer` throws (a copy of a detached view does not).

A use inside a `try` is a test, not a stale use, only where the `catch` deals with the value it
used: re-makes it (`catch { view = new Uint8Array(memory.buffer) ... }`) or uses it again (that use
is then the one judged). A `catch` that only logs or drops the error (`catch (e) { report(e) }`,
an event loop's or a driver's) leaves the use a stale use, whose throw it swallows; either way the
`catch` starts from the states the body may have thrown in (`recovers`, below).

A function every path of which threw (at such uses) ends its caller's path too, except an async or generator
function (calling one never throws: its throw rejects the promise it returned, or comes at
`next()`), and a Promise executor (its throw rejects the promise being built).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from tree_sitter import Node

from wasmlint.host.domain import Memo, State
from wasmlint.syntax import node_bytes

# (The interpreter is typed `Any` here: calls.py imports this module, and the architecture test
# forbids import cycles, also through type-checking imports.)
Interpreter = Any

# %TypedArray%.prototype's methods: each validates its receiver first, and throws on a detached one.
TYPED_ARRAY_METHODS = frozenset({
    "at", "copyWithin", "entries", "every", "fill", "filter", "find", "findIndex", "findLast", "findLastIndex",
    "forEach", "includes", "indexOf", "join", "keys", "lastIndexOf", "map", "reduce", "reduceRight", "reverse",
    "set", "slice", "some", "sort", "subarray", "toLocaleString", "toReversed", "toSorted", "toString", "values",
    "with",
})


def raised(interp: "Interpreter", st: State) -> None:
    """The path may leave here by a throw: its state joins what the enclosing `catch` (or the
    caller, or the entry point's end) receives. `st` goes on (the caller says whether it may)."""
    thrown = interp.thrown
    interp.thrown = st.copy() if thrown is None else thrown.join(st)


def throw(interp: "Interpreter", st: State) -> None:
    """A `throw` statement: the path leaves here. Its state is not kept (a bundle's error paths
    throw by the hundred: joining each one's state made Emscripten's glue five times slower), so a
    function that may have thrown so does not end its caller's path: the caller goes on from where
    it threw, and what the path did before still reaches the code after the call
    (`Access.unkept`)."""
    if st.dead:
        return
    interp.unkept += 1
    st.dead = True


# An async function or method (`async function`, `async (x) =>`, `static async m()`), or a
# generator method (`*m()`, `async *m()`): read from the text where it starts. (Its child nodes are
# not asked: `Node.children` keeps the list it makes alive as long as the node, and this is asked
# at every call of every function.)
_ASYNC_OR_GENERATOR = re.compile(rb"(?:static\s+)?(?:async(?![\w$])|\*)")


# Logging does not deal with a value: `console.error('failed', view)` only shows it.
_LOGGING = frozenset({b"console"})


def catch_names(handler: Node) -> frozenset[bytes]:
    """The names a `catch` clause's body mentions (but for its parameter, and inside calls of
    `console` methods): those of the values it re-makes or uses again."""
    body = handler.child_by_field_name("body")
    parameter = handler.child_by_field_name("parameter")
    own = {node_bytes(n) for n in _descendants(parameter)} if parameter is not None else set()
    names: set[bytes] = set()
    stack = [body] if body is not None else []
    while stack:
        node = stack.pop()
        if node.type in ("identifier", "this", "shorthand_property_identifier"):
            names.add(node_bytes(node))
            continue
        if node.type == "call_expression" and _root(node.child_by_field_name("function")) in _LOGGING:
            continue
        stack.extend(node.named_children)
    return frozenset(names - own)


def recovers(catches: tuple[frozenset[bytes], ...], holder: Node | None) -> bool:
    """Whether a `catch` around the running statement deals with the value read at `holder`
    (`catches`: the names each enclosing `catch` of the running function mentions)."""
    if not catches:
        return False
    root = _root(holder)
    return root is not None and any(root in names for names in catches)


def _root(node: Node | None) -> bytes | None:
    """The variable a place is read from: `view` of `view`, `cache.words[0]`, `held.get('v')`,
    `readView()`; `this` of `this.#view`."""
    while node is not None:
        if node.type in ("identifier", "this"):
            return node_bytes(node)
        if node.type in ("member_expression", "subscript_expression"):
            node = node.child_by_field_name("object")
        elif node.type == "call_expression":
            node = node.child_by_field_name("function")
        elif node.type in ("parenthesized_expression", "non_null_expression", "as_expression",
                           "satisfies_expression", "await_expression"):
            node = node.named_children[0] if node.named_children else None
        else:
            return None
    return None


def _descendants(node: Node) -> list[Node]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            found.append(current)
        stack.extend(current.named_children)
    return found


def never_throws(function: Node, source: bytes) -> bool:
    """An async or generator function: calling it never throws."""
    if function.type in ("generator_function", "generator_function_declaration"):
        return True
    return _ASYNC_OR_GENERATOR.match(source, function.start_byte, function.start_byte + 32) is not None


def method_throws(memo: Memo, prop: str) -> bool:
    """Whether calling method `prop` of `memo` throws when its buffer is detached."""
    if memo.is_buffer:
        return prop == "slice"
    if memo.ctor == "DataView":
        return prop.startswith(("get", "set"))
    return memo.ctor != "Buffer" and prop in TYPED_ARRAY_METHODS


def build_throws(ctor: str, memo: Memo) -> bool:
    """Whether `new ctor(x)` throws when `x` (a buffer, or a view it copies) is detached. Node's
    `Buffer.from` copies a detached view (empty) but constructs over a detached buffer, which throws."""
    return ctor != "Buffer" or memo.is_buffer


def iteration_throws(memo: Memo) -> bool:
    return not memo.is_buffer and memo.ctor not in ("DataView", "Buffer")


def used(interp: "Interpreter", vals: frozenset, holder: Node | None, st: State,
         throws_on: Callable[[Memo], bool]) -> None:
    """`vals`, read at `holder`, were used by an operation that throws on a detached value
    (`throws_on(memo)`, for each buffer or view `vals` may be). Where one of them may be detached,
    the path may leave here; where it goes on, what `holder` names was attached: fresh past it,
    and a value detached for sure ends the path."""
    if st.dead or interp.checking:
        return
    memos = [v for v in vals if isinstance(v, Memo)]
    if not memos or not any(v.grows for v in memos):
        return
    if not all(throws_on(v) for v in memos):
        return  # (one of them may be used without a throw: the path proves nothing)
    raised(interp, st)
    if holder is None:
        return
    refined = interp.refined
    mark = len(refined)
    # (`guards.freshen`: ends the path where the value is detached for sure.) In an import callback
    # too: what outlives the callback is aged again by the export's growth when the callback's
    # import returns, where the module says that growth may follow it (`callback_rounds`).
    interp.freshen(holder, st)
    del refined[mark:]
