// The `host_write` callback re-makes a cached view when it finds it detached. `write_only` calls
// that import on every call, so after `em_malloc` grew memory, the `write_only` call that follows
// has re-made the view: the timer reads a fresh one (callback-always-runs-object-stale: the
// two calls in the other order).
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
  ex.em_malloc(16)
  ex.write_only(5)
}
export function read() {
  seen.push(held.view[1]) // fresh: held.view
}
step()
setTimeout(read, 0)
