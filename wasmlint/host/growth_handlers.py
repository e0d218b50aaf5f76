"""Growth handlers: functions a host runs when memory grows, to re-make its long-lived views
(Emscripten's `updateMemoryViews`, Go's `resetMemoryDataView`, a hand-written `onGrow`). What they
store is re-made on every growth."""

from __future__ import annotations

import re
from bisect import bisect_left

from wasmlint.host.program import FunctionRef, Program


# Functions a host runs when memory grows, to re-create its long-lived views: Emscripten's
# `updateMemoryViews` / `growMemory`, Go's `runtime.resetMemoryDataView`, hand-written `onGrow`.
_CALLED_NAME = re.compile(rb"(?<![\w$])([A-Za-z_$][\w$]*)\s*\(")  # from word starts only: linear on long words
_GROW_CALL = re.compile(rb"\.grow\(")
_REFRESH_NAME = re.compile(r"(?i)resize|grow|(update|reset|refresh|rebuild).*(view|heap|memory|buffer)")


def mark_growth_handlers(program: Program) -> None:
    """Growth handlers: a function named like one, one that calls `.grow(` itself, and the
    functions either calls by name. What they store is re-made on every growth."""
    # Positions found once for the whole file: searching each function's text anew would read
    # nested functions' text once per enclosing function (quadratic in the nesting).
    grow_calls = [match.span() for match in _GROW_CALL.finditer(program.source)]
    handlers = [f for f in program.functions.values()
                if f.body is not None and (_REFRESH_NAME.search(f.name)
                                           or _any_within(grow_calls, f.body.start_byte, f.body.end_byte))]
    if not handlers:
        return
    by_name: dict[str, list[FunctionRef]] = {}
    for function in program.functions.values():
        if function.name and not function.class_id:
            by_name.setdefault(function.name, []).append(function)
    calls = _CallsInHandlers(program.source, [(body.start_byte, body.end_byte) for f in handlers if (body := f.body) is not None])
    for function in handlers:
        function.handler = True
    for function in handlers:
        body = function.body
        if body is None:
            continue
        for name in calls.not_yet_read(body.start_byte, body.end_byte):
            for callee in by_name.get(name, ()):
                callee.handler = True


def _any_within(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether one of the sorted, disjoint `spans` lies in [start, end)."""
    at = bisect_left(spans, (start, start))
    return at < len(spans) and spans[at][1] <= end


class _CallsInHandlers:
    """The calls `name(` in growth handlers' bodies, each read once in all (a handler nested in
    another shares its calls)."""

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
