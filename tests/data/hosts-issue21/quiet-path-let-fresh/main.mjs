// A timer either grows memory and re-makes the view, or calls `poke`, which never grows: on no
// path does it leave the view older than a growth, so the frame callback reads a fresh view
// (quiet-path-let-stale: the other path calls `reserve`, which grows).
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
    ex.poke(64, 7)
  }
}
function onFrame() {
  seen.push(heap[1]) // fresh: heap
}
setTimeout(onTimer, 0)
setTimeout(onFrame, 0)
