"""The calls a view is seen after (`Memo.grows`): bounded, yet never crowded out of the one call
that grows memory. A view read in an import callback meets the same non-growing call once per
export that runs the callback (each a call judged apart: it happens only if that export calls the
import); the growing call met after them must still be kept, or the finding is lost."""

from __future__ import annotations

from wasmlint.host.domain import MAX_GROWS, MAX_OTHER_GROWS, Memo, merge, one
from wasmlint.host.values import Grow

CONTEXTS = ["alloc", "reserve", "grow_then_write", "write_then_grow", "write_only", "em_malloc", "scratch",
            "peek", "poke"]


def scratch_in_every_context(via: tuple[str, ...]) -> list[Grow]:
    """`scratch()` made by the callback inside each export's call, reached along `via`."""
    return [Grow(("scratch",), 46, "scratch()", via + (export,), inside=export, through="env.host_write")
            for export in CONTEXTS]


def crowded() -> Memo:
    memo = Memo(1, "Int32Array", 107, "new Int32Array(mem.buffer, 16, 4)")
    for grow in scratch_in_every_context(("onTimer",)) + scratch_in_every_context(("main",)):
        memo = memo.grown(grow)
    return memo


def test_a_growing_call_after_many_variants_of_a_quiet_one_is_kept():
    memo = crowded()
    assert len(memo.grows) == MAX_GROWS
    growing = Grow(("em_malloc",), 118, "api.em_malloc(16)", ("em_malloc",))
    assert growing in memo.grown(growing).grows


def test_the_same_call_judged_the_same_way_is_not_kept_again_past_the_bound():
    memo = crowded()
    again = Grow(("scratch",), 46, "scratch()", ("elsewhere",), inside="alloc", through="env.host_write")
    assert memo.grown(again) is memo


def test_the_calls_kept_stay_bounded():
    memo = crowded()
    for line in range(200):
        memo = memo.grown(Grow((f"export{line}",), line, f"export{line}()"))
    assert len(memo.grows) == MAX_OTHER_GROWS


def test_joining_two_paths_keeps_the_growing_call_of_either():
    growing = Grow(("alloc",), 12, "alloc(16)")
    other = Memo(1, "Int32Array", 107, "new Int32Array(mem.buffer, 16, 4)").grown(growing)
    (joined,) = merge(one(crowded()), one(other))
    assert growing in joined.grows


# -- a long run keeps ageing what it evaluates ---------------------------------------------------------
# The log of growing calls on a path is bounded; past the bound it must keep the newest calls, or a
# buffer read before a call in the same expression stops ageing (argument order) once a run has made
# many calls, which an entry point starting from everything the others did reaches at once.

from wasmlint.host.analyze import analyze_host  # noqa: E402

PRELUDE = """import { readFileSync } from 'node:fs'
const { instance } = await WebAssembly.instantiate(readFileSync('module.wasm'), { env: {} })
const ex = instance.exports
const mem = ex.memory
"""
MANY_CALLS = "".join(f"ex.alloc({n})\n" for n in range(80))


def stale_lines(text: str) -> set[int]:
    return {use.line for use in analyze_host("host.mjs", text.encode()).uses}


def line_with(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if marker in line)


def test_a_build_over_the_buffer_read_before_the_call_after_many_calls_is_flagged():
    text = PRELUDE + MANY_CALLS + "const words = new Uint32Array(mem.buffer, ex.alloc(8), 2) // here\n"
    assert line_with(text, "// here") in stale_lines(text)


def test_the_same_in_a_handler_that_starts_after_many_calls():
    text = (PRELUDE + MANY_CALLS + "process.on('message', () => {\n"
            "  const dv = new DataView(mem.buffer, ex.alloc(8)) // here\n"
            "  console.log(dv.getInt32(0, true))\n"
            "})\n")
    assert line_with(text, "// here") in stale_lines(text)


def test_a_receiver_read_before_the_call_in_its_argument_after_many_calls_is_flagged():
    text = PRELUDE + MANY_CALLS + "const bytes = new Uint8Array(mem.buffer)\nbytes.set([1, 2], ex.alloc(2)) // here\n"
    assert line_with(text, "// here") in stale_lines(text)


def test_the_buffer_read_after_the_call_is_clean_after_many_calls():
    text = PRELUDE + MANY_CALLS + "const at = ex.alloc(8)\nconst words = new Uint32Array(mem.buffer, at, 2)\nconsole.log(words[0])\n"
    assert stale_lines(text) == set()
