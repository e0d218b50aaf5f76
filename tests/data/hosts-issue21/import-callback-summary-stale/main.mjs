// The stale twin of import-callback-summary-fresh: the helper the callback hands Module.HEAPU8 to
// calls an export that grows memory (`alloc`, not through the resize import): the view it was
// given is detached when it reads it.
import { readFileSync } from 'node:fs'
import { EventEmitter } from 'node:events'
const FLAGS = JSON.parse(process.env.HOSTGEN_FLAGS ?? '{}')
const decoder = new TextDecoder()
let last = null
function sink(value) { last = value }
const later = (fn) => new Promise((done, fail) => setTimeout(() => { try { fn(); done() } catch (error) { fail(error) } }, 0))
const nextFrame = (fn) => new Promise((done, fail) => setTimeout(() => { try { fn(performance.now()); done() } catch (error) { fail(error) } }, 0))
const emitter = new EventEmitter()
function withValue(value, fn) { fn(value) }
function keyFor(i) { return 'slot' + (i * 7 % 5) }
class Bridge {
  write(n) {
    em_mallocFn(16)
    useView3(Module.HEAPU8, instanceExports.alloc)
  }
}
let wasmMemory = null
const Module = {}
function updateMemoryViews() {
  const b = wasmMemory.buffer
  Module.HEAP8 = new Int8Array(b)
  Module.HEAPU8 = new Uint8Array(b)
  Module.HEAP16 = new Int16Array(b)
  Module.HEAP32 = new Int32Array(b)
  Module.HEAPU32 = new Uint32Array(b)
  Module.HEAPF32 = new Float32Array(b)
  Module.HEAPF64 = new Float64Array(b)
}
const imports = {
  env: {
    host_write: (n) => bridge.write(n),
    resize_heap: (pages) => { wasmMemory.grow(pages); updateMemoryViews(); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const instanceExports = instance.exports
wasmMemory = instanceExports.memory
updateMemoryViews()
const { poke, write_only } = instanceExports
const em_mallocFn = instanceExports.em_malloc
const write_onlyFn = instanceExports.write_only
const api = {
  alloc: (...args) => instanceExports.alloc(...args),
  reserve: (...args) => instanceExports.reserve(...args),
  grow_then_write: (...args) => instanceExports.grow_then_write(...args),
  write_then_grow: (...args) => instanceExports.write_then_grow(...args),
  write_only: (...args) => instanceExports.write_only(...args),
  em_malloc: (...args) => instanceExports.em_malloc(...args),
  scratch: (...args) => instanceExports.scratch(...args),
  peek: (...args) => instanceExports.peek(...args),
  poke: (...args) => instanceExports.poke(...args),
}
const bridge = new Bridge()
function useView3(view, allocFn) {
  allocFn(16)
  sink(decoder.decode(view)) // stale: view <- alloc
}
const onReady2 = () => {
  write_onlyFn(5)
  poke(64, 7)
  instanceExports.em_malloc(16)
}
// top level
if (FLAGS.f0) {
  write_only(5)
} else {
  instanceExports.peek(64)
  withValue(Module.HEAPU8, (v) => {
    sink(v.slice(0, 2)[0]) // fresh: v
  })
}
api.scratch()
// driver: every entry point, in two rounds
await Promise.resolve().then(onReady2)
await Promise.resolve().then(onReady2)
