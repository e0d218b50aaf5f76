// As quiet-path-array-fresh, but the other path calls `write_then_grow`, which grows memory
// after its callback: the element left behind is detached.
import { readFileSync } from 'node:fs'
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: (n) => {}, resize_heap: (pages) => 0 },
})
const ex = instance.exports
const views = []
const seen = []
views[0] = new Int32Array(ex.memory.buffer, 128, 4)
export function update(n) {
  if (n > 2) {
    ex.reserve(1)
    views[0] = new Int32Array(ex.memory.buffer, 128, 4)
  } else {
    ex.write_then_grow(n)
  }
}
export function read() {
  seen.push(views[0][1]) // stale: views[0] <- write_then_grow
}
update(Number(process.env.ROUNDS ?? 1))
read()
