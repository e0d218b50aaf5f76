// The same host, where the handler calls the wrapper's `alloc` and `em_malloc` (which calls the
// resize import): the view cached at start-up is detached in the handler and in the callback.
import { readFileSync } from 'node:fs'

let cache = null
const api = {
  alloc: (n) => ex.alloc(n),
  grow(pages) { return ex.reserve(pages) },
  peek: (p) => ex.peek(p),
}

const imports = {
  env: {
    host_write: () => {
      console.log(cache[0]) // stale: cache
    },
    resize_heap: (pages) => ex.memory.grow(pages),
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports
cache = new Uint8Array(ex.memory.buffer, 0, 16)
ex.write_only(1)

function onTick() {
  api.peek(0)
  api.alloc(16)
  cache[1] = 2 // stale: cache
  ex.em_malloc(16)
  ex.write_only(2)
}
setTimeout(onTick, 0)
setTimeout(onTick, 0)
