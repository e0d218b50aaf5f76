"""When an export calls each import relative to its growth: whether memory may grow before a call
of the import (its host callback then sees the growth) and after one returns (what the callback
made is then over the old buffer).

Instruction order stands for execution order: a forward branch only skips code, so growth that
comes earlier in a body, or in a callee called earlier, is the only growth that can precede a
call, except in a loop, where growth anywhere in the loop may precede (and follow) every call in
it. Indirect calls may grow; recursion is not ordered (each call in a recursive group may come
before and after its growth). Each body is scanned once, callees before callers, so the work is
linear in the module's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from wasmlint.module.decoder import WasmModule
from wasmlint.module.instructions import BodyFacts, decode_instruction
from wasmlint.module.leb import DecodeError
from wasmlint.module.opcodes import order_tokens

LOOP = 0x03


@dataclass(frozen=True, slots=True)
class Order:
    """What one call of a function does (import sets as bit masks over the imports followed):
    `reach`, the imports it may call; `grows`, whether it may grow memory; `before`, the imports
    it may call after growing; `after`, the imports after a call of which it may grow."""

    reach: int = 0
    grows: bool = False
    before: int = 0
    after: int = 0


NOTHING = Order()


@dataclass(frozen=True)
class ImportOrder:
    """Per export function: the imports ("module.name") it may call after memory may have grown
    in the same call, and those after whose return it may grow memory. Only exports with some are
    listed (a generated module has tens of thousands of exports and often no imports)."""

    after: dict[int, tuple[str, ...]]
    before: dict[int, tuple[str, ...]]

    def after_growth(self, func: int) -> tuple[str, ...]:
        return self.after.get(func, ())

    def before_growth(self, func: int) -> tuple[str, ...]:
        return self.before.get(func, ())


def import_order(module: WasmModule, graph, export_funcs: set[int], data: bytes | None,
                 growth_imports: set[int]) -> ImportOrder | None:
    """How each export's calls of imports fall around its growth (`growth_imports`: imports
    through which the host grows memory). None without the module's bytes (nothing to scan)."""
    if data is None:
        return None
    imported = [imp for imp in module.imports if imp.kind == "func"]
    if not imported:
        return ImportOrder({}, {})
    bit = {imp.index: 1 << n for n, imp in enumerate(imported)}
    names = [f"{imp.module}.{imp.name}" for imp in imported]
    orders = _Orders(module, graph, data, bit, growth_imports).of(export_funcs)

    def named(mask: int) -> tuple[str, ...]:
        return tuple(sorted(name for n, name in enumerate(names) if mask >> n & 1))

    return ImportOrder({f: named(orders[f].before) for f in export_funcs if orders[f].before},
                       {f: named(orders[f].after) for f in export_funcs if orders[f].after})


