// The helper class keeps offsets in its private array and makes the views when asked: fresh in the
// later callback, after another object's constructor grew memory.
import { readFileSync } from 'node:fs'

class Slots {
  #offsets = []
  #memory

  constructor(memory, count) {
    this.#memory = memory
    for (let i = 0; i < count; i++) this.#offsets[i] = i * 16
  }

  views() {
    return this.#offsets.map((at) => new Uint8Array(this.#memory.buffer, at, 16)) // fresh: new Uint8Array
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
  console.log(decoder.scratch, first[0]) // fresh: first
}, 0)
