// As quiet-path-let-fresh, but the timer's other path calls `reserve`, which grows memory and
// leaves the view detached.
import { readFileSync } from 'node:fs'
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: (n) => {}, resize_heap: (pages) => 0 },
})
const ex = instance.exports
const seen = []
let heap = new Float32Array(ex.memory.buffer)
function onTimer() {
  if (process.env.GROW_FIRST) {
    ex.alloc(16)
    heap = new Float32Array(ex.memory.buffer)
  } else {
    ex.reserve(1)
  }
}
function onFrame() {
  seen.push(heap[1]) // stale: heap
}
setTimeout(onTimer, 0)
setTimeout(onFrame, 0)
