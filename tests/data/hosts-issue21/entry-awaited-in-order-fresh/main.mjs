// The top level waits on each step in turn: a timer callback that resolves the promise it was
// made in, a `.then` callback, a frame callback behind a helper with other names. Each step re-makes
// what it grew; the functions the top level calls after waiting read it, then grow memory again.
// The event loop ran every step exactly when the top level waited on it, so each read follows the
// step that re-made the view, never another read's growth (entry-awaited-in-order-stale: the step
// does not settle the promise, or grows without re-making). Three shapes: a module `let`, a class
// field read by a method, an object property read by an arrow.
import { readFileSync } from 'node:fs'

const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports
const seen = []

let bytes = new Uint8Array(ex.memory.buffer, 0, 8)
function refill() {
  ex.alloc(16)
  bytes = new Uint8Array(ex.memory.buffer, 0, 8)
}
function readBytes() {
  seen.push(bytes[1]) // fresh: bytes
  ex.reserve(1)
}

class Store { words = null }
const store = new Store()
const restock = () => {
  ex.grow_then_write(2)
  store.words = new Int32Array(ex.memory.buffer, 16, 4)
}
class Panel {
  draw() {
    seen.push(store.words[0] + store.words[1]) // fresh: store.words
    ex.em_malloc(16)
  }
}
const panel = new Panel()

const frame = { floats: null }
function onFrame(time) {
  ex.reserve(1)
  frame.floats = new Float32Array(ex.memory.buffer, 32, 2)
  frame.floats[0] = time
}
const paint = () => {
  seen.push(frame.floats[1]) // fresh: frame.floats
  ex.alloc(8)
}

const later = (fn) => new Promise((done, fail) => setTimeout(() => { try { fn(); done() } catch (error) { fail(error) } }, 0))
function nextTick(callback) {
  return new Promise(function (settle) {
    setImmediate(() => {
      callback(performance.now())
      settle()
    })
  })
}

for (let round = 0; round < 2; round++) {
  await later(refill)
  readBytes()
  await Promise.resolve().then(restock)
  panel.draw()
  await nextTick(onFrame)
  paint()
}
console.log(seen.length)
