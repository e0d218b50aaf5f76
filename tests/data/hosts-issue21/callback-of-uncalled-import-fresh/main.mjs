// The `host_write` import makes a view once (a cache that tests only for null) and reads it.
// `em_malloc` calls only the `resize_heap` import, which grows memory: it never runs `host_write`,
// so no view is made during it; the view `write_only`'s callback makes afterwards is attached
// (callback-of-uncalled-import-stale: the same calls in the other order, so the view is made
// before the growth). Three shapes: a module `let` behind a getter function, a class field behind
// a method, an object property set in the callback itself.
import { readFileSync } from 'node:fs'
let memory = null
const seen = []

let cached = null
function heap() {
  if (cached === null) cached = new Uint8Array(memory.buffer, 0, 16)
  return cached
}

class Pixels {
  #view = null
  view() {
    if (this.#view === null) this.#view = new Int32Array(memory.buffer, 16, 4)
    return this.#view
  }
}
const pixels = new Pixels()

const state = { data: null }

const imports = {
  env: {
    host_write: (n) => {
      seen.push(heap()[n]) // fresh: heap()
      seen.push(pixels.view()[1]) // fresh: pixels.view()
      state.data ??= new Float32Array(memory.buffer, 32, 2)
      seen.push(state.data[n % 2]) // fresh: state.data
    },
    resize_heap: (pages) => { memory.grow(pages); return 0 },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
memory = instance.exports.memory
instance.exports.em_malloc(16)
instance.exports.write_only(1)
seen.push(heap()[0]) // fresh: heap()
seen.push(pixels.view()[0]) // fresh: pixels.view()
seen.push(state.data[0]) // fresh: state.data
console.log(seen)
