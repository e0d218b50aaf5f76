// A view built over the buffer read before an export that neither grows nor calls out
// (`scratch`), in a frame callback that runs after other exports grew memory through the
// `resize_heap` import: the buffer is read after those calls, so the build is over the live buffer.
// The same growing import ran in each earlier export call: those calls must not age the buffer
// read after them. (From differential program 67, seed 2113.)
import { readFileSync } from 'node:fs'

const imports = {
  env: {
    host_write: () => {},
    resize_heap: (pages) => ex.memory.grow(pages),
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports
const held = new Set()

function render() {
  ex.grow_then_write(3)
  ex.em_malloc(16)
  held.clear(); held.add(new Int8Array(ex.memory.buffer, ex.scratch(), 4)) // fresh: new Int8Array
  for (let round = 0; round < 2; round++) {
    ex.em_malloc(16)
    ex.write_then_grow(4)
  }
}
ex.em_malloc(16)
ex.alloc(16)
const nextFrame = (fn) => new Promise((done) => setTimeout(() => { fn(); done() }, 0))
await nextFrame(render)
await nextFrame(render)
