// Code that may grow memory but can never run: a wrapper object's methods this ES module keeps to
// itself and never calls (`api.alloc`), and the resize import, which the module calls only from
// `em_malloc`, an export nothing here calls. The view cached at start-up stays attached in the
// handlers.
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
      console.log(cache[0]) // fresh: cache
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
  cache[1] = 2 // fresh: cache
  ex.write_only(2)
}
setTimeout(onTick, 0)
setTimeout(onTick, 0)
