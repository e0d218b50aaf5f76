// The top level registers a timer and a frame callback that grow memory, waits, and then calls
// functions of its own: the event loop ran the timer and the frame while it waited, so the views
// those functions read, made at start-up, are detached. Three shapes: a class method handing a
// module variable to another object's method, a plain function, and a function reading a view
// kept in an object.
import { readFileSync } from 'node:fs'

const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

let held = new Int8Array(ex.memory.buffer, 8, 4)
const cache = { words: new Uint32Array(ex.memory.buffer, 16, 4) }

class Tools {
  show(view) {
    return Array.from(view.subarray(0, 2)) // stale: view <- alloc
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
  console.log(held[1]) // stale: held <- alloc
}

function sum() {
  return cache.words[1] * 2 // stale: cache.words <- alloc
}

setTimeout(() => ex.alloc(16), 0)
const nextFrame = (fn) => new Promise((done) => setTimeout(() => { fn(); done() }, 0))
await nextFrame(() => ex.reserve(1))
step()
console.log(sum())
app.update()
