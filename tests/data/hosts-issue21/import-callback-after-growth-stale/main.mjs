// A view cached at start-up, read by the `host_write` import. `grow_then_write` grows memory and
// then calls the import: the callback reads the view over the detached buffer
// (import-callback-before-growth-fresh: the same with `write_then_grow`).
import { readFileSync } from 'node:fs'
let memory = null
let heap = null
const seen = []
const imports = {
  env: {
    host_write: (n) => { seen.push(heap[n]) }, // stale: heap <- grow_then_write
    resize_heap: (pages) => { memory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
memory = instance.exports.memory
heap = new Uint8Array(memory.buffer)
instance.exports.grow_then_write(3)
console.log(seen)
