// The `host_write` import makes a view once (a cache that tests only for null) and reads it.
// `write_then_grow` calls the import and then grows memory: the view the callback made is attached
// in the callback but detached once the export returns (callback-made-after-growth-fresh:
// the same with `grow_then_write`, which never grows after the import returns). Three shapes: a
// module `let` behind a getter function, a class field behind a method, an object property set in
// the callback itself.
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
instance.exports.write_then_grow(3)
seen.push(heap()[0]) // stale: heap() <- write_then_grow
seen.push(pixels.view()[0]) // stale: pixels.view() <- write_then_grow
seen.push(state.data[0]) // stale: state.data <- write_then_grow
console.log(seen)
