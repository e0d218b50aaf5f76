// The guard written as `??=` after clearing a detached cache, and as a ternary in an arrow: both
// re-make the view whenever it was detached, so every read through them is fresh.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

let bytes = null
function u8() {
  if (bytes?.byteLength === 0) bytes = null // check
  bytes ??= new Uint8Array(ex.memory.buffer) // fresh: new Uint8Array
  return bytes
}

let floats = null
const f64 = () => (floats !== null && floats.buffer.byteLength !== 0 ? floats : (floats = new Float64Array(ex.memory.buffer))) // fresh: new Float64Array

console.log(u8()[0], f64()[0]) // fresh: u8()
const p = ex.alloc(8)
u8()[p] = 1 // fresh: u8()
ex.reserve(1)
f64()[p >> 3] = 0.5 // fresh: f64()
console.log(u8()[p]) // fresh: u8()
