// Guards that compare byte lengths: only the memory's current buffer is attached, and a detached
// buffer's byteLength is 0, so a view whose buffer's length equals the memory's is attached. A
// function and a class getter re-make their view where the lengths differ.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

let heap = new Uint8Array(ex.memory.buffer)
function bytes() {
  if (heap.buffer.byteLength !== ex.memory.buffer.byteLength) heap = new Uint8Array(ex.memory.buffer) // check
  return heap
}

class Words {
  constructor(memory) { this.memory = memory; this.view = new Int32Array(memory.buffer) }
  get current() {
    if (this.view.byteLength !== this.memory.buffer.byteLength) this.view = new Int32Array(this.memory.buffer) // check
    return this.view
  }
}
const words = new Words(ex.memory)

const p = ex.alloc(16)
bytes()[p] = 7 // fresh: bytes()
const q = ex.alloc(16)
console.log(words.current[q >> 2]) // fresh: words.current
console.log(bytes()[p]) // fresh: bytes()
