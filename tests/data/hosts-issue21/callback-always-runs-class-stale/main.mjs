// As callback-always-runs-class-fresh, but `write_then_grow` calls the import before it grows
// memory: the view the callback re-made is detached when the call returns.
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
  seen.push(heap.view[2]) // stale: heap.view <- write_then_grow
})
function tick() {
  instance.exports.write_then_grow(2)
}
setTimeout(() => { tick(); emitter.emit('frame') }, 0)
