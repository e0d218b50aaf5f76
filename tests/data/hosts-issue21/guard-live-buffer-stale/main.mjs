// guard-live-buffer-fresh, with the arms the other way round: the test of the memory's own buffer
// is always false, so the arm taken keeps the view made before the growth, read detached.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const before = new Uint8Array(ex.memory.buffer, 0, 8) // fresh: new Uint8Array
ex.alloc(16)
const now = ex.memory.buffer.byteLength === 0 ? new Uint8Array(ex.memory.buffer, 0, 8) : before
console.log(now[0]) // stale: now <- alloc
