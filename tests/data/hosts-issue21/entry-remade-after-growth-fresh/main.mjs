// Entry points that grow memory and then re-make the view they keep (hash-wasm's setMemorySize):
// what they leave behind is fresh, so another entry point reading it is fine. Three shapes: a
// class field re-made by a method, a module `let` re-made by an arrow, an object property.
import { readFileSync } from 'node:fs'

const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

class Hasher {
  view = null
  setSize(n) {
    ex.alloc(n)
    this.view = new Uint8Array(ex.memory.buffer, 0, n)
  }
  write(byte) {
    this.view[0] = byte // fresh: this.view
  }
}

let memoryView = null
const setMemorySize = (n) => {
  ex.reserve(1)
  memoryView = new Uint8Array(ex.memory.buffer, 0, n)
}
const writeMemory = (byte) => {
  memoryView.set([byte], 0) // fresh: memoryView
}

const keeper = { words: null }
export function reserveWords(n) {
  ex.alloc(n)
  keeper.words = new Uint32Array(ex.memory.buffer, 0, 4)
}
export function firstWord() {
  return keeper.words[0] // fresh: keeper.words
}

export const hasher = new Hasher()
export { setMemorySize, writeMemory }
// Other code drives the entry points later, each from its own timer, as a library's users would.
for (let i = 0; i < 3; i++) {
  setTimeout(() => hasher.setSize(16), 10 * i)
  setTimeout(() => hasher.write(i), 10 * i + 1)
  setTimeout(() => setMemorySize(16), 10 * i + 2)
  setTimeout(() => writeMemory(i), 10 * i + 3)
  setTimeout(() => reserveWords(16), 10 * i + 4)
  setTimeout(() => console.log(firstWord()), 10 * i + 5)
}
