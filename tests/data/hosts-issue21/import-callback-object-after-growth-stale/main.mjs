// An object keeps a view made once the module has loaded; the `host_write` import, made by a
// factory around that object, reads it. `grow_then_write` grows memory, then calls the import:
// the callback reads the view detached (import-callback-object-before-growth-fresh: the same with
// `write_then_grow`).
import { readFileSync } from 'node:fs'

function importsFor(state) {
  return {
    env: {
      host_write: (n) => { state.seen.push(state.bytes[n]) }, // stale: state.bytes <- grow_then_write
      resize_heap: (pages) => { state.memory.grow(pages); return 0 },
    },
  }
}

const state = { memory: null, bytes: null, seen: [] }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), importsFor(state))
state.memory = instance.exports.memory
state.bytes = new Uint8Array(state.memory.buffer)
instance.exports.grow_then_write(5)
console.log(state.seen)
