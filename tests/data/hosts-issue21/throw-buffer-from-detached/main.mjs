// Node's `Buffer.from(arrayBuffer, offset, length)` over a detached buffer throws (as a typed array
// built over it does): after `reserve` grew memory for sure, the top level ends there, and `view`
// below is never read: no finding.
import { readFileSync } from 'node:fs'

process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const view = new Uint8Array(ex.memory.buffer, 0, 16) // fresh: new Uint8Array
const saved = ex.memory.buffer
ex.alloc(16)
console.log(Buffer.from(saved, 8, 4).toString('hex')) // stale: saved
console.log(view[0])
