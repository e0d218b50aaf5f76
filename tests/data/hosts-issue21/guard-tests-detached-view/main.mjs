// A guard that tests another view, made after the one it keeps and after a call that grew memory
// since the kept one was made (so finding it attached would not re-validate the kept one), once a call that grows memory on
// every call ran since: the tested view is detached for sure, so the guard always re-makes the kept
// one (its "attached" branch never runs). Three shapes: an if over a local (the export grows by a
// constant on every path), an `||` default over a map's view (it grows, then calls the host), a
// ternary in a method (the export calls the host, then grows).
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const memory = ex.memory

let words = new Uint32Array(memory.buffer, 8, 2) // fresh: new Uint32Array
ex.alloc(8)
const probe = new Uint8Array(memory.buffer, 0, 8) // fresh: new Uint8Array
ex.alloc(16)
if (probe.byteLength === 0) { // check
  words = new Uint32Array(memory.buffer, 8, 2) // fresh: new Uint32Array
}
words[0] = 1 // fresh: words

const held = new Map()
let shorts = new Int16Array(memory.buffer, 16, 2) // fresh: new Int16Array
ex.reserve(1)
held.set('probe', new Int8Array(memory.buffer, 0, 4)) // fresh: new Int8Array
ex.grow_then_write(1)
shorts = (held.get('probe').buffer === memory.buffer && shorts) || new Int16Array(memory.buffer, 16, 2) // fresh: new Int16Array
shorts.fill(2) // fresh: shorts

class Cache {
  constructor() { this.view = new Float64Array(memory.buffer, 8, 1) } // fresh: new Float64Array
  read(sample) {
    ex.write_then_grow(2)
    this.view = sample.length !== 0 ? this.view : new Float64Array(memory.buffer, 8, 1) // fresh: new Float64Array
    return this.view[0] // fresh: this.view
  }
}
const cache = new Cache()
ex.alloc(4)
console.log(cache.read(new Float32Array(memory.buffer, 0, 2))) // fresh: new Float32Array
