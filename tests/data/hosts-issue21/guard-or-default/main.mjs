// The guard as an `||` default: the kept view where its test says it is attached, else a new one
// over the memory. Three tests: `!(x.byteLength === 0)`, `x.buffer === memory.buffer` and the
// length read for its truth (a detached view's is 0). Every read past the default is fresh.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const memory = ex.memory

let words = new Uint32Array(memory.buffer, 24, 4) // fresh: new Uint32Array
ex.alloc(16)
words = (!(words.byteLength === 0) && words) || new Uint32Array(memory.buffer, 24, 4) // fresh: new Uint32Array
words.fill(1) // fresh: words

const state = { bytes: new Uint8Array(memory.buffer, 8, 8) } // fresh: new Uint8Array
ex.reserve(1)
state.bytes = (state.bytes.buffer === memory.buffer && state.bytes) || new Uint8Array(memory.buffer, 8, 8) // fresh: new Uint8Array
console.log(state.bytes[0]) // fresh: state.bytes

function halves(view) {
  return (view.byteLength && view) || new Int16Array(memory.buffer, 0, 4) // fresh: new Int16Array
}
let shorts = new Int16Array(memory.buffer, 0, 4) // fresh: new Int16Array
ex.alloc(8)
shorts = halves(shorts)
shorts[1] = 2 // fresh: shorts
