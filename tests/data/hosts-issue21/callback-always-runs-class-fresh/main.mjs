// A class field re-made by the `host_write` callback (through a method) when it was detached.
// `grow_then_write` grows memory and then calls that import, on every call: after it returns, the
// field holds a view made after the growth (callback-always-runs-class-stale: `write_then_grow`
// calls the import before it grows, so the view it re-made is detached when the call returns).
import { readFileSync } from 'node:fs'
import { EventEmitter } from 'node:events'
let memory = null
class Heap {
  view = null
  refresh() {
    if (this.view === null || this.view.byteLength === 0) this.view = new Int32Array(memory.buffer)
  }
}
const heap = new Heap()
const seen = []
const emitter = new EventEmitter()
const imports = {
  env: {
    host_write: (n) => heap.refresh(),
    resize_heap: (pages) => { memory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
memory = instance.exports.memory
heap.refresh()
emitter.on('frame', () => {
  seen.push(heap.view[2]) // fresh: heap.view
})
function tick() {
  instance.exports.grow_then_write(2)
}
setTimeout(() => { tick(); emitter.emit('frame') }, 0)
