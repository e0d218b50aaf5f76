// Guards that compare byte lengths the wrong way round: they re-make the view where the lengths
// are equal (the view is attached) and keep it where they differ (detached), so after a growing
// call both hand out the detached view.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

let heap = new Uint8Array(ex.memory.buffer)
function bytes() {
  if (heap.buffer.byteLength === ex.memory.buffer.byteLength) heap = new Uint8Array(ex.memory.buffer) // check
  return heap
}

class Words {
  constructor(memory) { this.memory = memory; this.view = new Int32Array(memory.buffer) }
  get current() {
    if (this.view.byteLength === this.memory.buffer.byteLength) this.view = new Int32Array(this.memory.buffer) // check
    return this.view
  }
}
const words = new Words(ex.memory)

const p = ex.alloc(16)
bytes()[p] = 7 // stale: bytes() <- alloc
const q = ex.alloc(16)
console.log(words.current[q >> 2]) // stale: words.current <- alloc
console.log(bytes()[p]) // stale: bytes() <- alloc
