// throw-after-nested-growth in other clothes: the callback is a method of a bridge object that
// holds the growing export as a function value and runs it through a helper, Emscripten-style
// (the resize callback grows memory, then re-makes the module's views, not the bridge's), and
// the use that throws is a DataView built over the buffer the bridge saved: the export call
// never returns, and the write to `frame` after it never runs.
import { readFileSync } from 'node:fs'

process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
let wasmMemory = null
const Module = {}
function updateMemoryViews() { Module.HEAPU8 = new Uint8Array(wasmMemory.buffer) }
function withAlloc(alloc, size) { return alloc(size) }
class Bridge {
  constructor(malloc) { this.malloc = malloc; this.saved = null }
  write(n) {
    withAlloc(this.malloc, 16)
    console.log(new DataView(this.saved, n).getUint8(0)) // stale: new DataView
  }
}
const bridge = new Bridge((size) => instance.exports.em_malloc(size))
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: {
    host_write: (n) => bridge.write(n),
    resize_heap: (pages) => { wasmMemory.grow(pages); updateMemoryViews(); return 0 },
  },
})
wasmMemory = instance.exports.memory
updateMemoryViews()
bridge.saved = wasmMemory.buffer
const frame = new Float32Array(wasmMemory.buffer, 64, 4) // fresh: new Float32Array
frame[0] = 1
instance.exports.write_only(8)
frame[1] = 2
