// The buffer is taken after the call that grows: the Uint32Array is built over the live buffer.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: () => {}, resize_heap: () => 0 },
})
const ex = instance.exports

function writeWords(words) {
  const p = ex.alloc(words.length * 4)
  const buf = ex.memory.buffer
  const target = new Uint32Array(buf, p, words.length) // fresh: new Uint32Array
  target.set(words) // fresh: target
  return p
}

writeWords([1, 2, 3])
writeWords([4, 5])
