// The twins of entry-after-await-stale: the functions run before the top level waits (the timer
// and the frame that grow memory have not run yet), or the views are made after it.
import { readFileSync } from 'node:fs'

const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

let held = new Int8Array(ex.memory.buffer, 8, 4)

class Tools {
  show(view) {
    return Array.from(view.subarray(0, 2)) // fresh: view
  }
}
const tools = new Tools()

class App {
  update() {
    ex.scratch()
    console.log(tools.show(held))
  }
}
const app = new App()

function step() {
  console.log(held[1]) // fresh: held
}

function sum(words) {
  return words[0] + words[1] // fresh: words
}

setTimeout(() => ex.alloc(16), 0)
app.update()
step()
const nextFrame = (fn) => new Promise((done) => setTimeout(() => { fn(); done() }, 0))
await nextFrame(() => ex.reserve(1))
console.log(sum(new Uint32Array(ex.memory.buffer, 16, 4)))
