// The guarded getter the help text recommends, as a class getter: the cached view is re-made when
// it was detached, so every read through the getter is fresh.
import { readFileSync } from 'node:fs'

class Memory {
  constructor(exports) {
    this.exports = exports
    this.cache = null
  }

  get mem() {
    if (this.cache == null || this.cache.buffer.byteLength === 0) // check
      this.cache = new Uint8Array(this.exports.memory.buffer) // fresh: new Uint8Array
    return this.cache
  }

  store(bytes) {
    const p = this.exports.alloc(bytes.length)
    this.mem.set(bytes, p) // fresh: this.mem
    return p
  }
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const memory = new Memory(instance.exports)
const first = memory.mem // fresh: memory.mem
const p = memory.store([1, 2, 3])
console.log(first.length, memory.mem[p]) // fresh: memory.mem
