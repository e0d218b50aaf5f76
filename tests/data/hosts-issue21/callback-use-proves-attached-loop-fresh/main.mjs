// A module `let` view filled by the import callback of `write_only` on each round of a loop whose
// `alloc` grows memory: on the second round the view is detached and `fill` throws, ending the
// callback, the export call and the run. Where `fill` returned, the view was attached, so the
// element read after it in the callback never sees a detached view (a module variable refined by
// a use that returned, not only the callback's own; `write_only` does not grow after its import).
import { readFileSync } from 'node:fs'

// An exception nothing catches ends the run quietly (exit status 0), as the top level's throw would end it.
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))

let heap = null
const seen = []
function onWrite(n) {
  heap.fill(n, 0, 4) // stale: heap <- alloc
  seen.push(heap[4]) // fresh: heap
}
const imports = { env: { host_write: onWrite, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
heap = new Uint8Array(instance.exports.memory.buffer, 0, 16)
for (const n of [1, 2]) {
  instance.exports.write_only(n)
  instance.exports.alloc(8)
}
console.log(seen)
