// The callback's buffer is detached only on some paths (the first round it is fresh): the export call
// returns, and `view`, read after a growing call, is stale. (The second round's callback throws.)
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
for (let round = 0; round < 2; round++) {
  ex.write_only(8)
  ex.reserve(1)
  console.log(view[0]) // stale: view <- reserve
}
