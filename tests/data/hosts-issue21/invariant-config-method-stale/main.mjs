// Stale twin of invariant-config-method-fresh: the growing calls happen on the sides the reads
// are on (caching on, DEBUG off), so both reads after `reserve` see a detached view.
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
    if (CONFIG.cache.views) ex.alloc(n)
    if (!DEBUG) ex.reserve(1)
  }

  first() {
    return !DEBUG && CONFIG.cache.views && this.view[0] // stale: this.view
  }

  last() {
    if (DEBUG || !CONFIG.cache.views) return -1
    return this.view[7] // stale: this.view
  }
}

export const reader = new Reader()
setTimeout(() => {
  console.log(reader.first(), reader.last())
  reader.reserve(16)
  console.log(reader.first(), reader.last())
}, 0)
