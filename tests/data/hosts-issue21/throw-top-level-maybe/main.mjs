// The build's buffer is detached only on some paths (the first round it is fresh): the path goes on
// after it, and `view`, read after a growing call, is stale. (The second round's build throws.)
import { readFileSync } from 'node:fs'

// An exception nothing catches ends the run quietly (exit status 0), as the top level's throw would end it.
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const view = new Uint8Array(ex.memory.buffer, 0, 16) // fresh: new Uint8Array
const early = ex.memory.buffer
for (let round = 0; round < 2; round++) {
  console.log(new DataView(early, 8).byteLength) // stale: new DataView
  ex.reserve(1)
  console.log(view[0]) // stale: view <- reserve
}
