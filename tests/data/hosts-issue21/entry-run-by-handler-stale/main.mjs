// The same functions, each run by an entry point that grows memory after making the view and
// before calling them: stale there.
import { readFileSync } from 'node:fs'

class Frame {
  constructor(data) { this.data = data }
  draw() {
    this.data[0] = 1 // stale: this.data <- alloc
  }
}

let view = null
function paint() {
  console.log(view[1]) // stale: view <- grow_then_write
}

const painter = {
  target: null,
  fill() {
    this.target.fill(2) // stale: this.target <- reserve
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
  frame = new Frame(new Uint8Array(ex.memory.buffer, 0, 16))
  ex.alloc(16)
  frame.draw()
  view = new Uint8Array(ex.memory.buffer, 16, 16)
  ex.grow_then_write(1)
  paint()
  painter.target = new Uint8Array(ex.memory.buffer, 32, 16)
  ex.reserve(1)
  painter.fill()
}

setTimeout(onTick, 0)
setTimeout(onTick, 0)
