// Emscripten-style heap views in a module `let`, brought up to date by the `host_write` callback
// (the host's resize function grows memory without updating them). After `em_malloc` grew memory,
// `write_only` runs the callback on every call: the handler reads views made after the growth
// (callback-always-runs-let-stale: `peek` never calls the import, so nothing updates them).
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
  ex.write_only(0)
}
const onFrame = () => {
  seen.push(HEAPU8[8]) // fresh: HEAPU8
}
setTimeout(onTimer, 0)
setTimeout(onFrame, 0)
