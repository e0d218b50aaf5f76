// A DataView cached at start-up, read by the `log` import's callback, a function of its own.
// `say_then_grow` calls the import through one helper and grows in another, later: the callback
// reads the view attached (import-callback-callee-after-growth-stale: `grow_then_say`).
import { readFileSync } from 'node:fs'

let data = null
const seen = []

function log(i) {
  seen.push(data.getUint8(i)) // fresh: data
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { log },
})
data = new DataView(instance.exports.memory.buffer)
try { instance.exports.say_then_grow(7) } catch (e) { console.log(String(e)) }
console.log(seen)
