"""The host interpreter on the shapes issue 21 lists: real tree-sitter parses of small hosts, each
with a twin that differs only where the semantics say it must (flagged / clean)."""

from __future__ import annotations

import pytest

from wasmlint.host.analyze import analyze_host

PRELUDE = """\
const { instance } = await WebAssembly.instantiate(bytes, imports)
const ex = instance.exports
const memory = ex.memory
"""


def stale_lines(text: str, name: str = "host.mjs") -> dict[int, set[str]]:
    """Line -> the exports named as possible culprits of the stale use there."""
    facts = analyze_host(name, text.encode())
    return {use.line: {e for g in use.grows for e in g.exports} for use in facts.uses}


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


# -- a buffer taken before the call ------------------------------------------------------------------

BUFFER_LOCAL = PRELUDE + """\
const buf = memory.buffer
const p = ex.alloc(16)
const out = new Uint32Array(buf, p, 4) // use
out[0] = 1
"""
BUFFER_PASSED = PRELUDE + """\
function helper(arr, allocFn, buffer) {
  const p = allocFn(arr.length)
  return new Uint8Array(buffer, p, arr.length) // use
}
helper([1, 2], ex.alloc, ex.memory.buffer)[0] = 1
"""
ARGUMENT_ORDER = PRELUDE + """\
const dv = new DataView(memory.buffer, ex.alloc(16)) // use
dv.setInt8(0, 1)
"""
BUFFER_FRESH = PRELUDE + """\
const p = ex.alloc(16)
const out = new Uint32Array(memory.buffer, p, 4)
"""


@pytest.mark.parametrize("text", [BUFFER_LOCAL, BUFFER_PASSED, ARGUMENT_ORDER], ids=["local", "passed", "arg-order"])
def test_a_build_over_a_buffer_taken_before_a_growing_call_is_flagged(text):
    # V8 throws at the build: the view it would make never exists, so its later uses are no second finding.
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}


def test_a_build_over_the_buffer_read_after_the_call_is_clean():
    assert stale_lines(BUFFER_FRESH) == {}


# A buffer captured by a closure a call made: the arrow, the method of an object literal, and the
# method whose guard re-makes the view from the captured buffer all build over the old buffer.
CAPTURED = {
    "arrow": """\
function mk(memory) { const b = memory.buffer; return () => new Int32Array(b) } // use
const f = mk(ex.memory)
ex.alloc(8)
f()
""",
    "method": """\
function mk(memory) { const b = memory.buffer; return { w() { return new Int32Array(b) } } } // use
const f = mk(ex.memory)
ex.alloc(8)
f.w()
""",
    "guarded-method": """\
function mk(memory) {
  const b = memory.buffer
  let view = new Int32Array(b)
  return { words() { if (view.buffer !== memory.buffer) view = new Int32Array(b); return view } } // use
}
const f = mk(ex.memory)
ex.alloc(8)
f.words()
""",
}


@pytest.mark.parametrize("form", CAPTURED)
def test_a_closure_building_over_a_captured_buffer_after_growth_is_flagged(form):
    text = PRELUDE + CAPTURED[form]
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}


@pytest.mark.parametrize("form", CAPTURED)
def test_a_closure_building_over_the_live_buffer_is_clean(form):
    text = PRELUDE + CAPTURED[form].replace("Int32Array(b)", "Int32Array(memory.buffer)")
    assert stale_lines(text) == {}


# A method the host defines runs when called, even when its name is one a web API defers with
# (`register`, `on`, `observe`): the view it keeps is followed to the use after the growing call.
OWN_METHODS = {
    "class-register": """\
class Registry {
  constructor() { this.views = new Map() }
  register(name) { this.views.set(name, new Float32Array(memory.buffer, 0, 4)) }
  lookup(name) { return this.views.get(name) }
}
const registry = new Registry()
registry.register('p')
ex.alloc(8)
registry.lookup('p')[0] = 1 // use
""",
    "literal-on": """\
const keeper = { on(kind) { this.view = new Uint8Array(memory.buffer) } }
keeper.on('draw')
ex.alloc(8)
keeper.view[0] = 1 // use
""",
    "class-observe": """\
class Watch { observe() { this.view = new Int32Array(memory.buffer); return this } }
const w = new Watch().observe()
ex.alloc(8)
w.view[0] = 1 // use
""",
}


