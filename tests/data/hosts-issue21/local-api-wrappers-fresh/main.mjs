// An ES module keeps wrappers of the exports in an object nobody outside sees (`api`): every mention
// of it calls one wrapper. The growing wrappers (`alloc`, `reserve`) are never called, so they never
// run: a timer reading a view made at start-up after `api.peek` reads it fresh.
import { readFileSync } from 'node:fs'
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: () => {}, resize_heap: () => 0 },
})
const ex = instance.exports
const api = {
  alloc: (...args) => ex.alloc(...args),
  reserve: (...args) => ex.reserve(...args),
  peek: (...args) => ex.peek(...args),
  poke: (...args) => ex.poke(...args),
}
const view = new Int32Array(ex.memory.buffer, 0, 16)
function report() {
  api.poke(8, 1)
  console.log(api.peek(8), view[2]) // fresh: view
}
setTimeout(report, 0)
