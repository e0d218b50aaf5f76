// The twins of buffer-from-stale: Buffer.from over the buffer read after the call, and
// Buffer.from(view), which copies the bytes (safe to keep across growth).
import { readFileSync } from 'node:fs'

const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

ex.alloc(16)
let header = Buffer.from(ex.memory.buffer, 16, 8)
console.log(header.toString('hex')) // fresh: header

const copy = Buffer.from(new Uint8Array(ex.memory.buffer, 32, 8))
ex.reserve(1)
console.log(copy[0]) // fresh: copy

function show(grow) {
  grow(1)
  const bytes = Buffer.from(ex.memory.buffer, 0, 16)
  return bytes[0] // fresh: bytes
}
console.log(show(ex.grow_then_write))
