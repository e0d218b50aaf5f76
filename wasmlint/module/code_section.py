"""Scan the code section: each function body's calls, indirect calls, `ref.func`s and `memory.grow` sites."""

from __future__ import annotations

import re

from wasmlint.module.instructions import BodyFacts, decode_instruction
from wasmlint.module.leb import DecodeError
from wasmlint.module.leb import read_u32 as _u32
from wasmlint.module.model import FunctionBody, GrowSite, WasmModule
from wasmlint.module.opcodes import FAST_TOKENS
from wasmlint.module.readers import SIMPLE_TYPES
from wasmlint.module.readers import read_value_type as _value_type

# The fast path classifies each distinct token once per module (the same callee is called from
# many places) into one int whose range says what it is: a call target, an indirect call's type
# index, a ref.func target, or something the slow path must look at.
_INDIRECT, _REF, _SPECIAL = 1 << 32, 1 << 33, 1 << 34
_SIMPLE_LOCALS = re.compile(b"(?:[\x00-\x7f][" + re.escape(bytes(sorted(SIMPLE_TYPES))) + b"])*")


class _TokenValues(dict):
    """bytes token -> int, filled on first use; function indices out of range are special."""

    def __init__(self, num_funcs: int):
        super().__init__({b"": -1})  # the token findall yields at the end of a body
        self.num_funcs = num_funcs

    def __missing__(self, token: bytes) -> int:
        value = _classify_token(token)
        target = value if value < _INDIRECT else value - _REF if _REF <= value < _SPECIAL else None
        if target is not None and target >= self.num_funcs:
            value = _SPECIAL  # the slow path reports the bad index with its offset
        self[token] = value
        return value


def _classify_token(token: bytes) -> int:
    if len(token) == 1:
        return _SPECIAL
    value = shift = 0
    for b in token[1:]:  # the first LEB128 (for call_indirect: the type index)
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
    if shift > 35 or value > 0xFFFFFFFF:
        return _SPECIAL  # let the slow path report the malformed index
    first = token[0]
    if first in (0x10, 0x12):
        return value
    if first == 0xD2:
        return _REF + value
    if first in (0x11, 0x13) and len(token) - 1 - shift // 7 > 5:
        return _SPECIAL
    return _INDIRECT + value  # call_indirect, return_call_indirect, call_ref, return_call_ref


# Large code sections are scanned by two processes: the pattern matching does not release the
# GIL, and on a 45 MB module it is most of the time. Fork shares the module bytes without copying.
PARALLEL_MIN_BYTES = 8 << 20


