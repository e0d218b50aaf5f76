// throw-in-callback-after-export-growth with `write_then_grow`, which calls the import before it
// grows: in the callback the view is attached (its `slice` returns), the export call returns having
// grown memory, and `view` is read detached.
import { readFileSync } from 'node:fs'

let heap = null
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: {
    host_write(n) {
      console.log(heap.slice(0, 2).length) // fresh: heap
    },
    resize_heap: () => 0,
  },
})
const ex = instance.exports
heap = new Int16Array(ex.memory.buffer)
const view = new Uint8Array(ex.memory.buffer, 0, 16) // fresh: new Uint8Array
ex.write_then_grow(3)
console.log(view[0]) // stale: view <- write_then_grow
