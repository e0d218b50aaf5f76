// A view cached at start-up, read by the `host_write` import, which `write_then_grow` calls before
// it grows. The view went stale earlier, though: `alloc` grew memory before the export was called,
// so the callback reads it detached all the same.
import { readFileSync } from 'node:fs'
let memory = null
let heap = null
const seen = []
const imports = {
  env: {
    host_write: (n) => { seen.push(heap[n]) }, // stale: heap <- alloc
    resize_heap: (pages) => { memory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
memory = instance.exports.memory
heap = new Uint8Array(memory.buffer)
instance.exports.alloc(16)
instance.exports.write_then_grow(3)
console.log(seen)
