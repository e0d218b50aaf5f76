// A guard through an accessor that takes the index tests one element and the code uses another:
// `pool.at(1)` is re-made where detached, `pool.at(0)` is read; the slot number comes from a `const`
// at the top level in the same way (guard-accessor-index-fresh: the element tested is the one used).
import { readFileSync } from 'node:fs'

class Pool {
  #views = []
  keep(i, v) { this.#views[i] = v }
  at(i) { return this.#views[i] }
}
class Slots {
  items = []
  put(k, v) { this.items[k] = v }
  get(k) { return this.items[k] }
}

let memory = null
const seen = []
const imports = {
  env: {
    host_write: (n) => {
      if (pool.at(1).buffer !== memory.buffer) { // check
        pool.keep(1, new Uint8Array(memory.buffer, 16, 4))
      }
      seen.push(pool.at(0)[n % 4]) // stale: pool.at(0)
      instance.exports.em_malloc(16)
    },
    resize_heap: (pages) => { memory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
memory = instance.exports.memory
const pool = new Pool()
pool.keep(0, new Uint8Array(memory.buffer, 16, 4))
pool.keep(1, new Uint8Array(memory.buffer, 32, 4))
for (let round = 0; round < 2; round++) {
  instance.exports.write_only(round)
}

const FIRST = 0
const SECOND = 1
const slots = new Slots()
slots.put(FIRST, new Float64Array(memory.buffer, 64, 2))
if (process.argv.length > 1) instance.exports.alloc(16)
slots.put(SECOND, new Float64Array(memory.buffer, 80, 2))
if (slots.get(SECOND).byteLength === 0) { // check
  slots.put(SECOND, new Float64Array(memory.buffer, 80, 2))
}
slots.get(FIRST)[1] = 2.5 // stale: slots.get(FIRST)
console.log(seen)
