// Storing a detached buffer or view in a Map, a Set or an array reads nothing: `map.set`, `set.add`
// and `array.push` keep the value and do not throw. Only reading it back would be a use, and this
// host re-makes what it reads.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const cache = new Map()
const seen = new Set()
const history = []
const before = ex.memory.buffer
const bytes = new Uint16Array(ex.memory.buffer, 0, 8)
ex.alloc(16)
cache.set('buffer', before) // check
seen.add(bytes) // check
history.push(bytes, before) // check
cache.set('buffer', ex.memory.buffer)
console.log(new Uint8Array(cache.get('buffer'), 0, 4)[0]) // fresh: new Uint8Array