class _Orders:
    """The Order of every node reached from the exports: functions, and the indirect calls of
    each signature (negative nodes of the call graph, which lead to every address-taken function
    of that signature)."""

    def __init__(self, module: WasmModule, graph, data: bytes, bit: dict[int, int], growth_imports: set[int]):
        self.module, self.graph, self.data = module, graph, data
        self.bit, self.growth_imports = bit, growth_imports
        self.grow_funcs = {site.func_index for site in module.grow_sites}
        self.bodies = {body.func_index: body for body in module.bodies}
        self.order: dict[int, Order] = {}

    def successors(self, node: int) -> list[int]:
        graph = self.graph
        if node < 0:
            return list(graph.taken_with(node))
        found = list(self.module.calls.get(node, ()))
        for type_index in self.module.indirect_call_types.get(node, ()):
            signature = graph.signature_of_type(type_index)
            if signature is not None:
                found.append(signature)
        return found

    def of(self, roots: set[int]) -> dict[int, Order]:
        """Tarjan's strongly connected components, iteratively: each component is complete after
        every component it calls, so its callees' Orders are known when it is summed up."""
        index: dict[int, int] = {}
        low: dict[int, int] = {}
        stack: list[int] = []
        on_stack: set[int] = set()
        for root in sorted(roots):
            if root in index:
                continue
            work = [(root, iter(self.successors(root)))]
            index[root] = low[root] = len(index)
            stack.append(root)
            on_stack.add(root)
            while work:
                node, pending = work[-1]
                for succ in pending:
                    if succ not in index:
                        index[succ] = low[succ] = len(index)
                        stack.append(succ)
                        on_stack.add(succ)
                        work.append((succ, iter(self.successors(succ))))
                        break
                    if succ in on_stack:
                        low[node] = min(low[node], index[succ])
                else:
                    work.pop()
                    if work:
                        parent = work[-1][0]
                        low[parent] = min(low[parent], low[node])
                    if low[node] == index[node]:
                        members = []
                        while True:
                            member = stack.pop()
                            on_stack.discard(member)
                            members.append(member)
                            if member == node:
                                break
                        self.settle(members)
        return self.order

    def settle(self, members: list[int]) -> None:
        """The Order of a component whose callees all have theirs."""
        if len(members) == 1 and members[0] not in self.successors(members[0]):
            node = members[0]
            self.order[node] = self.single(node)
            return
        # Recursion: any call in the group may come before or after any growth in it.
        group = set(members)
        reach, grows = 0, False
        for node in members:
            own = self.own(node)
            reach |= own.reach
            grows = grows or own.grows
            for succ in self.successors(node):
                if succ not in group:
                    callee = self.order.get(succ, NOTHING)
                    reach |= callee.reach
                    grows = grows or callee.grows
        whole = Order(reach, grows, reach if grows else 0, reach if grows else 0)
        for node in members:
            self.order[node] = whole

    def own(self, node: int) -> Order:
        """What a node does by itself: an import is called (and may grow memory); an indirect
        call may grow; a body may hold memory.grow."""
        if node < 0:
            return Order(grows=True)
        if node < self.module.num_imported_funcs:
            return Order(self.bit.get(node, 0), node in self.growth_imports)
        return Order(grows=node in self.grow_funcs)

    def single(self, node: int) -> Order:
        own = self.own(node)
        if node < self.module.num_imported_funcs:
            return own
        callees = [self.order.get(succ, NOTHING) for succ in self.successors(node)]
        reach = own.reach
        grows = own.grows
        for callee in callees:
            reach |= callee.reach
            grows = grows or callee.grows
        if node < 0:  # may grow, then call an import, then grow again
            return Order(reach, True, reach, reach)
        if not reach or not grows:
            return Order(reach, grows)
        body = self.bodies.get(node)
        if body is None:
            return Order(reach, grows, reach, reach)
        try:
            before, after = self.scan(body)
        except DecodeError:
            before = after = reach
        return Order(reach, grows, before, after)

    def scan(self, body) -> tuple[int, int]:
        """(before, after) of one body, from its calls and growth in instruction order."""
        walk = _Walk()
        data, end = self.data, body.end
        num_funcs = len(self.module.func_type_indices)
        pattern = order_tokens()
        pos = body.expr_start
        while pos < end:
            for match in pattern.finditer(data, pos, end):
                group = match.lastindex
                if group == 1:
                    walk.event(self.order.get(_leb(match.group(1)), NOTHING))
                elif group == 2 or group == 3:
                    walk.event(self.indirect(_leb(match.group(group))))
                elif group == 4:
                    walk.event(Order(grows=True))
                elif group == 5:
                    walk.open(data[match.start(5)] == LOOP)
                elif group == 6:
                    walk.close()
                elif match.start(7) == end:
                    pos = end
                    break
                else:  # decoded here: what it calls, and whether it opens a block
                    start = match.start(7)
                    facts = BodyFacts()
                    pos = decode_instruction(data, start, end, facts, num_funcs)
                    if data[start] == 0x1F:  # try_table
                        walk.open(False)
                    for callee in facts.calls:
                        walk.event(self.order.get(callee, NOTHING))
                    for type_index in facts.indirect:
                        walk.event(self.indirect(type_index))
                    if facts.grows:
                        walk.event(Order(grows=True))
                    break
            else:
                break
        return walk.before, walk.after

    def indirect(self, type_index: int) -> Order:
        signature = self.graph.signature_of_type(type_index)
        reach = self.order.get(signature, NOTHING).reach if signature is not None else 0
        return Order(reach, True, reach, reach)


class _Walk:
    """The scan of one body: what it has done so far, and per open block what the block did (a
    loop's growth may come before and after every call in it)."""

    def __init__(self) -> None:
        self.grown = False  # memory may have grown earlier in the body
        self.called = 0  # imports called earlier in the body
        self.before = self.after = 0
        self.blocks: list[list] = [[False, False, 0]]  # [is a loop, grows, reach] per open block

    def event(self, callee: Order) -> None:
        """A call (or memory.grow) that does what `callee` says."""
        self.before |= callee.before | (callee.reach if self.grown else 0)
        self.after |= callee.after | (self.called if callee.grows else 0)
        self.called |= callee.reach
        self.grown = self.grown or callee.grows
        block = self.blocks[-1]
        block[1] = block[1] or callee.grows
        block[2] |= callee.reach

    def open(self, loop: bool) -> None:
        self.blocks.append([loop, False, 0])

    def close(self) -> None:
        loop, grows, reach = self.blocks.pop()
        if loop and grows:
            self.before |= reach
            self.after |= reach
        if self.blocks:
            outer = self.blocks[-1]
            outer[1] = outer[1] or grows
            outer[2] |= reach


def _leb(raw: bytes) -> int:
    value = shift = 0
    for b in raw:
        value |= (b & 0x7F) << shift
        shift += 7
    return value