@pytest.mark.parametrize("form", OWN_METHODS)
def test_a_host_method_named_like_a_deferring_api_runs_when_called(form):
    text = PRELUDE + OWN_METHODS[form]
    assert stale_lines(text) == {line_of(text, "// use"): {"alloc"}}


# The memory under a minified export name (`asm.b`): an export whose `.buffer` or `.grow` is read is
# the memory, not a function.
MINIFIED = {
    "buffer": """\
const mem = ex.b
const heap = new Uint8Array(mem.buffer)
ex.c(8)
heap[0] = 1 // use
""",
    "closure": """\
let heap = new Uint8Array(ex.b.buffer)
const write = () => { ex.c(8); heap[0] = 1 } // use
write()
""",
    "host-grow": """\
const heap = new Uint8Array(ex.b.buffer)
ex.b.grow(1)
heap[0] = 1 // use
""",
}


@pytest.mark.parametrize("form", MINIFIED)
def test_a_view_over_a_minified_memory_export_goes_stale(form):
    text = PRELUDE + MINIFIED[form]
    assert line_of(text, "// use") in stale_lines(text)


@pytest.mark.parametrize("form", MINIFIED)
def test_a_view_over_a_minified_memory_export_re_made_after_the_call_is_clean(form):
    text = PRELUDE + MINIFIED[form].replace("heap[0] = 1", "new Uint8Array(ex.b.buffer)[0] = 1")
    assert stale_lines(text) == {}


@pytest.mark.parametrize("form", OWN_METHODS)
def test_its_view_used_before_the_growing_call_is_clean(form):
    text = PRELUDE + OWN_METHODS[form].replace("ex.alloc(8)\n", "").replace("= 1 // use", "= 1\nex.alloc(8)")
    assert stale_lines(text) == {}


# -- import callbacks ------------------------------------------------------------------------------

CALLBACK = """\
let heap = null
const imports = { wasi: { fd_write: (fd, iov, n) => { return heap[iov] // use
} } }
const { instance } = await WebAssembly.instantiate(bytes, imports)
heap = new Uint8Array(instance.exports.memory.buffer)
instance.exports.run()
"""
CALLBACK_REMADE = CALLBACK.replace("return heap[iov] // use", "heap = new Uint8Array(instance.exports.memory.buffer); return heap[iov]")
CALLBACK_METHOD = """\
class Logger {
  constructor() { this.view = null }
  attach(memory) { this.view = new Uint8Array(memory.buffer) }
  log(p) { return this.view[p] } // use
}
const logger = new Logger()
const { instance } = await WebAssembly.instantiate(bytes, { env: { log: logger.log.bind(logger), print: (p) => logger.log(p) } })
logger.attach(instance.exports.memory)
instance.exports.main()
"""


def test_a_view_cached_at_start_up_and_read_in_an_import_callback_is_flagged():
    assert stale_lines(CALLBACK)[line_of(CALLBACK, "// use")] == {"run"}
    found = stale_lines(CALLBACK_METHOD)
    assert found[line_of(CALLBACK_METHOD, "// use")] == {"main"}


def test_the_callback_that_re_makes_the_view_is_clean():
    assert stale_lines(CALLBACK_REMADE) == {}


def test_a_call_made_in_a_callback_is_judged_by_the_export_that_runs_it():
    facts = analyze_host("host.mjs", CALLBACK.encode())
    (use,) = facts.uses
    (grow,) = use.grows
    # The export's own call, as the callback of `wasi.fd_write` sees it: it happened there only if
    # `run` may grow before calling that import (issue 21).
    assert (grow.exports, grow.inside, grow.through, grow.mid_call) == (("run",), "", "wasi.fd_write", True)
    growing = CALLBACK.replace("return heap[iov] // use", "instance.exports.alloc(8); return 0") + "heap[0]\n"
    (use,) = analyze_host("host.mjs", growing.encode()).uses
    assert {(g.exports, g.inside, g.through) for g in use.grows} >= {(("alloc",), "run", "wasi.fd_write")}


