// The build over the detached buffer throws inside a `try` whose `catch` only logs: the top level goes
// on, and `view` is read after the growing call: stale. (The `catch` re-makes nothing, so the build
// in the `try` is a stale use too, not a test: try-catch-logs-stale, try-catch-retries-fresh.)
import { readFileSync } from 'node:fs'

// An exception nothing catches ends the run quietly (exit status 0), as the top level's throw would end it.
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const view = new Uint8Array(ex.memory.buffer, 0, 16) // fresh: new Uint8Array
const early = ex.memory.buffer
if (Date.now() > 0) {
  ex.reserve(1)
  try {
    console.log(new DataView(early, 8).byteLength) // stale: new DataView <- reserve
  } catch {
    console.log('the buffer detached')
  }
} else {
  ex.scratch()
}
console.log(view[0]) // stale: view <- reserve
