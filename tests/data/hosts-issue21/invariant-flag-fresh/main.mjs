// A flag bound once (`const`, never written): the growing call happens only where `FLAGS.fast` is
// false, in another entry point than the read, which happens only where it is true. No run takes
// both sides, so the buffer saved at start-up is never detached where it is read.
import { readFileSync } from 'node:fs'

const FLAGS = JSON.parse(process.env.ISSUE21_FLAGS ?? '{"fast": true}')
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const saved = ex.memory.buffer

export function prepare(n) {
  if (!FLAGS.fast) {
    ex.alloc(n)
  }
  ex.scratch()
}

export function read() {
  if (FLAGS.fast) {
    show(new Uint8Array(saved, 0, 4)) // fresh: new Uint8Array
  }
}

function show(bytes) {
  console.log(bytes[0])
}

setTimeout(() => { read(); prepare(16); read() }, 0)
