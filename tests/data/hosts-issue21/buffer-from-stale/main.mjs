// Node's Buffer.from(arrayBuffer, offset, length) views the memory as a typed array does: kept
// across a call that grows memory, it reads the detached buffer (empty: '' and undefined). Three
// shapes: a module variable, a helper's parameter, and Buffer#slice (a view too, unlike a typed
// array's slice).
import { readFileSync } from 'node:fs'

const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

let header = Buffer.from(ex.memory.buffer, 16, 8)
ex.alloc(16)
console.log(header.toString('hex')) // stale: header <- alloc

function show(bytes, grow) {
  grow(1)
  return bytes[0] // stale: bytes <- reserve
}
console.log(show(Buffer.from(ex.memory.buffer, 32, 8), ex.reserve))

const part = Buffer.from(ex.memory.buffer, 0, 16).slice(0, 4)
ex.grow_then_write(1)
console.log(part[1]) // stale: part <- grow_then_write
