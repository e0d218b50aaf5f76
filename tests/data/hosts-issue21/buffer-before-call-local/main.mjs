// A buffer taken before a call that grows: the Uint32Array is built over the old buffer.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: () => {}, resize_heap: () => 0 },
})
const ex = instance.exports

function writeWords(words) {
  const buf = ex.memory.buffer
  const p = ex.alloc(words.length * 4)
  const target = new Uint32Array(buf, p, words.length) // stale: new Uint32Array <- alloc
  target.set(words)
  return p
}

writeWords([1, 2, 3])
