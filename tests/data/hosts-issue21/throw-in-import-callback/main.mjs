// `alloc` grows memory on every call (by a constant page: the module layer knows it for sure); `write_only` then calls the import `host_write`, whose callback builds a DataView
// over the buffer saved before: V8 throws in the callback, the exception leaves through the export call,
// and the top level ends, so `view` below is read only on the path where nothing grew: no finding.
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
  ex.alloc(16)
  ex.write_only(8)
} else {
  ex.scratch()
}
console.log(view[0])
