"""Branches on the same invariant condition are correlated (issue 21): real tree-sitter parses of
small hosts, each with twins where the semantics say a run may take both sides after all (the flag
written, handed out, re-bound, bound per call) and the use must stay flagged. V8 judges the
end-to-end twins in tests/data/hosts-issue21/invariant-*."""

from __future__ import annotations

import pytest

from wasmlint.host.analyze import analyze_host

PRELUDE = """\
const { instance } = await WebAssembly.instantiate(bytes, imports)
const ex = instance.exports
const saved = ex.memory.buffer
"""


def stale_lines(text: str) -> dict[int, set[str]]:
    facts = analyze_host("host.mjs", text.encode())
    return {use.line: {e for g in use.grows for e in g.exports} for use in facts.uses}


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def host(binding: str, grow_test: str, use_test: str, extra: str = "") -> str:
    """A binding, an entry point that grows only where `grow_test` holds, one that builds over the
    buffer saved at start-up only where `use_test` holds."""
    return binding + "\n" + PRELUDE + f"""\
export function prepare(n) {{
  if ({grow_test}) ex.alloc(n)
}}
export function read() {{
  if ({use_test}) console.log(new Uint8Array(saved, 0, 4)[0]) // use
}}
{extra}"""


JSON_FLAGS = "const FLAGS = JSON.parse(process.env.FLAGS ?? '{}')"

CORRELATED = {
    "member-of-parsed-object": host(JSON_FLAGS, "!FLAGS.f0", "FLAGS.f0"),
    "negated-on-the-use-side": host(JSON_FLAGS, "FLAGS.f0", "!FLAGS.f0"),
    "const-boolean": host("const DEBUG = process.env.X === '1'", "DEBUG", "!DEBUG"),
    "const-compared-with-a-literal": host("const MODE = process.env.MODE", "MODE !== 'fast'", "MODE === 'fast'"),
    "nested-literal-object": host("const CONFIG = { cache: { on: true }, name: 'x' }", "!CONFIG.cache.on",
                                  "CONFIG.cache.on"),
    "frozen-literal": host("const OPTS = Object.freeze({ fast: false })", "OPTS.fast", "!OPTS.fast"),
    "conjunction-on-the-use-side": host(JSON_FLAGS, "!FLAGS.f0", "FLAGS.f1 && FLAGS.f0"),
    "negated-disjunction-on-the-grow-side": host(JSON_FLAGS, "!(FLAGS.f0 || FLAGS.f1)", "FLAGS.f1"),
}


@pytest.mark.parametrize("text", CORRELATED.values(), ids=CORRELATED.keys())
def test_a_call_made_only_under_the_opposite_side_of_an_invariant_does_not_detach(text):
    assert stale_lines(text) == {}


NOT_INVARIANT = {
    "same-side": host(JSON_FLAGS, "FLAGS.f0", "FLAGS.f0"),
    "other-flag": host(JSON_FLAGS, "!FLAGS.f0", "FLAGS.f1"),
    "other-literal-compared": host("const MODE = process.env.MODE", "MODE === 'slow'", "MODE === 'fast'"),
    "let-binding": host("let FLAGS = JSON.parse(process.env.FLAGS ?? '{}')", "!FLAGS.f0", "FLAGS.f0"),
    "member-written": host(JSON_FLAGS, "!FLAGS.f0", "FLAGS.f0", "export function toggle() { FLAGS.f0 = !FLAGS.f0 }\n"),
    "member-deleted": host(JSON_FLAGS, "!FLAGS.f0", "FLAGS.f0", "export function drop() { delete FLAGS.f0 }\n"),
    "computed-write": host(JSON_FLAGS, "!FLAGS.f0", "FLAGS.f0", "export function set(k) { FLAGS[k] = true }\n"),
    "object-handed-out": host(JSON_FLAGS, "!FLAGS.f0", "FLAGS.f0", "configure(FLAGS)\n"),
    "method-called-on-it": host(JSON_FLAGS, "!FLAGS.f0", "FLAGS.f0", "FLAGS.reset()\n"),
    "inner-object-handed-out": host(JSON_FLAGS, "!FLAGS.sub.on", "FLAGS.sub.on", "configure(FLAGS.sub)\n"),
    "exported-object": host("export const FLAGS = { f0: true }", "!FLAGS.f0", "FLAGS.f0"),
    "getter-in-literal": host("const FLAGS = { get f0() { return Math.random() > 0.5 } }", "!FLAGS.f0", "FLAGS.f0"),
    "made-by-an-unknown-call": host("const FLAGS = loadFlags()", "!FLAGS.f0", "FLAGS.f0"),
    "inner-object-not-literal": host("const CONFIG = { cache: shared }", "!CONFIG.cache.on", "CONFIG.cache.on"),
    "destructuring-write": host(JSON_FLAGS, "!FLAGS.f0", "FLAGS.f0", "export function load(a) { [FLAGS.f0] = a }\n"),
}


