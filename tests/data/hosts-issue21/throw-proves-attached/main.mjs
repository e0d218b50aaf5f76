// A use that throws on a detached value and returned proves the value attached: V8 runs the uses
// after it on that path only when it did not throw, so they see a live buffer. Three shapes: a
// DataView read twice, a buffer built over twice, a view's method then one of its elements. Each
// helper runs first over live memory, then over a value kept across a growing call.
import { readFileSync } from 'node:fs'

// An exception nothing catches ends the run quietly (exit status 0), as the top level's throw would end it.
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

function header(view) {
  const magic = view.getUint32(0, true) // stale: view <- alloc
  const size = view.getUint32(4, true) // fresh: view
  return magic + size
}

function halves(buffer) {
  const head = new Uint8Array(buffer, 0, 8) // stale: new Uint8Array
  const tail = new Uint8Array(buffer, 8, 8) // fresh: new Uint8Array
  return head.length + tail.length
}

function clear(words, bytes) {
  words.fill(0) // stale: words <- alloc
  words[1] = 1 // fresh: words
  return bytes
}

const table = { dv: new DataView(ex.memory.buffer, 0, 16) }
const saved = ex.memory.buffer
const words = new Uint32Array(ex.memory.buffer, 16, 4)
const bytes = new Uint8Array(ex.memory.buffer, 32, 4)
console.log(header(table.dv), halves(saved))
clear(words, bytes)
ex.alloc(16)
// Each timer is a run of its own: the throw in one does not stop the next.
setTimeout(() => console.log(header(table.dv)), 0)
setTimeout(() => console.log(halves(saved)), 0)
setTimeout(() => {
  ex.reserve(1)
  clear(words, bytes)
}, 0)
