// A DataView cached at start-up, read by the `log` import's callback, a function of its own.
// `grow_then_say` grows in one helper, then calls the import through another: the callback reads
// the view detached (import-callback-callee-before-growth-fresh: `say_then_grow`).
import { readFileSync } from 'node:fs'

let data = null
const seen = []

function log(i) {
  seen.push(data.getUint8(i)) // stale: data <- grow_then_say
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { log },
})
data = new DataView(instance.exports.memory.buffer)
try { instance.exports.grow_then_say(7) } catch (e) { console.log(String(e)) }
console.log(seen)