@pytest.mark.parametrize("text", NOT_INVARIANT.values(), ids=NOT_INVARIANT.keys())
def test_a_test_that_may_change_or_does_not_contradict_stays_flagged(text):
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}


def test_a_parameter_shadowing_the_flag_is_no_invariant():
    text = JSON_FLAGS + "\n" + PRELUDE + """\
export function prepare(n) {
  if (!FLAGS.f0) ex.alloc(n)
}
export function read(FLAGS) {
  if (FLAGS.f0) console.log(new Uint8Array(saved, 0, 4)[0]) // use
}
"""
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}


def test_a_const_bound_per_call_is_no_invariant():
    # One function, run as an entry point again and again: its local `const` may differ per call.
    text = PRELUDE + """\
export function step(options) {
  const fast = options.fast
  if (fast) console.log(new Uint8Array(saved, 0, 4)[0]) // use
  else ex.alloc(16)
}
"""
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}


def test_a_call_made_on_both_sides_stays_a_culprit():
    # The same helper runs under f0 and under !f0: the record under f0 survives the read's test.
    text = host(JSON_FLAGS, "true", "FLAGS.f0").replace("if (true) ex.alloc(n)", """\
if (FLAGS.f0) grow(n)
  else grow(n + 1)
}
function grow(n) {
  ex.alloc(n)""")
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}


def test_an_early_return_under_the_flag_and_a_later_test_in_the_same_function():
    text = JSON_FLAGS + "\n" + PRELUDE + """\
const view = new Uint8Array(saved, 0, 4)
export function run() {
  if (!FLAGS.f0) ex.alloc(16)
  if (FLAGS.f0) view[0] = 1
  console.log(view[1]) // use
}
export function other() {
  if (FLAGS.f0) return
  ex.reserve(1)
}
export function reader() {
  if (!FLAGS.f0) return
  console.log(view[2])
}
"""
    # `view[0]`: only where f0 holds, where neither call happens; `view[1]` after either.
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc", "reserve"}}


def test_a_ternary_and_a_short_circuit_pick_one_side():
    text = JSON_FLAGS + "\n" + PRELUDE + """\
const view = new Uint8Array(saved, 0, 4)
export const store = (n) => (FLAGS.pool ? n : ex.alloc(n))
export const first = () => FLAGS.pool && view[0]
export const second = () => FLAGS.pool || view[1] // use
"""
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}


def test_a_function_summary_holds_for_callers_under_either_side():
    # `helpers.grow` (no entry point: kept to the module) runs under f0 until its budget is spent;
    # past it, its summary stands for it: the caller under !f0 still calls it (the caller's
    # literals are no condition of its growth).
    calls = " ".join(["helpers.grow();"] * 60)
    text = JSON_FLAGS + "\n" + PRELUDE + f"""\
const view = new Uint8Array(saved, 0, 4)
const helpers = {{ grow() {{ ex.alloc(1) }} }}
export function warm() {{ if (FLAGS.f0) {{ {calls} }} }}
export function run() {{
  if (!FLAGS.f0) {{
    helpers.grow()
    console.log(view[0]) // use
  }}
}}
"""
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}
