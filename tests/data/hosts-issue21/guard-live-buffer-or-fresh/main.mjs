// guard-live-buffer-fresh in other clothes: a helper picks `(live buffer not empty && current) ||
// fallback`. The live buffer is never empty and a view is an object (truthy even detached), so the
// fallback, a view kept from before the growth, is never what the helper returns.
import { readFileSync } from 'node:fs'

let memory = null
let fallback = null
function pick(current) {
  return (!(memory.buffer.byteLength === 0) && current) || fallback
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
memory = instance.exports.memory
fallback = new Float32Array(memory.buffer, 0, 4)
instance.exports.reserve(1)
const chosen = pick(new Float32Array(memory.buffer, 16, 4))
chosen[1] = 0.5 // fresh: chosen
