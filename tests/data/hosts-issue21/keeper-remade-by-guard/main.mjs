// A keeper object re-made when the view it keeps detached: an `if` testing it through its getter,
// a ternary and an `||` default. On the branch that re-made it the old object is gone, so its
// stale slot is not what the method reads afterwards.
import { readFileSync } from 'node:fs'

class Picture {
  #pixels
  constructor(pixels) { this.#pixels = pixels }
  get pixels() { return this.#pixels }
  paint() {
    this.#pixels[0] = 1 // fresh: this.#pixels
  }
}

class Frame {
  constructor(data) { this.data = data }
  draw() {
    console.log(this.data[1]) // fresh: this.data
  }
}

class Canvas {
  #bytes
  constructor(bytes) { this.#bytes = bytes }
  get bytes() { return this.#bytes }
  blit() {
    this.#bytes.fill(3) // fresh: this.#bytes
  }
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
let picture = new Picture(new Uint8Array(ex.memory.buffer, 0, 16))
let frame = new Frame(new Uint8Array(ex.memory.buffer, 16, 16))
let canvas = new Canvas(new Uint8Array(ex.memory.buffer, 32, 16))

for (let round = 0; round < 2; round++) {
  ex.alloc(16)
  if (picture.pixels.byteLength === 0) { // check
    picture = new Picture(new Uint8Array(ex.memory.buffer, 0, 16))
  }
  picture.paint()
  frame = frame.data.buffer !== ex.memory.buffer // check
    ? new Frame(new Uint8Array(ex.memory.buffer, 16, 16))
    : frame
  frame.draw()
  canvas = (canvas.bytes.length !== 0 && canvas) // check
    || new Canvas(new Uint8Array(ex.memory.buffer, 32, 16))
  canvas.blit()
}
