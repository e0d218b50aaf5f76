// `grow_then_write` grows memory on every call and only then calls the import `host_write` (the
// module's facts: it grows on every call, calls the import on every call, and never grows after it
// returns). So in the callback the view made before the call is detached for sure: its `slice`
// throws on every path, the exception leaves through the export call, and the top level ends.
// `view` below is never read: no finding.
import { readFileSync } from 'node:fs'

process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
let heap = null
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: {
    host_write(n) {
      console.log(heap.slice(0, 2).length) // stale: heap
    },
    resize_heap: () => 0,
  },
})
const ex = instance.exports
heap = new Int16Array(ex.memory.buffer)
const view = new Uint8Array(ex.memory.buffer, 0, 16) // fresh: new Uint8Array
ex.grow_then_write(3)
console.log(view[0])
