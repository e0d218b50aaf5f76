// In the `host_write` callback a method that throws on a detached view (`fill`, `set`) returned: the
// view was attached there, and the reads after it in the callback are fresh. `write_then_grow` grows
// after the import returns, so after the export call the same views are detached: what the callback
// proved does not outlive the growth that follows it. A module `let` and a class field alike.
import { readFileSync } from 'node:fs'

class Log {
  view = null
  write(n) {
    this.view.set([n], 0) // fresh: this.view
    seen.push(this.view[1]) // fresh: this.view
  }
}
let memory = null
let heap = null
const seen = []
const log = new Log()
const imports = {
  env: {
    host_write: (n) => {
      heap.fill(0, 0, 4) // fresh: heap
      seen.push(heap[n]) // fresh: heap
      log.write(n)
    },
    resize_heap: (pages) => { memory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
memory = instance.exports.memory
heap = new Uint8Array(memory.buffer, 0, 64)
log.view = new Int32Array(memory.buffer, 64, 4)
instance.exports.write_then_grow(3)
seen.push(heap[2]) // stale: heap <- write_then_grow
seen.push(log.view[0]) // stale: log.view <- write_then_grow
console.log(seen)
