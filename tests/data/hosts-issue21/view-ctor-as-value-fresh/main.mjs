// The constructor is a value: `Kind` holds `Int32Array` (or `DataView` through a table), and
// `new Kind(buffer, ...)` views the buffer as `new Int32Array(buffer, ...)` written out would. A
// view built after the growing call is fresh.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const kinds = { words: Int32Array, raw: DataView }

function over(Kind, ptr, count) {
  return new Kind(ex.memory.buffer, ptr, count)
}

ex.alloc(64)
const words = over(Int32Array, 0, 4)
const Raw = kinds.raw
const raw = new Raw(ex.memory.buffer, 0, 8)
console.log(words[0]) // fresh: words
console.log(raw.getUint8(0)) // fresh: raw
