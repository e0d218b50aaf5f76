// A configuration object bound once (an object literal in a `const`, nested, never written) read
// in class methods, and a `const DEBUG` from the environment: the growing calls happen only on
// the sides the reads are not on (`&&` and `||` leave each read to the side where neither grows).
import { readFileSync } from 'node:fs'

const CONFIG = { cache: { views: true }, name: 'reader' }
const DEBUG = process.env.ISSUE21_DEBUG === '1'
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

class Reader {
  constructor() {
    this.view = new Uint8Array(ex.memory.buffer, 0, 8)
  }

  reserve(n) {
    if (!CONFIG.cache.views) ex.alloc(n)
    if (DEBUG) ex.reserve(1)
  }

  first() {
    return !DEBUG && CONFIG.cache.views && this.view[0] // fresh: this.view
  }

  last() {
    if (DEBUG || !CONFIG.cache.views) return -1
    return this.view[7] // fresh: this.view
  }
}

export const reader = new Reader()
setTimeout(() => {
  console.log(reader.first(), reader.last())
  reader.reserve(16)
  console.log(reader.first(), reader.last())
}, 0)
