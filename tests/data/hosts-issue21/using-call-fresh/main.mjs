// The twin of using-call-stale: the same calls of `using`, each view made after the call that
// grew memory inside it.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const using = (resource, body) => { try { return body(resource) } finally { resource.dispose() } }
const scratch = { dispose() {} }

function fill() {
  using(scratch, () => { ex.alloc(8) })
  const view = new Uint8Array(ex.memory.buffer, 0, 16)
  return view[0] // fresh: view
}

class Hasher {
  update() {
    using(scratch, (s) => ex.reserve(1))
    this.words = new Int32Array(ex.memory.buffer, 0, 4)
    return this.words[1] // fresh: this.words
  }
}

function maybe(again) {
  if (again) using(scratch, () => ex.alloc(4))
  const bytes = new Uint8Array(ex.memory.buffer, 0, 8)
  return bytes[2] // fresh: bytes
}

fill()
new Hasher().update()
maybe(true)
