// The twins of try-catch-logs-stale: a `catch` that re-makes the value the `try` used, and uses it
// again, is a guard. The use in the `try` is its test (it may see the view detached: no finding
// belongs there); the use in the `catch`, and every use after the `try`, see a live view. Three
// shapes: a module variable re-made, a view kept in a Map re-made through `set`, and a class field
// re-made without a retry in the `catch` (the use after the `try` is the retry).
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

let heap = new Uint8Array(ex.memory.buffer, 0, 16)
const views = new Map([['words', new DataView(ex.memory.buffer, 16, 16)]])

class Reader {
  cells = new Int32Array(ex.memory.buffer, 32, 4)
  sum() {
    try {
      this.cells.fill(1) // check
    } catch {
      this.cells = new Int32Array(ex.memory.buffer, 32, 4)
    }
    return this.cells.reduce((a, b) => a + b, 0) // fresh: this.cells
  }
}
const reader = new Reader()

ex.alloc(16)
try {
  heap.set([1, 2], 0) // check
} catch {
  heap = new Uint8Array(ex.memory.buffer, 0, 16)
  heap.set([1, 2], 0) // fresh: heap
}
console.log(heap[0]) // fresh: heap
try {
  console.log(views.get('words').getInt32(0, true)) // check
} catch (error) {
  views.set('words', new DataView(ex.memory.buffer, 16, 16))
  console.log(views.get('words').getInt32(0, true), error.name) // fresh: views.get('words')
}
console.log(reader.sum())
