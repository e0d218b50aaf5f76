// An object keeps a view made once the module has loaded; the `host_write` import, made by a
// factory around that object, reads it. `write_then_grow` calls the import before it grows: the
// callback reads the view still attached (import-callback-object-after-growth-stale: the same
// with `grow_then_write`).
import { readFileSync } from 'node:fs'

function importsFor(state) {
  return {
    env: {
      host_write: (n) => { state.seen.push(state.bytes[n]) }, // fresh: state.bytes
      resize_heap: (pages) => { state.memory.grow(pages); return 0 },
    },
  }
}

const state = { memory: null, bytes: null, seen: [] }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), importsFor(state))
state.memory = instance.exports.memory
state.bytes = new Uint8Array(state.memory.buffer)
instance.exports.write_then_grow(5)
console.log(state.seen)
