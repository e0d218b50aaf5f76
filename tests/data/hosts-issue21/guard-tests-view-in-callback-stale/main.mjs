// Inside an import callback, the export call that runs it has not surely grown yet: the module may
// call the import before it grows (write_then_grow), so a view made before that call is not
// detached for sure there, and a guard that tests it may keep a stale view.
import { readFileSync } from 'node:fs'

let kept = null
let probe = null
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: {
    host_write() {
      if (probe.byteLength === 0) { // check
        kept = new Uint8Array(ex.memory.buffer, 0, 4)
      }
      kept[0] = 1 // stale: kept <- alloc
    },
    resize_heap: () => 0,
  },
})
const ex = instance.exports
kept = new Uint8Array(ex.memory.buffer, 0, 4) // fresh: new Uint8Array
ex.alloc(8)
probe = new Uint16Array(ex.memory.buffer, 8, 2) // fresh: new Uint16Array
ex.write_then_grow(1)
