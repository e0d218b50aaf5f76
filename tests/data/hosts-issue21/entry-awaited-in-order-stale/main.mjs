// The twins of entry-awaited-in-order-fresh that V8 sees detached: a helper whose promise resolves
// at once, before the timer it registered runs (the top level goes on and reads what its own
// previous read grew past), and an awaited step that grows memory without re-making the view the
// next function reads.
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
  seen.push(bytes[1]) // stale: bytes <- reserve
  ex.reserve(1)
}
const soon = (fn) => new Promise((done) => { setTimeout(fn, 0); done() })

class Store { words = new Int32Array(ex.memory.buffer, 16, 4) }
const store = new Store()
const spend = () => { ex.grow_then_write(2) }
class Panel {
  draw() {
    seen.push(store.words[1]) // stale: store.words
  }
}
const panel = new Panel()

for (let round = 0; round < 2; round++) {
  await soon(refill)
  readBytes()
}
await Promise.resolve().then(spend)
panel.draw()
console.log(seen.length)
