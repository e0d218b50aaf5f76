// A view cached at start-up, read by the `host_write` import, which `write_then_grow` calls before
// it grows. The host calls the export in a loop: from the second call on, the callback reads the
// view the first call's growth detached.
import { readFileSync } from 'node:fs'
let memory = null
let heap = null
const seen = []
const imports = {
  env: {
    host_write: (n) => { seen.push(heap[n]) }, // stale: heap <- write_then_grow
    resize_heap: (pages) => { memory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
memory = instance.exports.memory
heap = new Uint8Array(memory.buffer)
for (const n of [3, 4]) instance.exports.write_then_grow(n)
console.log(seen)
