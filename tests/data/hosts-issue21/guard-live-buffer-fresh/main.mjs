// A guard that tests the memory's own buffer (`memory.buffer.byteLength === 0`) instead of the view
// it stands for: the live buffer is never detached, and the module's memory has pages from the
// start, so the test is always false. Its "empty" arm, which would pick the view made before the
// growth, never runs: `now` is always the view made after it.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const before = new Uint8Array(ex.memory.buffer, 0, 8) // fresh: new Uint8Array
ex.alloc(16)
const now = ex.memory.buffer.byteLength === 0 ? before : new Uint8Array(ex.memory.buffer, 0, 8)
console.log(now[0]) // fresh: now
