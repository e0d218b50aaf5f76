// Views kept by index, the index a number the caller wrote: a pool's private array written through
// a parameter (`keep(0, v)` -> `this.#views[i] = v`), a module array written by a helper, and an
// object's array field. Each element is replaced after the growing call, so what is read back at
// that index is the new view, not the one kept before.
import { readFileSync } from 'node:fs'

class Pool {
  #views = []
  keep(i, v) { this.#views[i] = v }
  at(i) { return this.#views[i] }
}

const slots = []
function put(k, view) { slots[k] = view }

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const pool = new Pool()
const box = { parts: [] }
pool.keep(0, new Uint8Array(ex.memory.buffer, 0, 16))
put(1, new Int32Array(ex.memory.buffer, 16, 4))
const at = 2
box.parts[at] = new Float32Array(ex.memory.buffer, 32, 4)

ex.alloc(16)
pool.keep(0, new Uint8Array(ex.memory.buffer, 0, 16))
pool.at(0).fill(1) // fresh: pool.at(0)
put(1, new Int32Array(ex.memory.buffer, 16, 4))
console.log(slots[1][0]) // fresh: slots[1]
box.parts[at] = new Float32Array(ex.memory.buffer, 32, 4)
box.parts[at][1] = 2.5 // fresh: box.parts[at]
