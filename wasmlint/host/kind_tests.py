"""`x instanceof WebAssembly.Memory` says what `x` is: on the branch where it holds, `x` is a memory
(sqlite-wasm picks `target.memory instanceof WebAssembly.Memory ? target.memory :
target.exports.memory`), whatever the analysis knew of it before; a view made over its buffer
detaches when memory grows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from wasmlint.host.domain import Memory, State
from wasmlint.syntax import node_bytes

if TYPE_CHECKING:
    from wasmlint.host.calls import Calls as Interpreter

_MEMORY_CLASS = b"WebAssembly.Memory"


def refine_instanceof(interp: "Interpreter", tested: Node | None, cls: Node | None, yes: State) -> None:
    """Where `tested instanceof cls` holds and `cls` is `WebAssembly.Memory`: `tested` is a memory
    (a shared one stays shared). Only places the test can name (a variable, an object's slot)."""
    if tested is None or cls is None or b"".join(node_bytes(cls).split()) != _MEMORY_CLASS:
        return
    for kind, key in interp.places(tested, yes):
        if kind == "env":
            continue  # (a variable a closure captured: left as it is)
        heap = kind == "heap"
        held = (yes.heap if heap else yes.cells).get(key, frozenset())
        memories = frozenset(v for v in held if isinstance(v, Memory))
        yes.put(heap, key, memories or frozenset({Memory()}))