# -- Emscripten heap views ----------------------------------------------------------------------------

GLUE = """\
let wasmMemory, HEAPU8
const Module = {}
function updateMemoryViews() { const b = wasmMemory.buffer; Module.HEAPU8 = HEAPU8 = new Uint8Array(b) }
const imports = { env: { emscripten_resize_heap: (n) => { wasmMemory.grow(n); updateMemoryViews(); return 1 } } }
const { instance } = await WebAssembly.instantiate(bytes, imports)
wasmMemory = instance.exports.memory
updateMemoryViews()
Module._malloc = instance.exports.malloc
"""
KEPT = GLUE + """\
const heap = Module.HEAPU8
const p = Module._malloc(64)
heap[p] = 1 // use
"""
FRESH = GLUE + """\
const p = Module._malloc(64)
Module.HEAPU8[p] = 1
HEAPU8[p + 1] = 2
"""


def test_a_kept_copy_of_an_emscripten_heap_view_is_flagged_and_a_fresh_read_is_not():
    assert stale_lines(KEPT)[line_of(KEPT, "// use")] >= {"malloc"}
    assert stale_lines(FRESH) == {}


# -- views kept by something else -----------------------------------------------------------------------

IMAGE = PRELUDE + """\
const image = new ImageData(new Uint8ClampedArray(memory.buffer, 0, 16), 2, 2)
function frame() {
  ex.step(1)
  ctx.putImageData(image, 0, 0) // use
  requestAnimationFrame(frame)
}
requestAnimationFrame(frame)
"""
IMAGE_REMADE = IMAGE.replace("  ctx.putImageData(image, 0, 0) // use",
                             "  ctx.putImageData(new ImageData(new Uint8ClampedArray(memory.buffer, 0, 16), 2, 2), 0, 0)")
POOL = PRELUDE + """\
class Pool {
  #data = []
  keep(v) { this.#data[0] = v }
  first() { return this.#data[0] }
}
const pool = new Pool()
pool.keep(new Uint8Array(memory.buffer).subarray(0, 8))
class Other { constructor() { this.p = ex.alloc(64) } }
export function later() { return pool.first()[1] } // use
export function grow() { return new Other() }
"""


def test_a_view_wrapped_by_image_data_is_flagged_at_the_wrappers_use():
    assert stale_lines(IMAGE)[line_of(IMAGE, "// use")] == {"step"}
    assert stale_lines(IMAGE_REMADE) == {}


def test_a_view_in_a_private_array_used_from_another_entry_point_is_flagged():
    assert stale_lines(POOL)[line_of(POOL, "// use")] == {"alloc"}


# -- guards by meaning --------------------------------------------------------------------------------

