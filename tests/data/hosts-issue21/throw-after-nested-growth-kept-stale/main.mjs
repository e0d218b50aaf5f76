// throw-after-nested-growth, but the callback writes an element of the view made before (which
// never throws, detached or not): `write_only` returns after `em_malloc` grew memory in its callback,
// and `view` below is read detached.
import { readFileSync } from 'node:fs'

let memory = null
let heap = null
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: {
    host_write(n) {
      ex.em_malloc(16)
      heap[2] = 1 // stale: heap <- em_malloc
    },
    resize_heap: (pages) => memory.grow(pages),
  },
})
const ex = instance.exports
memory = ex.memory
heap = new Int8Array(memory.buffer)
const view = new Uint8Array(memory.buffer, 0, 16) // fresh: new Uint8Array
ex.write_only(5)
console.log(view[0]) // stale: view
