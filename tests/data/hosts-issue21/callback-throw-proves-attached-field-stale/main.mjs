// A view kept in a class field at start-up, used by an import callback that `grow_then_write` runs
// after its growth: the first use (`subarray`) throws on the detached view and ends the callback
// and the export call, so the element write after it never runs on a detached view: where the
// first use returned, the view was attached (the class-field twin of import-callback-wasi-stale).
import { readFileSync } from 'node:fs'

// An exception nothing catches ends the run quietly (exit status 0), as the top level's throw would end it.
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))

class Heap {
  data = null
  write(n) {
    this.data.subarray(0, 4).fill(n) // stale: this.data
    this.data[n] = 1
  }
}
const heap = new Heap()
const imports = { env: { host_write: (n) => heap.write(n), resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
heap.data = new Float32Array(instance.exports.memory.buffer, 32, 8)
instance.exports.grow_then_write(2)
