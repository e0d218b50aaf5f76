// A view cached at start-up, read by the `host_write` import. Only `write_only` calls that import,
// and the host calls it before anything grows; `em_malloc` grows memory later (through
// `resize_heap`) but never calls `host_write`, and nothing calls `write_only` again: the callback
// never runs after the growth. It is no entry point of its own.
import { readFileSync } from 'node:fs'
let wasmMemory = null
let heap = null
const seen = []
const imports = {
  env: {
    host_write: (n) => { seen.push(heap[n]) }, // fresh: heap
    resize_heap: (pages) => { wasmMemory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports
wasmMemory = ex.memory
heap = new Uint8Array(wasmMemory.buffer)
ex.write_only(3)
ex.em_malloc(16)
ex.scratch()
console.log(seen)
