// As loop-runs-once-let-fresh, but the first test fails (`i < 0`): the body never runs and the
// view made before `alloc` grew memory is read.
import { readFileSync } from 'node:fs'
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: (n) => {}, resize_heap: (pages) => 0 },
})
const ex = instance.exports
const seen = []
let heap = new Uint8Array(ex.memory.buffer)
ex.alloc(16)
for (let i = 0; i < 0; i++) {
  ex.write_only(i)
  heap = new Uint8Array(ex.memory.buffer)
}
seen.push(heap[0]) // stale: heap <- alloc
