// A statement calling a function named `using` (blake3-wasm's helper: run a callback with a
// resource, then dispose of it), which the JavaScript grammar reads as a `using` declaration
// unless the host layer repairs it: the callback's growth happens inside the call. Three shapes:
// a statement in a function, in a method, and the branch of an `if`.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const using = (resource, body) => { try { return body(resource) } finally { resource.dispose() } }
const scratch = { dispose() {} }

function fill() {
  const view = new Uint8Array(ex.memory.buffer, 0, 16)
  using(scratch, () => { ex.alloc(8) })
  return view[0] // stale: view <- alloc
}

class Hasher {
  constructor() { this.words = new Int32Array(ex.memory.buffer, 0, 4) }
  update() {
    using(scratch, (s) => ex.reserve(1))
    return this.words[1] // stale: this.words <- reserve
  }
}

function maybe(again) {
  const bytes = new Uint8Array(ex.memory.buffer, 0, 8)
  if (again) using(scratch, () => ex.alloc(4))
  return bytes[2] // stale: bytes <- alloc
}

fill()
new Hasher().update()
maybe(true)
