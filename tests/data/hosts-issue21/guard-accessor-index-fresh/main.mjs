// A guard through an accessor that takes the index (`pool.at(0)` returns `this.#views[i]`): its test
// names the element the call hands out, the one `keep(0, v)` wrote, not the array's other elements.
// In the `host_write` callback `em_malloc` (growth through the `resize_heap` import) may detach the
// kept view; the guard re-makes it where it is detached, so the read after it is fresh. At the top
// level, a class whose getter takes a slot number from a `const` does the same, beside another
// element made after the growth.
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
      if (pool.at(0).buffer !== memory.buffer) { // check
        pool.keep(0, new Uint8Array(memory.buffer, 16, 4))
      }
      seen.push(pool.at(0)[n % 4]) // fresh: pool.at(0)
      instance.exports.em_malloc(16)
    },
    resize_heap: (pages) => { memory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
memory = instance.exports.memory
const pool = new Pool()
pool.keep(0, new Uint8Array(memory.buffer, 16, 4))
for (let round = 0; round < 2; round++) {
  instance.exports.write_only(round)
}

const FIRST = 0
const SECOND = 1
const slots = new Slots()
slots.put(FIRST, new Float64Array(memory.buffer, 64, 2))
if (process.argv.length > 1) instance.exports.alloc(16)
slots.put(SECOND, new Float64Array(memory.buffer, 80, 2))
if (slots.get(FIRST).byteLength === 0) { // check
  slots.put(FIRST, new Float64Array(memory.buffer, 64, 2))
}
slots.get(FIRST)[1] = 2.5 // fresh: slots.get(FIRST)
slots.get(SECOND)[0] = 1.5 // fresh: slots.get(SECOND)
console.log(seen)
