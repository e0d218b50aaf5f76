// The callback throws on the detached buffer, through the export call, and the caller's `try` catches
// it: the top level goes on, and `view` is read after the growing call: stale. (V8 sees the callback's
// build detached; wasmlint reports it through the callback's other runs, as an entry point.)
import { readFileSync } from 'node:fs'

// An exception nothing catches ends the run quietly (exit status 0), as the top level's throw would end it.
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
let saved = null
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: {
    host_write(n) {
      console.log(new DataView(saved, n).byteLength) // stale: new DataView
    },
    resize_heap: () => 0,
  },
})
const ex = instance.exports
const view = new Uint8Array(ex.memory.buffer, 0, 16) // fresh: new Uint8Array
saved = ex.memory.buffer
if (Date.now() > 0) {
  ex.reserve(1)
  try {
    ex.write_only(8)
  } catch {
    console.log('the buffer detached')
  }
} else {
  ex.scratch()
}
console.log(view[0]) // stale: view <- reserve
