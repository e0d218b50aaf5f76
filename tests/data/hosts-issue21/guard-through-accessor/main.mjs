// Guards that test a view through what hands it out: a class getter returning a private field, a
// closure returning the view it captured, a method returning a field, a Set's first element. On
// the branch where the test says "detached" the holder is re-made; past the guard every read
// through it is fresh (the old holder's stale view can no longer be reached).
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

class Image {
  #pixels
  constructor(pixels) { this.#pixels = pixels }
  get pixels() { return this.#pixels }
  touch() {
    this.#pixels.set([1], 0) // fresh: this.#pixels
  }
}
let image = new Image(new Int32Array(ex.memory.buffer, 16, 4)) // fresh: new Int32Array
ex.alloc(16)
if (image.pixels.byteLength === 0) { // check
  image = new Image(new Int32Array(ex.memory.buffer, 16, 4)) // fresh: new Int32Array
}
image.touch()

const keep = (v) => () => v
let current = keep(new Uint16Array(ex.memory.buffer, 8, 4)) // fresh: new Uint16Array
ex.reserve(1)
if (current().buffer !== ex.memory.buffer) current = keep(new Uint16Array(ex.memory.buffer, 8, 4)) // fresh: new Uint16Array
current().fill(3) // fresh: current()

class Box {
  constructor(view) { this.view = view }
  take() { return this.view }
}
let box = new Box(new Float32Array(ex.memory.buffer, 32, 2)) // fresh: new Float32Array
ex.alloc(8)
box = box.take().byteLength !== 0 ? box : new Box(new Float32Array(ex.memory.buffer, 32, 2)) // fresh: new Float32Array
console.log(box.take()[0]) // fresh: box.take()

const held = new Set()
held.add(new Int8Array(ex.memory.buffer, 0, 4)) // fresh: new Int8Array
ex.reserve(1)
if (held.values().next().value.buffer !== ex.memory.buffer) { // check
  held.clear(); held.add(new Int8Array(ex.memory.buffer, 0, 4)) // fresh: new Int8Array
}
held.values().next().value.fill(1) // fresh: held.values().next().value
