// The guards of guard-older-view testing a view made *after* the one they keep: finding it attached
// says nothing of the calls before it was made, and the kept view is stale past the guard.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const memory = ex.memory

let words = new Uint32Array(memory.buffer, 8, 2) // fresh: new Uint32Array
ex.alloc(16)
class Pool { #views = []; keep(i, v) { this.#views[i] = v } at(i) { return this.#views[i] } }
const pool = new Pool()
pool.keep(0, new Uint8Array(memory.buffer, 0, 8)) // fresh: new Uint8Array
if (pool.at(0).byteLength === 0) { // check
  words = new Uint32Array(memory.buffer, 8, 2)
}
words[0] = 1 // stale: words <- alloc

let shorts = new Int16Array(memory.buffer, 16, 2) // fresh: new Int16Array
ex.reserve(1)
const held = new Map()
held.set('view', new Int8Array(memory.buffer, 0, 4)) // fresh: new Int8Array
shorts = (held.get('view').buffer === memory.buffer && shorts) || new Int16Array(memory.buffer, 16, 2)
shorts.fill(2) // stale: shorts <- reserve