GUARDS = {
    "getter": """\
class Mem {
  constructor(exports) { this.exports = exports; this.cache = null }
  get mem() {
    if (this.cache == null || this.cache.buffer.byteLength === 0) this.cache = new Uint8Array(this.exports.memory.buffer)
    return this.cache
  }
}
const m = new Mem(ex)
m.mem[0] = 1
ex.alloc(8)
m.mem[1] = 2 // use
""",
    "function": """\
let cache = null
function mem() {
  if (cache === null || cache.byteLength === 0) cache = new Uint8Array(memory.buffer)
  return cache
}
mem()[0] = 1
ex.alloc(8)
mem()[1] = 2 // use
""",
    "ternary": """\
let cache = new Uint8Array(memory.buffer)
ex.alloc(8)
cache = cache.buffer !== memory.buffer ? new Uint8Array(memory.buffer) : cache
cache[1] = 2 // use
""",
    "nullish": """\
let cache = new Uint8Array(memory.buffer)
ex.alloc(8)
if (cache.byteLength === 0) cache = null
cache ??= new Uint8Array(memory.buffer)
cache[1] = 2 // use
""",
    # Through an accessor: a function returning the variable, a method returning a field.
    "accessor-function": """\
let view = new Uint8Array(memory.buffer)
function current() { return view }
ex.alloc(8)
if (current().byteLength === 0) view = new Uint8Array(memory.buffer)
view[1] = 2 // use
""",
    "ternary-holder": """\
class Box { constructor(v) { this.v = v } take() { return this.v } }
let box = new Box(new Uint8Array(memory.buffer))
ex.alloc(8)
box = box.take().byteLength !== 0 ? box : new Box(new Uint8Array(memory.buffer))
box.take()[1] = 2 // use
""",
    "or-default": """\
let cache = new Uint8Array(memory.buffer)
ex.alloc(8)
cache = (cache.buffer === memory.buffer && cache) || new Uint8Array(memory.buffer)
cache[1] = 2 // use
""",
    # A view found attached proves no call since it was made grew: the younger view is attached.
    "older-view": """\
const first = new Int8Array(memory.buffer)
let cache = new Uint8Array(memory.buffer)
ex.alloc(8)
if (first.byteLength === 0) cache = new Uint8Array(memory.buffer)
cache[1] = 2 // use
""",
}
# The broken twin, and the text of the line V8 throws on: the use of the stale view, or the build
# over the stale buffer (`new Uint8Array(saved)` throws there, so the view it would make never exists).
BROKEN = {
    "getter": ("this.cache.buffer.byteLength === 0", "this.exports.memory.buffer.byteLength === 0", "// use"),
    "function": ("cache.byteLength === 0", "other.byteLength === 0", "// use"),
    "ternary": ("cache.buffer !== memory.buffer", "other.buffer !== memory.buffer", "// use"),
    "nullish": ("cache ??= new Uint8Array(memory.buffer)", "cache ??= new Uint8Array(saved)", "new Uint8Array(saved)"),
    "accessor-function": ("current().byteLength === 0", "other.byteLength === 0", "// use"),
    # The ternary's value is not what `box` holds after it: box's view was never re-validated.
    "ternary-holder": ("box = box.take().byteLength", "const next = box.take().byteLength", "// use"),
    "or-default": ("(cache.buffer === memory.buffer && cache)", "(other === null && cache)", "// use"),
    # The tested view made after the call proves nothing of the call.
    "older-view": ("const first = new Int8Array(memory.buffer)\nlet cache = new Uint8Array(memory.buffer)\nex.alloc(8)",
                   "let cache = new Uint8Array(memory.buffer)\nex.alloc(8)\nconst first = new Int8Array(memory.buffer)",
                   "// use"),
}


@pytest.mark.parametrize("form", GUARDS)
def test_a_guard_that_re_validates_leaves_no_finding(form):
    assert stale_lines(PRELUDE + "const saved = memory.buffer\nlet other = null\n" + GUARDS[form]) == {}


@pytest.mark.parametrize("form", GUARDS)
def test_its_broken_twin_is_flagged(form):
    old, new, site = BROKEN[form]
    text = PRELUDE + "const saved = memory.buffer\nlet other = null\n" + GUARDS[form].replace(old, new)
    assert line_of(text, site) in stale_lines(text)


def test_a_try_whose_catch_re_makes_the_view_is_a_test_not_a_use():
    text = PRELUDE + """\
let dv = new DataView(memory.buffer)
ex.alloc(8)
try {
  dv.getInt32(0)
} catch {
  dv = new DataView(memory.buffer)
  dv.getInt32(0)
}
"""
    assert stale_lines(text) == {}


# -- the culprit ----------------------------------------------------------------------------------------


def test_the_culprit_is_a_call_between_the_making_and_the_use():
    text = PRELUDE + """\
ex.reserve(4)
const view = new Uint8Array(memory.buffer)
ex.peek(0)
view[0] = 1 // use
"""
    assert stale_lines(text)[line_of(text, "// use")] == {"peek"}


def test_a_growing_call_before_the_view_is_made_is_no_culprit():
    text = PRELUDE + """\
ex.reserve(4)
const view = new Uint8Array(memory.buffer)
view[0] = 1
"""
    assert stale_lines(text) == {}
