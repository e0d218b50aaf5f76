// Guards that compare with a remembered byte length (issue 21 item 5): equal
// lengths prove memory has not grown since the length was taken, so views made then are attached.
// sqlite-wasm's heap wrappers (the memory's current length against the `heapSize` kept when the
// views were made), a whole-buffer view's length against the length it had when made, and a class
// whose getter compares the memory's length (on the left) with the size of the buffer it kept.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const target = { exports: instance.exports }
const cache = {}
const heapWrappers = function () {
  if (!cache.memory) {
    cache.memory = target.memory instanceof WebAssembly.Memory ? target.memory : target.exports.memory
  } else if (cache.heapSize === cache.memory.buffer.byteLength) { // check
    return cache
  }
  const b = cache.memory.buffer
  cache.HEAP8U = new Uint8Array(b)
  cache.heapSize = b.byteLength
  return cache
}
target.heap8u = () => heapWrappers().HEAP8U

let words = new Int32Array(instance.exports.memory.buffer)
let wordsLength = words.byteLength
function currentWords() {
  if (words.byteLength !== wordsLength) { // check
    words = new Int32Array(instance.exports.memory.buffer)
    wordsLength = words.byteLength
  }
  return words
}

class Heap {
  constructor(memory) { this.memory = memory; this.remake() }
  remake() {
    this.buf = this.memory.buffer
    this.size = this.buf.byteLength
    this.u8 = new Uint8Array(this.buf)
  }
  get bytes() {
    if (this.memory.buffer.byteLength !== this.size) this.remake() // check
    return this.u8
  }
}
const heap = new Heap(instance.exports.memory)

const p = target.exports.alloc(8)
target.heap8u()[p] = 1 // fresh: target.heap8u()
const q = target.exports.alloc(8)
console.log(target.heap8u()[q]) // fresh: target.heap8u()
console.log(currentWords()[q >> 2]) // fresh: currentWords()
target.exports.reserve(1)
console.log(heap.bytes[q]) // fresh: heap.bytes
