// The same `??=` and ternary forms, broken: `??=` alone only tests for null, and the ternary tests
// a spare array that never detaches, so both hand out views over the detached buffer after growing calls. The culprit of f64() is `alloc`, the first growing call after floats was made.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

let bytes = null
function u8() {
  bytes ??= new Uint8Array(ex.memory.buffer) // fresh: new Uint8Array
  return bytes
}

let floats = null
const spare = new Float64Array(4)
const f64 = () => (floats !== null && spare.buffer.byteLength !== 0 ? floats : (floats = new Float64Array(ex.memory.buffer))) // fresh: new Float64Array

console.log(u8()[0], f64()[0]) // fresh: u8()
const p = ex.alloc(8)
u8()[p] = 1 // stale: u8() <- alloc
ex.reserve(1)
f64()[p >> 3] = 0.5 // stale: f64() <- alloc