class CodeSection:
    """The code section of one module: body boundaries, then the instructions of every body, the
    bodies of a large section shared with a forked helper until `finish_helper`."""

    def __init__(self, data: bytes, module: WasmModule, num_defined_funcs: int, parallel: bool | None):
        self.data = data
        self.m = module
        self.num_defined_funcs = num_defined_funcs
        self.parallel = parallel
        self.helper: _Helper | None = None
        self.helper_bodies: list[FunctionBody] = []
        # One set object for each distinct set of indirect call types: most bodies that make
        # indirect calls make them with the same few types, and a set each took 200 bytes.
        self._type_sets: dict[frozenset[int], frozenset[int]] = {}

    def read(self, pos: int, end: int) -> int:
        """Read the bodies into the module (some only once the helper is finished); return where they end."""
        data, m = self.data, self.m
        count, pos = _u32(data, pos, end)
        if count != self.num_defined_funcs:
            raise DecodeError(f"code section has {count} bodies but the function section declares "
                              f"{self.num_defined_funcs} functions", pos - 1)
        base = m.num_imported_funcs
        simple_locals = _SIMPLE_LOCALS.fullmatch
        bodies = m.bodies
        # Pass 1: body boundaries and locals.
        for i in range(count):
            b = data[pos] if pos < end else 0x80
            if b < 0x80:
                size, pos = b, pos + 1
            else:
                size, pos = _u32(data, pos, end)
            body_start = pos
            body_end = pos + size
            func_index = base + i
            if body_end > end:
                raise DecodeError(f"body of function {func_index} ({size} bytes) runs past the end "
                                  "of the code section", body_start)
            # Locals: vec((count, value type)); one-byte counts and types are the common case.
            groups = data[pos] if pos < body_end else 0x80
            if groups == 0:
                p = pos + 1
            elif groups < 0x80 and simple_locals(data, pos + 1, pos + 1 + 2 * groups):
                p = pos + 1 + 2 * groups
            else:
                p = self._locals(func_index, pos, body_end)
            if p >= body_end or data[body_end - 1] != 0x0B:
                raise DecodeError(f"body of function {func_index} does not end with `end` (0x0b)",
                                  max(body_end - 1, body_start))
            bodies.append(FunctionBody(func_index, body_start, body_end, p))
            pos = body_end
        # Pass 2: the instructions. A large code section is shared with a helper process, whose
        # results are merged by finish_helper() after the last section, so that this process can
        # read the sections after the code meanwhile.
        self.token_values = _TokenValues(len(m.func_type_indices))
        code_size = bodies[-1].end - bodies[0].start if bodies else 0
        if code_size >= PARALLEL_MIN_BYTES and _Helper.possible(self.parallel):
            half, split = code_size // 2, len(bodies)
            for i, body in enumerate(bodies):
                if body.start - bodies[0].start >= half:
                    split = i
                    break
            try:
                self.helper = _Helper(self, bodies[split:])
                self.helper_bodies = bodies[split:]
                bodies = bodies[:split]
            except OSError:  # could not fork: scan everything here
                self.helper = None
        self._merge(self._scan_bodies(bodies))
        # A minimal unsigned LEB128 never ends in a zero byte after a continuation byte; wasm-ld's
        # padded call targets do. The distinct call tokens of this process's bodies are enough.
        m.relocation_padding = any(len(token) > 2 and token[0] in (0x10, 0x12) and token[-1] == 0
                                   for token in self.token_values)
        return pos

    def _scan_bodies(self, bodies: list[FunctionBody]) -> tuple:
        """(callees, indirect call type indices, ref.func targets, grow sites) of these bodies,
        as the first three WasmModule fields keyed by function index, and a list."""
        data = self.data
        find = FAST_TOKENS.findall
        lookup = self.token_values.__getitem__
        calls_out: dict[int, set[int]] = {}
        indirect_out: dict[int, frozenset[int]] = {}
        shared = self._type_sets
        refs_out: set[int] = set()
        grows_out: list[GrowSite] = []
        for body in bodies:
            expr_end = body.end - 1  # without the final `end`
            # One dict lookup per token, in C; the set of values is the set of callees unless an
            # indirect call, a ref.func or something for the slow path is among them.
            calls = set(map(lookup, find(data, body.expr_start, expr_end)))
            calls.discard(-1)  # the end-of-body token
            if calls and max(calls) >= _INDIRECT:
                rare = {v for v in calls if v >= _INDIRECT}
                calls -= rare
                if _SPECIAL in rare:
                    facts = self._slow_body(body.expr_start, expr_end)
                    calls, indirect, refs = facts.calls, facts.indirect, facts.refs
                    grows_out.extend(GrowSite(body.func_index, offset, memory_index, size)
                                     for offset, memory_index, size in facts.grows)
                else:
                    indirect = {v - _INDIRECT for v in rare if v < _REF}
                    refs = {v - _REF for v in rare if v >= _REF}
                if indirect:
                    types = frozenset(indirect)
                    indirect_out[body.func_index] = shared.setdefault(types, types)
                refs_out |= refs
            if calls:
                calls_out[body.func_index] = calls
        return calls_out, indirect_out, refs_out, grows_out

    def _merge(self, scanned: tuple) -> None:
        calls, indirect, refs, grows = scanned
        m = self.m
        m.calls.update(calls)
        shared = self._type_sets  # the helper's sets come back as copies: share them again
        m.indirect_call_types.update((func, shared.setdefault(types, types)) for func, types in indirect.items())
        m.ref_funcs |= refs
        m.grow_sites.extend(grows)

    def finish_helper(self) -> None:
        """Merge the helper's bodies (scanning them here if the helper failed); raise its error.
        Does nothing when no helper is running."""
        if self.helper is None:
            return
        helper, self.helper = self.helper, None
        outcome = helper.result()
        if outcome is None:
            outcome = ("ok", self._scan_bodies(self.helper_bodies))
        if outcome[0] == "error":
            raise DecodeError(outcome[1], outcome[2])
        self._merge(outcome[1])

    def stop_helper(self) -> None:
        """End the helper, if one is still running, without reading its results."""
        if self.helper is not None:
            self.helper.stop()

    def _locals(self, func_index: int, pos: int, end: int) -> int:
        groups, pos = _u32(self.data, pos, end)
        total = 0
        for _ in range(groups):
            n, pos = _u32(self.data, pos, end)
            total += n
            _, pos = _value_type(self.data, pos, end)
        if total > 50000:  # the limit engines apply; also keeps a corrupt count from meaning much
            raise DecodeError(f"function {func_index} declares too many locals ({total})", pos)
        return pos

    def _slow_body(self, pos: int, end: int) -> BodyFacts:
        """Scan a body the fast path could not: token by token, decoding each instruction the
        pattern stops at (a grow site, a long br_table, a rare encoding, an error) in Python, then
        resuming the pattern right after it."""
        data = self.data
        facts = BodyFacts()
        calls, indirect, refs = facts.calls, facts.indirect, facts.refs
        values = self.token_values
        finditer = FAST_TOKENS.finditer
        num_funcs = len(self.m.func_type_indices)
        while pos < end:
            for match in finditer(data, pos, end):
                value = values[match.group(1)]
                if value == -1:  # the end of the body
                    pos = end
                    break
                if value < _INDIRECT:
                    calls.add(value)
                elif value < _REF:
                    indirect.add(value - _INDIRECT)
                elif value < _SPECIAL:
                    refs.add(value - _REF)
                else:  # decode it properly: records what it is, or raises with its offset
                    pos = decode_instruction(data, match.start(1), end, facts, num_funcs)
                    break
            else:
                break
        return facts


