// As local-api-wrappers-fresh, but the timer calls the growing wrapper before it reads the view.
import { readFileSync } from 'node:fs'
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: () => {}, resize_heap: () => 0 },
})
const ex = instance.exports
const api = {
  alloc: (...args) => ex.alloc(...args),
  reserve: (...args) => ex.reserve(...args),
  peek: (...args) => ex.peek(...args),
}
const view = new Int32Array(ex.memory.buffer, 0, 16)
function report() {
  api.alloc(8)
  console.log(api.peek(8), view[2]) // stale: view <- alloc
}
setTimeout(report, 0)
