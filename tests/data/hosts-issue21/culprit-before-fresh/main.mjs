// The only growing call (`alloc`) comes before the view is made; the calls between the view and its
// use do not grow: the view is fresh, and no finding belongs here.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const p = ex.alloc(16)
const view = new Uint8Array(ex.memory.buffer, 0, 64) // fresh: new Uint8Array
ex.poke(p, 7)
ex.scratch()
ex.write_only(3)
console.log(view[0]) // fresh: view
