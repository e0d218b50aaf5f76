// Entry points that grow memory and then re-make the view they keep (hash-wasm's setMemorySize):
// what they leave behind is fresh, so another entry point reading it is fine (one growing entry
// point per file: any other growth would detach it). This shape: a module `let` re-made by an arrow.
import { readFileSync } from 'node:fs'

const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

let memoryView = null
const setMemorySize = (n) => {
  ex.reserve(1)
  memoryView = new Uint8Array(ex.memory.buffer, 0, n)
}
const writeMemory = (byte) => {
  memoryView.set([byte], 0) // fresh: memoryView
}

export { setMemorySize, writeMemory }
// Other code drives the entry points later, each from its own timer, as a library's users would.
for (let i = 0; i < 3; i++) {
  setTimeout(() => setMemorySize(16), 10 * i)
  setTimeout(() => writeMemory(i), 10 * i + 1)
}
