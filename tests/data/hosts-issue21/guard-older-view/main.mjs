// A guard that tests one view and keeps another: when the view it tests was made first, finding it
// attached proves that no call since grew memory, so the view made after it is attached too.
// Three shapes: an if over a pool's element, an `||` default over a map's view, a ternary in a loop.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const memory = ex.memory

class Pool { #views = []; keep(i, v) { this.#views[i] = v } at(i) { return this.#views[i] } }
const pool = new Pool()
pool.keep(0, new Uint8Array(memory.buffer, 0, 8)) // fresh: new Uint8Array
let words = new Uint32Array(memory.buffer, 8, 2) // fresh: new Uint32Array
ex.alloc(16)
if (pool.at(0).byteLength === 0) { // check
  words = new Uint32Array(memory.buffer, 8, 2) // fresh: new Uint32Array
}
words[0] = 1 // fresh: words

const held = new Map()
held.set('view', new Int8Array(memory.buffer, 0, 4)) // fresh: new Int8Array
let shorts = new Int16Array(memory.buffer, 16, 2) // fresh: new Int16Array
ex.reserve(1)
shorts = (held.get('view').buffer === memory.buffer && shorts) || new Int16Array(memory.buffer, 16, 2) // fresh: new Int16Array
shorts.fill(2) // fresh: shorts

const first = { view: new Float32Array(memory.buffer, 0, 2) } // fresh: new Float32Array
let floats = new Float64Array(memory.buffer, 8, 1) // fresh: new Float64Array
for (let round = 0; round < 2; round++) {
  ex.alloc(8)
  floats = first.view.byteLength !== 0 ? floats : new Float64Array(memory.buffer, 8, 1) // fresh: new Float64Array
  console.log(floats[0]) // fresh: floats
  first.view = new Float32Array(memory.buffer, 0, 2) // fresh: new Float32Array
}
