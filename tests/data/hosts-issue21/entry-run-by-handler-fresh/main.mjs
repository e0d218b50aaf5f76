// Functions only entry points call: a keeper class's method, a module function and an object
// literal's method. Each runs where its caller runs it, after the caller re-made the view; none is
// an entry point of its own, so the view the top level kept before growing is never theirs.
import { readFileSync } from 'node:fs'

class Frame {
  constructor(data) { this.data = data }
  draw() {
    this.data[0] = 1 // fresh: this.data
  }
}

let view = null
function paint() {
  console.log(view[1]) // fresh: view
}

const painter = {
  target: null,
  fill() {
    this.target.fill(2) // fresh: this.target
  },
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
let frame = new Frame(new Uint8Array(ex.memory.buffer, 0, 16))
view = new Uint8Array(ex.memory.buffer, 16, 16)
painter.target = new Uint8Array(ex.memory.buffer, 32, 16)
ex.alloc(16)

function onTick() {
  ex.alloc(16)
  frame = new Frame(new Uint8Array(ex.memory.buffer, 0, 16))
  frame.draw()
  view = new Uint8Array(ex.memory.buffer, 16, 16)
  paint()
  painter.target = new Uint8Array(ex.memory.buffer, 32, 16)
  painter.fill()
}

setTimeout(onTick, 0)
setTimeout(onTick, 0)
