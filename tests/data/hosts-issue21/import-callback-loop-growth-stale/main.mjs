// A view cached at start-up, read by the `log` import. `say_grow_loop` calls the import and then
// grows, in a loop: the first call sees the view attached, the second sees it detached.
import { readFileSync } from 'node:fs'
let view = null
const seen = []
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { log: (i) => { seen.push(view[i]) } }, // stale: view <- say_grow_loop
})
view = new Uint8Array(instance.exports.memory.buffer)
instance.exports.say_grow_loop(2)
console.log(seen)
