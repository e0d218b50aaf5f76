// Entry points that grow memory and then re-make the view they keep (hash-wasm's setMemorySize):
// what they leave behind is fresh, so another entry point reading it is fine (one growing entry
// point per file: any other growth would detach it). This shape: an object property.
import { readFileSync } from 'node:fs'

const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

const keeper = { words: null }
export function reserveWords(n) {
  ex.alloc(n)
  keeper.words = new Uint32Array(ex.memory.buffer, 0, 4)
}
export function firstWord() {
  return keeper.words[0] // fresh: keeper.words
}

// Other code drives the entry points later, each from its own timer, as a library's users would.
for (let i = 0; i < 3; i++) {
  setTimeout(() => reserveWords(16), 10 * i)
  setTimeout(() => console.log(firstWord()), 10 * i + 1)
}
