// A factory makes a new object on every call, each from the same object literal: each object
// is read before the next call allocates, so every view read is fresh.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

function region(n) {
  const ptr = ex.alloc(n)
  return { ptr, bytes: new Uint8Array(ex.memory.buffer, ptr, n) }
}

const first = region(16)
console.log(first.bytes[0]) // fresh: first.bytes
const second = region(32)
console.log(second.bytes[0]) // fresh: second.bytes
