// The class getter's guard tests another variable (a scratch buffer that never detaches), so the
// cached view is returned stale after a call grew memory.
import { readFileSync } from 'node:fs'

class Memory {
  constructor(exports) {
    this.exports = exports
    this.scratch = new ArrayBuffer(16)
    this.cache = null
  }

  get mem() {
    if (this.cache == null || this.scratch.byteLength === 0) // check
      this.cache = new Uint8Array(this.exports.memory.buffer) // fresh: new Uint8Array
    return this.cache
  }

  store(bytes) {
    const p = this.exports.alloc(bytes.length)
    this.mem.set(bytes, p) // stale: this.mem <- alloc
    return p
  }
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const memory = new Memory(instance.exports)
const first = memory.mem // fresh: memory.mem
const p = memory.store([1, 2, 3])
console.log(first.length, p)
