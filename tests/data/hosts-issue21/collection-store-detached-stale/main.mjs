// A detached view stored in a Set, a Map or an array, then read back: the read is the use, and it
// sees the view detached (the stores themselves read nothing).
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const cache = new Map()
const seen = new Set()
const history = []
const bytes = new Uint16Array(ex.memory.buffer, 0, 8)
ex.alloc(16)
seen.add(bytes) // check
cache.set('view', bytes) // check
history.push(bytes) // check
console.log(seen.values().next().value[0]) // stale: seen.values().next().value <- alloc
console.log(cache.get('view')[1]) // stale: cache.get('view') <- alloc
console.log(history[0][2]) // stale: history[0] <- alloc
