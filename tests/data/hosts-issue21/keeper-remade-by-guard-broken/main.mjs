// The same guards, broken: each tests a view made after the growing call instead of the object it
// would re-make, so the object the method reads keeps its detached view.
import { readFileSync } from 'node:fs'

class Picture {
  #pixels
  constructor(pixels) { this.#pixels = pixels }
  get pixels() { return this.#pixels }
  paint() {
    this.#pixels[0] = 1 // stale: this.#pixels <- alloc
  }
}

class Frame {
  constructor(data) { this.data = data }
  draw() {
    console.log(this.data[1]) // stale: this.data <- alloc
  }
}

class Canvas {
  #bytes
  constructor(bytes) { this.#bytes = bytes }
  get bytes() { return this.#bytes }
  blit() {
    this.#bytes.fill(3) // stale: this.#bytes <- alloc
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
  const probe = new Uint8Array(ex.memory.buffer, 48, 16)
  if (probe.byteLength === 0) { // check
    picture = new Picture(new Uint8Array(ex.memory.buffer, 0, 16))
  }
  picture.paint()
  frame = probe.buffer !== ex.memory.buffer // check
    ? new Frame(new Uint8Array(ex.memory.buffer, 16, 16))
    : frame
  frame.draw()
  canvas = (probe.length !== 0 && canvas) // check
    || new Canvas(new Uint8Array(ex.memory.buffer, 32, 16))
  canvas.blit()
}
