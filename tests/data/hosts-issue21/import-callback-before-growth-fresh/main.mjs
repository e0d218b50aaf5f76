// A view cached at start-up, read by the `host_write` import. `write_then_grow` calls the import
// before it grows memory: the callback reads the view over the buffer as it was at the call, which
// is still attached (import-callback-after-growth-stale: the same with `grow_then_write`).
import { readFileSync } from 'node:fs'
let memory = null
let heap = null
const seen = []
const imports = {
  env: {
    host_write: (n) => { seen.push(heap[n]) }, // fresh: heap
    resize_heap: (pages) => { memory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
memory = instance.exports.memory
heap = new Uint8Array(memory.buffer)
instance.exports.write_then_grow(3)
console.log(seen)
