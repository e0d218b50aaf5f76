"""Must-detachment: a value is detached *for sure* when, on every path to the point, a call that
certainly grew memory ran after the value was made (or last found attached). A detachment test of
such a value (`x.byteLength === 0`, `x.buffer !== memory.buffer`, `x.buffer.detached`, ...) then
has a known value, and its "attached" branch is dead: a guard that tests an older view, detached
for sure, always re-makes what it guards.

The values at a place are the union over paths, and a buffer or view keeps apart the calls made
on every path since it was made (`Memo.sure`) from those of some path (`Memo.grows`): so "every
value is a buffer or view with a call that grew for sure among its sure calls" is "on every
path". Which calls grow for sure:
- the host's own `memory.grow(n)` outside an import callback (JavaScript's grow detaches the
  buffer even for n = 0);
- a call into the module whose every possible export grows on every call (the module layer's
  `grows_every_call`: a `memory.grow` by a nonzero constant on every path; a Rust allocator's
  growth never is), except the export call whose import callback runs now (it may call the import
  before it grows: `write_then_grow`) unless it calls that import on every call and never grows
  after the import returns (`grow_then_write`: its growth came first);
- the host's `memory.grow` in an import callback, when the export that ran it calls that import on
  every call (`imports_every_call`).
Never: a call made by an earlier entry point, one a summary stands for (its calls are what some
run made, not what every run makes: `Program.unsure`), one the module's facts cannot judge.

Without the module's facts the question stays open: `Program.must_undecided` asks the caller to
run the file again with them (`run.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tree_sitter import Node

from wasmlint.host.domain import Memo, State, line_of
from wasmlint.host.values import Grow

if TYPE_CHECKING:
    from wasmlint.host.calls import Calls as Interpreter


def _grows_for_sure(grow: Grow, module: Any, ongoing: tuple[int, tuple[str, ...]] | None,
                    unsure: set) -> bool | None:
    """True: the call certainly grew memory; False: it may not have; None: the module decides."""
    if grow.earlier or grow.key in unsure:
        return False
    if grow.host_grow and not grow.inside:
        return True
    if ongoing is not None and not grow.inside and (grow.line, grow.exports) == ongoing:
        return _grown_first(grow, module)
    if module is None:
        return None
    if grow.inside:
        export = module.export(grow.inside)
        if export is None or grow.through not in getattr(export, "imports_every_call", ()):
            return False
        if grow.host_grow:
            return True
    if not grow.exports:
        return False
    for name in grow.exports:
        export = module.export(name)
        if export is None or not getattr(export, "grows_every_call", False):
            return False
    return True


def _grown_first(grow: Grow, module: Any) -> bool | None:
    """The export whose import callback runs now, its own growth as the callback sees it: certain
    when the export grows on every call, calls the callback's import on every call, and never grows
    after that import returns (so on every call the growth came before it: `grow_then_write`)."""
    if not grow.mid_call or not grow.through:
        return False
    if module is None:
        return None
    export = module.export(grow.exports[0])
    if export is None or not getattr(export, "grows_every_call", False) \
            or grow.through not in getattr(export, "imports_every_call", ()):
        return False
    after = getattr(export, "imports_before_growth", None)  # (the imports after whose return it may grow)
    return after is not None and grow.through not in after


def detached_for_sure(interp: "Interpreter", vals: frozenset) -> bool:
    """Every value `vals` may hold is a buffer or view that a call grew for sure since it was made."""
    if not vals:
        return False
    program = interp.program
    inside = interp.inside_export
    ongoing = (line_of(inside[1]), (inside[0],)) if inside is not None else None
    undecided = False
    for value in vals:
        if not isinstance(value, Memo) or not value.sure:
            return False
        verdicts = [_grows_for_sure(grow, program.module, ongoing, program.unsure) for grow in value.sure]
        if True in verdicts:
            continue
        if None in verdicts:
            undecided = True
            continue
        return False
    if undecided:
        program.must_undecided = True
        return False
    return True


def live_buffer_never_empty(interp: "Interpreter") -> bool:
    """The memory's current buffer (`memory.buffer` read at the test) is attached, and its length
    is the memory's size: never 0 when every memory of the module has a page to begin with. Where
    that holds, a test `memory.buffer.byteLength === 0` is always false (a guard that tests the
    live buffer instead of the view it keeps never re-makes the view). The module's facts say;
    without them the question stays open."""
    module = interp.program.module
    if module is None:
        interp.program.must_undecided = True
        return False
    memories = getattr(module, "memories", None) or ()
    return bool(memories) and all(getattr(m, "min_pages", 0) > 0 for m in memories)


def attached_is_dead(interp: "Interpreter", place: Node, st: State) -> bool:
    """On `st`, the branch where a detachment test says `place` is attached: when what `place`
    holds is detached for sure, the branch cannot happen (it ends here)."""
    held: set = set()
    for kind, key in interp.places(place, st):
        if kind == "env":  # a variable a closure captured: its cell
            held |= st.cells.get(key[2], frozenset())
        else:
            held |= (st.cells if kind == "cell" else st.heap).get(key, frozenset())
    if not held or not detached_for_sure(interp, frozenset(held)):
        return False
    st.dead = True
    return True
