"""Where the host interpreter keeps values and which functions run on their own (issue 21): the
limits of what the differential-test fixes prune. Each host is parsed for real; what must stay
flagged stays flagged (the V8-judged twins are in tests/data/hosts-issue21)."""

from __future__ import annotations

import pytest

from wasmlint.host.analyze import analyze_host

PRELUDE = """\
const { instance } = await WebAssembly.instantiate(bytes, imports)
const ex = instance.exports
"""


def stale_lines(text: str) -> set[int]:
    return {use.line for use in analyze_host("host.mjs", text.encode()).uses}


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


# -- object-literal functions: entry points unless the module keeps them to itself -------------------

API = """\
const api = {
  grow: (n) => ex.alloc(n),
}
let view = null
function onTick() {
  view[0] = 1 // use
}
view = new Uint8Array(ex.memory.buffer, 0, 16)
setTimeout(onTick, 0)
"""


def test_an_es_modules_wrapper_object_it_keeps_to_itself_runs_only_where_called():
    text = "import fs from 'node:fs'\n" + PRELUDE + API
    assert stale_lines(text) == set()


@pytest.mark.parametrize("handed_out", [
    "export { api }\n",  # exported: other modules call it
    "register(api)\n",  # given to code the analysis does not see
    "globalThis.api = api\n",  # put where any script reaches it
    "const alias = api\n",  # another name for it, which the check does not follow
], ids=["exported", "passed", "global", "aliased"])
def test_a_wrapper_object_handed_out_keeps_its_functions_as_entry_points(handed_out):
    text = "import fs from 'node:fs'\n" + PRELUDE + API + handed_out
    assert stale_lines(text) == {line_of(text, "// use")}


def test_a_classic_scripts_wrapper_object_is_seen_by_other_scripts():
    text = PRELUDE + API  # no import or export: a page's other scripts see `api`
    assert stale_lines(text) == {line_of(text, "// use")}


# -- a function an entry point runs is not an entry point of its own ----------------------------------

def test_a_method_an_exported_class_has_stays_an_entry_point():
    # Others call an exported class's methods, whatever this file's handlers do with them.
    text = PRELUDE + """\
export class Frame {
  constructor(data) { this.data = data }
  draw() {
    this.data[0] = 1 // use
  }
}
const frame = new Frame(new Uint8Array(ex.memory.buffer, 0, 16))
ex.alloc(16)
setTimeout(() => { frame.data = new Uint8Array(ex.memory.buffer, 0, 16); frame.draw() }, 0)
"""
    assert stale_lines(text) == {line_of(text, "// use")}


def test_two_entry_points_that_call_each_other_both_stay():
    text = PRELUDE + """\
let view = new Uint8Array(ex.memory.buffer, 0, 16)
let depth = 0
function ping() {
  view[0] = 1 // use
  if (depth++ < 2) pong()
}
function pong() {
  ex.alloc(16)
  if (depth++ < 2) ping()
}
"""
    assert stale_lines(text) == {line_of(text, "// use")}


# -- indexes -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("loop", [
    "for (let i = 0; i < 3; i++) row[i] = new Uint8Array(ex.memory.buffer, i * 4, 4)",
    "let i = 0\nwhile (i < 3) { row[i] = new Uint8Array(ex.memory.buffer, i * 4, 4); i += 1 }",
    "let i = 0\nwhile (i < 3) { row[i] = new Uint8Array(ex.memory.buffer, i * 4, 4); i = i + 1 }",
], ids=["for-increment", "augmented", "reassigned"])
def test_an_index_a_loop_changes_is_no_longer_known(loop):
    # Each turn writes another element: the last write is not the only one row[1] may hold.
    text = PRELUDE + "const row = []\n" + loop + """
ex.alloc(16)
row[1][0] = 2 // use
"""
    assert stale_lines(text) == {line_of(text, "// use")}


def test_an_element_written_again_at_the_same_known_index_replaces_the_old_view():
    text = PRELUDE + """\
class Pool { #views = []; keep(i, v) { this.#views[i] = v } at(i) { return this.#views[i] } }
const pool = new Pool()
pool.keep(0, new Uint8Array(ex.memory.buffer, 0, 16))
pool.keep(1, new Uint8Array(ex.memory.buffer, 16, 16))
ex.alloc(16)
pool.keep(0, new Uint8Array(ex.memory.buffer, 0, 16))
pool.at(0)[0] = 1
pool.at(1)[0] = 1 // use
"""
    assert stale_lines(text) == {line_of(text, "// use")}
