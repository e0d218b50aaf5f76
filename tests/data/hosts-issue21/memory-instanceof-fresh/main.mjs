// The twin of memory-instanceof-stale: the same memories chosen by `instanceof`, each view made
// after the call that grows memory.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

export function first(source) {
  const store = source instanceof WebAssembly.Memory ? source : source.exports.memory
  ex.alloc(8)
  const view = new Uint8Array(store.buffer, 0, 16)
  return view[0] // fresh: view
}

export function second(given) {
  if (!(given instanceof WebAssembly.Memory)) throw new TypeError('a memory is needed')
  ex.reserve(1)
  const words = new Int32Array(given.buffer, 0, 4)
  return words[1] // fresh: words
}

export function third(given, fallback) {
  const store = (given instanceof WebAssembly.Memory && given) || fallback
  ex.alloc(4)
  const bytes = new Uint8Array(store.buffer, 0, 8)
  return bytes[2] // fresh: bytes
}

// The memory as the analysis cannot know it beforehand (read by name at run time).
const given = Reflect.get(ex, 'memory')
first(given)
second(given)
third(given, null)
