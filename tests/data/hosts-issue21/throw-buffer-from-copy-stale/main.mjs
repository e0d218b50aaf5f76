// throw-buffer-from-detached, but `Buffer.from` is given a typed array: it copies the view's bytes,
// and a detached view has none, so nothing throws and `view` below is read detached.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const view = new Uint8Array(ex.memory.buffer, 0, 16) // fresh: new Uint8Array
const bytes = new Uint8Array(ex.memory.buffer, 16, 4)
ex.alloc(16)
console.log(Buffer.from(bytes).length) // stale: bytes <- alloc
console.log(view[0]) // stale: view <- alloc