class _Helper:
    """A forked process that scans some function bodies while this process does everything else."""

    def __init__(self, scanner: CodeSection, bodies: list[FunctionBody]):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.reader, writer = context.Pipe(duplex=False)
        self.process = context.Process(target=_helper_main, args=(scanner, bodies, writer), daemon=True)
        self.process.start()
        writer.close()

    @staticmethod
    def possible(parallel: bool | None) -> bool:
        import multiprocessing
        import os
        import threading

        if parallel is False or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return False
        # A worker of `-j` (parallel.py) is a daemonic process, which may not start one of its own.
        if multiprocessing.current_process().daemon:
            return False
        # Forking while other threads run can deadlock the child: only when asked explicitly.
        return threading.active_count() == 1 or parallel is True

    def result(self):
        """("ok", per-body results), ("error", message, offset), or None if the helper failed."""
        try:
            outcome = self.reader.recv()
            self.process.join(timeout=5)  # it exits right after sending
            return outcome
        except (EOFError, OSError):
            return None
        finally:
            self.stop()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.reader.close()


def _helper_main(scanner: CodeSection, bodies: list[FunctionBody], writer) -> None:
    try:
        writer.send(("ok", scanner._scan_bodies(bodies)))
    except DecodeError as exc:
        writer.send(("error", exc.message, exc.offset))
    except BaseException:  # noqa: BLE001 - the parent then scans these bodies itself
        pass
    finally:
        writer.close()
