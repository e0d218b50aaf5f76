// Views kept in an array. An exported function either grows memory and re-makes the element, or
// calls `write_only`, which never grows (its callback reads nothing); the next exported function
// reads a fresh view (quiet-path-array-stale: that path calls `write_then_grow`, which grows).
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
    ex.write_only(n)
  }
}
export function read() {
  seen.push(views[0][1]) // fresh: views[0]
}
update(Number(process.env.ROUNDS ?? 1))
read()
