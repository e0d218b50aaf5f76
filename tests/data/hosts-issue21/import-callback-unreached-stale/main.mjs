// As import-callback-unreached-fresh, but a timer calls `write_only` after `em_malloc` grew memory:
// the callback then runs inside that call and reads the detached view.
import { readFileSync } from 'node:fs'
let wasmMemory = null
let heap = null
const seen = []
const imports = {
  env: {
    host_write: (n) => {
      try {
        seen.push(heap[n]) // stale: heap <- em_malloc
      } catch {}
    },
    resize_heap: (pages) => { wasmMemory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports
wasmMemory = ex.memory
heap = new Uint8Array(wasmMemory.buffer)
ex.em_malloc(16)
setTimeout(() => ex.write_only(3), 0)
