// The broken twins of guard-remembered-length: a view kept out of sqlite-wasm-style heap wrappers
// (the wrappers' guard re-makes theirs, not the copy), a length remembered after the view had
// already detached (0, equal to the detached view's), and a guard on one view that returns another.
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

const kept = target.heap8u()
const p = target.exports.alloc(8)
target.heap8u()[p] = 1 // fresh: target.heap8u()
console.log(kept[p]) // stale: kept <- alloc

let words = new Int32Array(instance.exports.memory.buffer)
instance.exports.reserve(1)
let wordsLength = words.byteLength
function currentWords() {
  if (words.byteLength !== wordsLength) { // check
    words = new Int32Array(instance.exports.memory.buffer)
    wordsLength = words.byteLength
  }
  return words
}
console.log(currentWords()[1]) // stale: currentWords() <- reserve

let bytes = new Uint8Array(instance.exports.memory.buffer)
let halves = new Uint16Array(instance.exports.memory.buffer)
let halvesLength = halves.byteLength
function currentBytes() {
  if (halves.byteLength !== halvesLength) { // check
    halves = new Uint16Array(instance.exports.memory.buffer)
    halvesLength = halves.byteLength
  }
  return bytes
}
instance.exports.alloc(4)
console.log(currentBytes()[3]) // stale: currentBytes() <- alloc
