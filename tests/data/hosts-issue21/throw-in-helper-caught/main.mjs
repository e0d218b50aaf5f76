// The helper throws on the detached buffer, and the caller's `try` catches it: the top level goes on,
// and `view` is read after the growing call: stale. (The helper has no `try` of its own: its build is a
// stale use.)
import { readFileSync } from 'node:fs'

// An exception nothing catches ends the run quietly (exit status 0), as the top level's throw would end it.
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

function header(buffer) {
  return new DataView(buffer, 8).getInt32(0, true) // stale: new DataView
}

const view = new Uint8Array(ex.memory.buffer, 0, 16) // fresh: new Uint8Array
const early = ex.memory.buffer
if (Date.now() > 0) {
  ex.reserve(1)
  try {
    console.log(header(early))
  } catch {
    console.log('the buffer detached')
  }
} else {
  ex.scratch()
}
console.log(view[0]) // stale: view <- reserve
