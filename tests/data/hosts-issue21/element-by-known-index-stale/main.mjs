// Views kept by index and read back after a growing call: at the same index; at an index a loop
// wrote (each element may be any of the views the loop kept); at an index only an unknown write
// (`other.keep(n, ...)`) came after; and at an index that an unknown write may have overwritten
// with an old view since a fresh one went there.
import { readFileSync } from 'node:fs'

class Pool {
  #views = []
  keep(i, v) { this.#views[i] = v }
  at(i) { return this.#views[i] }
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const pool = new Pool()
pool.keep(0, new Uint8Array(ex.memory.buffer, 0, 16))
ex.alloc(16)
pool.at(0)[0] = 1 // stale: pool.at(0) <- alloc

const row = []
for (let i = 0; i < 3; i++) {
  row[i] = new Uint16Array(ex.memory.buffer, i * 8, 4)
}
ex.reserve(1)
console.log(row[1][0]) // stale: row[1] <- reserve

const n = Number(process.env.SLOT ?? '5')
const other = new Pool()
other.keep(1, new Uint8Array(ex.memory.buffer, 0, 16))
ex.alloc(16)
other.keep(n, new Uint8Array(ex.memory.buffer, 16, 16))
other.keep(0, new Uint8Array(ex.memory.buffer, 32, 16))
console.log(other.at(1)[0]) // stale: other.at(1) <- alloc

const m = Number(process.env.FIRST ?? '0')
const third = new Pool()
const old = new Uint8Array(ex.memory.buffer, 0, 16)
ex.alloc(16)
third.keep(0, new Uint8Array(ex.memory.buffer, 16, 16))
third.keep(m, old)
third.at(0).fill(3) // stale: third.at(0) <- alloc
