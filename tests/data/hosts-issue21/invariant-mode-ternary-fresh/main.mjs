// A mode bound once (`const MODE`, compared with a string): the growing call is the ternary's
// other arm, taken only where MODE is not 'pool'; the reader returns early there. No run takes
// both sides, so the view made at start-up stays attached where it is read.
import { readFileSync } from 'node:fs'

const MODE = process.env.ISSUE21_MODE ?? 'pool'
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const heap = new Uint32Array(ex.memory.buffer, 0, 4)

export const store = (n) => (MODE === 'pool' ? ex.poke(0, n) : ex.reserve(1))

export function total() {
  if (MODE !== 'pool') return 0
  return heap[0] * 2 // fresh: heap
}

setTimeout(() => { store(3); console.log(total()); store(4); console.log(total()) }, 0)
