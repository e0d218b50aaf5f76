// Entry points that grow memory and then re-make the view they keep (hash-wasm's setMemorySize):
// what they leave behind is fresh, so another entry point reading it is fine (one growing entry
// point per file: any other growth would detach it). This shape: a class field re-made by a method.
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

export const hasher = new Hasher()
// Other code drives the entry points later, each from its own timer, as a library's users would.
for (let i = 0; i < 3; i++) {
  setTimeout(() => hasher.setSize(16), 10 * i)
  setTimeout(() => hasher.write(i), 10 * i + 1)
}
