// A `try` whose `catch` re-validates nothing, around calls: a promise wrapper's `try { fn() }
// catch (e) { fail(e) }` and a handler's `try { store.flush() } catch (e) { console.error(e) }`.
// The stale uses (which throw) are in the functions called, which the `try` does not guard.
import { readFileSync } from 'node:fs'

const later = (fn) => new Promise((done, fail) => setTimeout(() => { try { fn(); done() } catch (error) { fail(error) } }, 0))

class Store {
  constructor(bytes) { this.bytes = bytes }
  flush() {
    this.bytes.fill(0) // stale: this.bytes <- alloc
  }
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const view = new Uint32Array(ex.memory.buffer, 0, 4)
const store = new Store(new Uint8Array(ex.memory.buffer, 16, 16))

function onTimer() {
  ex.alloc(16)
  view.fill(1) // stale: view <- alloc
}

function onMessage() {
  ex.alloc(16)
  try {
    store.flush()
  } catch (error) {
    console.error('caught:', error.message)
  }
}

await later(onTimer).catch((error) => console.error('rejected:', error.message))
onMessage()
