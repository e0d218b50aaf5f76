// As loop-runs-once-object-fresh, but the first test fails (`n > 3`): nothing re-makes the view
// after `em_malloc` grew memory.
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
  for (let n = 3; n > 3; n--) {
    frame.pixels = new Uint32Array(memory.buffer, 64, 4)
    seen.push(ex.peek(n))
  }
}
export function show() {
  seen.push(frame.pixels[1]) // stale: frame.pixels <- em_malloc
}
render()
show()
