// A `try` whose `catch` only logs or drops the error guards nothing: the use inside it throws on the
// detached view, the error is swallowed, and the program goes on without what the use was for. So
// the use is stale, and after the `catch` the view is as detached as it was. Four shapes: a `catch`
// that logs (naming the view only to show it), one that drops the error, a `catch` in the caller of
// the function that uses the view, and a promise's `.catch`.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const failures = []
const report = (error) => { failures.push(String(error)) }

let heap = new Uint8Array(ex.memory.buffer, 0, 16)
const words = new DataView(ex.memory.buffer, 16, 16)
const early = ex.memory.buffer
const table = { cells: new Int32Array(ex.memory.buffer, 32, 4) }

function header() {
  return words.getInt32(0, true) // stale: words <- alloc
}

ex.alloc(16)
try {
  heap.set([1, 2], 0) // stale: heap <- alloc
} catch (error) {
  console.error('write failed:', error.message, heap.length)
}
console.log(heap[0]) // stale: heap <- alloc
try {
  console.log(new DataView(early, 8).byteLength) // stale: new DataView <- alloc
} catch {}
try {
  console.log(header())
} catch (error) {
  report(error)
}
await Promise.resolve()
  .then(() => table.cells.fill(7)) // stale: table.cells <- alloc
  .catch(report)
console.log(failures.length)
