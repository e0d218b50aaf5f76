// What an async function or a Promise executor throws rejects a promise: the caller goes on, so the
// uses after the call run, over the buffer the growing call detached. Three shapes: an async helper
// building over a detached buffer, an executor doing the same, an async method's view method.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

async function build(buffer) {
  return new DataView(buffer, 8) // stale: new DataView
}

class Store {
  constructor(view) { this.view = view }
  async clear() { this.view.fill(0) } // stale: this.view <- alloc
}

const view = new Uint8Array(ex.memory.buffer, 0, 16)
const early = ex.memory.buffer
const store = new Store(new Uint8Array(ex.memory.buffer, 16, 16))
ex.alloc(16)
build(early).catch(() => {})
console.log(view[0]) // stale: view <- alloc
new Promise(() => { new Int32Array(early) }).catch(() => {}) // stale: new Int32Array
console.log(view[1]) // stale: view <- alloc
ex.reserve(1)
store.clear().catch(() => {})
console.log(store.view[0]) // stale: store.view <- alloc
