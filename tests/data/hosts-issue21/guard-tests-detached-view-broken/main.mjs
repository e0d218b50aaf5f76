// The twin of guard-tests-detached-view with each tested view made after the growing call: it is
// attached, so the guard keeps the view made before the call, which is detached.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const memory = ex.memory

let words = new Uint32Array(memory.buffer, 8, 2) // fresh: new Uint32Array
ex.alloc(8)
ex.alloc(16)
const probe = new Uint8Array(memory.buffer, 0, 8) // fresh: new Uint8Array
if (probe.byteLength === 0) { // check
  words = new Uint32Array(memory.buffer, 8, 2)
}
words[0] = 1 // stale: words <- alloc

const held = new Map()
let shorts = new Int16Array(memory.buffer, 16, 2) // fresh: new Int16Array
ex.reserve(1)
ex.grow_then_write(1)
held.set('probe', new Int8Array(memory.buffer, 0, 4)) // fresh: new Int8Array
shorts = (held.get('probe').buffer === memory.buffer && shorts) || new Int16Array(memory.buffer, 16, 2)
shorts[0] = 2 // stale: shorts

class Cache {
  constructor() { this.view = new Float64Array(memory.buffer, 8, 1) } // fresh: new Float64Array
  read() {
    ex.write_then_grow(2)
    const sample = new Float32Array(memory.buffer, 0, 2) // fresh: new Float32Array
    this.view = sample.length !== 0 ? this.view : new Float64Array(memory.buffer, 8, 1)
    return this.view[0] // stale: this.view <- write_then_grow
  }
}
const cache = new Cache()
ex.alloc(4)
console.log(cache.read())
