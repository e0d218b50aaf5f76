// A helper builds a DataView over the buffer it is given; its caller hands it a buffer taken before a
// growing call: V8 throws in the helper, the exception leaves the caller, and the top level ends, so
// `view` below is read only on the path where nothing grew: no finding.
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
  console.log(header(early))
} else {
  ex.scratch()
}
console.log(view[0])
