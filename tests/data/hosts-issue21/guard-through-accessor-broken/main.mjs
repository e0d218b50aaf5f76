// The accessor guards of guard-through-accessor, each testing the wrong holder: another image's
// getter, another closure, another box, another set. The holder that is used was never re-validated.
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
    this.#pixels[0] = 1 // stale: this.#pixels <- alloc
  }
}
let image = new Image(new Int32Array(ex.memory.buffer, 16, 4)) // fresh: new Int32Array
ex.alloc(16)
let other = new Image(new Int32Array(ex.memory.buffer, 16, 4)) // fresh: new Int32Array
if (other.pixels.byteLength === 0) { // check
  other = new Image(new Int32Array(ex.memory.buffer, 16, 4))
}
image.touch()

const keep = (v) => () => v
const current = keep(new Uint16Array(ex.memory.buffer, 8, 4)) // fresh: new Uint16Array
ex.reserve(1)
let spare = keep(new Uint16Array(ex.memory.buffer, 8, 4)) // fresh: new Uint16Array
if (spare().buffer !== ex.memory.buffer) spare = keep(new Uint16Array(ex.memory.buffer, 8, 4))
current()[0] = 3 // stale: current() <- reserve

class Box {
  constructor(view) { this.view = view }
  take() { return this.view }
}
const box = new Box(new Float32Array(ex.memory.buffer, 32, 2)) // fresh: new Float32Array
ex.alloc(8)
let spareBox = new Box(new Float32Array(ex.memory.buffer, 32, 2)) // fresh: new Float32Array
spareBox = spareBox.take().byteLength !== 0 ? spareBox : new Box(new Float32Array(ex.memory.buffer, 32, 2))
console.log(box.take()[0]) // stale: box.take() <- alloc

const held = new Set()
held.add(new Int8Array(ex.memory.buffer, 0, 4)) // fresh: new Int8Array
ex.reserve(1)
const spareSet = new Set()
spareSet.add(new Int8Array(ex.memory.buffer, 0, 4)) // fresh: new Int8Array
if (spareSet.values().next().value.buffer !== ex.memory.buffer) { // check
  held.clear(); held.add(new Int8Array(ex.memory.buffer, 0, 4))
}
held.values().next().value.fill(1) // stale: held.values().next().value <- reserve
