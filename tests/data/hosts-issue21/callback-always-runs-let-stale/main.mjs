// As callback-always-runs-let-fresh, but after `em_malloc` the timer calls `peek`, which never
// calls the import: nothing brings the views up to date.
import { readFileSync } from 'node:fs'
let wasmMemory = null
let HEAPU8 = null
const seen = []
function syncHeap() { HEAPU8 = new Uint8Array(wasmMemory.buffer) }
const imports = {
  env: {
    host_write: (n) => { if (HEAPU8.buffer !== wasmMemory.buffer) syncHeap() },
    resize_heap: (pages) => { wasmMemory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports
wasmMemory = ex.memory
syncHeap()
const onTimer = () => {
  ex.em_malloc(16)
  ex.peek(0)
}
const onFrame = () => {
  seen.push(HEAPU8[8]) // stale: HEAPU8 <- em_malloc
}
setTimeout(onTimer, 0)
setTimeout(onFrame, 0)
