"""What an exported function does on *every* call that returns: grow memory (a `memory.grow` by a
nonzero constant), and which imports it calls. The rest of the module layer says what a call *may*
do; the host layer needs what it *must* do to know that a view is detached for sure (a test of it
then has a known value).

A forward must-analysis over each body's structured control flow: the facts that hold at a point
are those on every path reaching it (joined by intersection at a block's end; a branch carries its
facts to the label it targets; code after `br`, `return`, `unreachable` is reached by no path).
A call adds what the callee does on every call. Anything this walk does not model (exception
handling, branches on casts, a body it cannot decode, a call cycle, work past the budget) makes
nothing certain, never more: a function's must-facts are never larger than what it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wasmlint.module.instructions import BodyFacts, decode_instruction
from wasmlint.module.leb import DecodeError
from wasmlint.module.leb import read_signed, read_u32
from wasmlint.module.model import WasmModule

GROW = "memory.grow"  # the fact "memory grew" (the others are imports, "module.name")
BUDGET = 200_000  # instructions walked per module: a huge module gets no certainty past it
MAX_CALL_DEPTH = 200  # nested calls followed from one function

_UNREACHABLE, _BLOCK, _LOOP, _IF, _ELSE, _END = 0x00, 0x02, 0x03, 0x04, 0x05, 0x0B
_BR, _BR_IF, _BR_TABLE, _RETURN, _CALL, _RETURN_CALL = 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x12
_THROWS = (0x08, 0x09, 0x0A)  # throw rethrow throw_ref: the path does not return
_UNMODELLED = (0x06, 0x07, 0x18, 0x19, 0x1F, 0xD5, 0xD6, 0xFB)  # try, catch, delegate, catch_all, try_table, br_on_*, GC prefix
_CONSTS = (0x41, 0x42)  # i32.const i64.const
_MEMORY_GROW = 0x40

Facts = frozenset  # of str; None: no path reaches the point
# Since Python 3.10 each `frozenset()` is a new object of about 200 bytes: every function's facts
# would be one (a generated module has tens of thousands), so the empty facts are this one.
NOTHING: Facts = frozenset()


class _GiveUp(Exception):
    """Something the walk does not model: nothing is certain."""


@dataclass
class _Frame:
    kind: int  # _BLOCK, _LOOP, _IF (the function body is a _BLOCK)
    entry: Facts | None
    label: Facts | None = None  # joined over the branches to its end
    then_end: Facts | None = None
    has_else: bool = False


def _join(a: Facts | None, b: Facts | None) -> Facts | None:
    if a is None or a is b:
        return b
    if b is None:
        return a
    return (a & b) or NOTHING


@dataclass
class _Walker:
    module: WasmModule
    data: bytes
    done: dict[int, Facts] = field(default_factory=dict)
    shared: dict[Facts, Facts] = field(default_factory=dict)  # one copy of each distinct result
    running: set[int] = field(default_factory=set)
    steps: int = 0

    def of(self, func: int) -> Facts:
        """What function `func` does on every call that returns."""
        if func in self.done:
            return self.done[func]
        m = self.module
        if func < m.num_imported_funcs:
            imp = next((i for i in m.imports if i.kind == "func" and i.index == func), None)
            facts: Facts = frozenset({f"{imp.module}.{imp.name}"}) if imp is not None else NOTHING
        elif func in self.running or len(self.running) >= MAX_CALL_DEPTH:
            # A cycle (its facts are being worked out), or a chain of calls deeper than the
            # walk follows (Python's stack is not a module's to exhaust): assume nothing.
            return NOTHING
        else:
            self.running.add(func)
            try:
                facts = self._body(func)
            except (_GiveUp, DecodeError, IndexError):
                facts = NOTHING
            finally:
                self.running.discard(func)
        facts = self.done[func] = self.shared.setdefault(facts, facts) if facts else NOTHING
        return facts

    def _body(self, func: int) -> Facts:
        m, data = self.module, self.data
        body = m.bodies[func - m.num_imported_funcs]
        pos, end = body.expr_start, body.end
        scratch = BodyFacts()
        frames = [_Frame(_BLOCK, NOTHING)]
        now: Facts | None = NOTHING
        exits: Facts | None = None
        last_const: int | None = None
        while pos < end:
            self.steps += 1
            if self.steps > BUDGET:
                raise _GiveUp
            code = data[pos]
            const = None
            if code in _UNMODELLED:
                raise _GiveUp
            if code in (_BLOCK, _LOOP, _IF):
                frames.append(_Frame(code, now))
            elif code == _ELSE:
                frame = frames[-1]
                frame.then_end, frame.has_else, now = now, True, frame.entry
            elif code == _END:
                frame = frames.pop()
                if frame.kind == _IF:
                    now = _join(_join(now, frame.then_end if frame.has_else else frame.entry), frame.label)
                elif frame.kind == _BLOCK:
                    now = _join(now, frame.label)
                if not frames:  # the function's own end
                    exits = _join(exits, now)
                    break
            elif code in (_BR, _BR_IF):
                depth, _ = read_u32(data, pos + 1, end)
                self._branch(frames, depth, now)
                if depth >= len(frames) - 1:
                    exits = _join(exits, now)
                if code == _BR:
                    now = None
            elif code == _BR_TABLE:
                count, p = read_u32(data, pos + 1, end)
                for _ in range(count + 1):
                    depth, p = read_u32(data, p, end)
                    self._branch(frames, depth, now)
                    if depth >= len(frames) - 1:
                        exits = _join(exits, now)
                now = None
            elif code == _RETURN:
                exits, now = _join(exits, now), None
            elif code in (_UNREACHABLE, *_THROWS):
                now = None
            elif code in (_CALL, _RETURN_CALL):
                callee, _ = read_u32(data, pos + 1, end)
                if now is not None:
                    done = self.of(callee)
                    if not done <= now:
                        now = now | done
                if code == _RETURN_CALL:
                    exits, now = _join(exits, now), None
            elif code == _MEMORY_GROW:
                memory_index, _ = read_u32(data, pos + 1, end)
                if now is not None and memory_index == 0 and last_const not in (None, 0) and GROW not in now:
                    now = now | {GROW}
            elif code in _CONSTS:
                const, _ = read_signed(data, pos + 1, end, 10)
            pos = decode_instruction(data, pos, end, scratch, len(m.func_type_indices))
            last_const = const
        return exits if exits is not None else NOTHING

    @staticmethod
    def _branch(frames: list[_Frame], depth: int, now: Facts | None) -> None:
        """A branch to the label `depth` frames out: a block's (or if's) end joins what it carries;
        a loop's start is where the loop began (facts only grow along a path, so the entry's stand)."""
        if depth >= len(frames):
            raise _GiveUp
        target = frames[-1 - depth]
        if target.kind != _LOOP:
            target.label = _join(target.label, now)


def certain_facts(module: WasmModule, data: bytes | None, funcs: set[int]) -> dict[int, Facts]:
    """Function -> what it does on every call that returns (GROW, imports "module.name");
    empty for all without the module's bytes."""
    if data is None:
        return dict.fromkeys(funcs, NOTHING)
    walker = _Walker(module, data)
    return {func: walker.of(func) for func in sorted(funcs)}
