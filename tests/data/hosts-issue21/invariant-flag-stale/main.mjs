// Stale twin of invariant-flag-fresh: the growing call happens where `FLAGS.fast` is true, the
// side the read is on too, so the second read builds over the buffer the call detached.
import { readFileSync } from 'node:fs'

const FLAGS = JSON.parse(process.env.ISSUE21_FLAGS ?? '{"fast": true}')
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const saved = ex.memory.buffer

export function prepare(n) {
  if (FLAGS.fast) {
    ex.alloc(n)
  }
  ex.scratch()
}

export function read() {
  if (FLAGS.fast) {
    show(new Uint8Array(saved, 0, 4)) // stale: new Uint8Array <- alloc
  }
}

function show(bytes) {
  console.log(bytes[0])
}

setTimeout(() => { read(); prepare(16); read() }, 0)
