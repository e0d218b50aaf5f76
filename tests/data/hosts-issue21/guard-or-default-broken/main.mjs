// The `||` defaults of guard-or-default, each testing a value other than the one it keeps: a
// spare view, another object's view, the live buffer itself. The kept view is stale past them.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const memory = ex.memory

let words = new Uint32Array(memory.buffer, 24, 4) // fresh: new Uint32Array
ex.alloc(16)
const spare = new Uint32Array(memory.buffer, 24, 4) // fresh: new Uint32Array
words = (!(spare.byteLength === 0) && words) || new Uint32Array(memory.buffer, 24, 4)
words[0] = 1 // stale: words <- alloc

const state = { bytes: new Uint8Array(memory.buffer, 8, 8) } // fresh: new Uint8Array
const other = { bytes: new Uint8Array(memory.buffer, 8, 8) } // fresh: new Uint8Array
ex.reserve(1)
other.bytes = new Uint8Array(memory.buffer, 8, 8) // fresh: new Uint8Array
state.bytes = (other.bytes.buffer === memory.buffer && state.bytes) || new Uint8Array(memory.buffer, 8, 8)
console.log(state.bytes[0]) // stale: state.bytes <- reserve

let shorts = new Int16Array(memory.buffer, 0, 4) // fresh: new Int16Array
ex.alloc(8)
shorts = (memory.buffer.byteLength && shorts) || new Int16Array(memory.buffer, 0, 4)
shorts[1] = 2 // stale: shorts <- alloc
