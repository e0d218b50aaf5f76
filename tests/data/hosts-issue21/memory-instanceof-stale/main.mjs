// A memory recognised by what a test says it is: on the branch where `x instanceof
// WebAssembly.Memory` holds, x is a memory, whatever the analysis knew of it (sqlite-wasm picks
// `target.memory instanceof WebAssembly.Memory ? target.memory : target.exports.memory`). Three
// shapes: a ternary, an early throw, and `&&`/`||`; each view is made before a growing call.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

export function first(source) {
  const store = source instanceof WebAssembly.Memory ? source : source.exports.memory
  const view = new Uint8Array(store.buffer, 0, 16)
  ex.alloc(8)
  return view[0] // stale: view <- alloc
}

export function second(given) {
  if (!(given instanceof WebAssembly.Memory)) throw new TypeError('a memory is needed')
  const words = new Int32Array(given.buffer, 0, 4)
  ex.reserve(1)
  return words[1] // stale: words <- reserve
}

export function third(given, fallback) {
  const store = (given instanceof WebAssembly.Memory && given) || fallback
  const bytes = new Uint8Array(store.buffer, 0, 8)
  ex.alloc(4)
  return bytes[2] // stale: bytes <- alloc
}

// The memory as the analysis cannot know it beforehand (read by name at run time).
const given = Reflect.get(ex, 'memory')
first(given)
second(given)
third(given, null)
