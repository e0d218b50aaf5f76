// As callback-always-runs-object-fresh, with the two calls in the other order: `em_malloc` grows
// memory after the callback re-made the view, and nothing re-makes it again.
import { readFileSync } from 'node:fs'
let wasmMemory = null
const held = { view: null }
const seen = []
const imports = {
  env: {
    host_write: (n) => {
      if (held.view.buffer !== wasmMemory.buffer) held.view = null
      held.view ??= new Uint8Array(wasmMemory.buffer).subarray(16, 20)
    },
    resize_heap: (pages) => { wasmMemory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports
wasmMemory = ex.memory
held.view = new Uint8Array(wasmMemory.buffer).subarray(16, 20)
function step() {
  ex.write_only(5)
  ex.em_malloc(16)
}
export function read() {
  seen.push(held.view[1]) // stale: held.view <- em_malloc
}
step()
setTimeout(read, 0)
