// A loop counting down (`n = 3; n > 0`) in an exported function re-makes an object's view after
// `em_malloc` grew memory (through the host's resize import); the next exported function reads
// a fresh view (loop-runs-once-object-stale: `n > 3`, the body never runs).
import { readFileSync } from 'node:fs'
let memory = null
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: (n) => {}, resize_heap: (pages) => { memory.grow(pages); return 0 } },
})
const ex = instance.exports
memory = ex.memory
const seen = []
const frame = { pixels: new Uint32Array(memory.buffer, 64, 4) }
export function render() {
  ex.em_malloc(16)
  for (let n = 3; n > 0; n--) {
    frame.pixels = new Uint32Array(memory.buffer, 64, 4)
    seen.push(ex.peek(n))
  }
}
export function show() {
  seen.push(frame.pixels[1]) // fresh: frame.pixels
}
render()
show()
