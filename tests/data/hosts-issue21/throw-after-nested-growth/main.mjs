// The import callback calls `em_malloc`, an export that grows memory only through the host: the
// module calls `resize_heap` on every call, and its callback grows memory. Growth is then certain
// there, so the callback's `fill` on the view made before throws on every path: the exception leaves
// through `write_only`, and the top level ends. `view` below is read only where nothing grew: no finding.
import { readFileSync } from 'node:fs'

// An exception nothing catches ends the run quietly (exit status 0), as the top level's throw would end it.
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
let memory = null
let heap = null
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: {
    host_write(n) {
      ex.em_malloc(16)
      heap.fill(1, 0, 2) // stale: heap
    },
    resize_heap: (pages) => memory.grow(pages),
  },
})
const ex = instance.exports
memory = ex.memory
heap = new Int8Array(memory.buffer)
const view = new Uint8Array(memory.buffer, 0, 16) // fresh: new Uint8Array
ex.write_only(5)
console.log(view[0])
