// A growing call before the view is made (`alloc`) and another between its making and its use
// (`reserve`): the finding must blame `reserve`, the call that detached the view.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const p = ex.alloc(16)
const view = new Uint8Array(ex.memory.buffer, 0, 64) // fresh: new Uint8Array
ex.poke(p, 7)
ex.reserve(1)
ex.scratch()
console.log(view[0]) // stale: view <- reserve !alloc
