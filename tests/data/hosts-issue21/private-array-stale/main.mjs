// Views kept in a helper class's private array and handed out by a method; another object's
// constructor allocates (grows memory); a later callback (another entry point) uses the views.
import { readFileSync } from 'node:fs'

class Slots {
  #data = []

  constructor(memory, count) {
    const all = new Uint8Array(memory.buffer) // fresh: new Uint8Array
    for (let i = 0; i < count; i++) this.#data[i] = all.subarray(i * 16, i * 16 + 16) // fresh: all
  }

  views() {
    return this.#data
  }
}

class Decoder {
  constructor(ex) {
    this.scratch = ex.alloc(64)
  }
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const slots = new Slots(ex.memory, 4)
const decoder = new Decoder(ex)

setTimeout(() => {
  const [first] = slots.views()
  console.log(decoder.scratch, first[0]) // stale: first
}, 0)
