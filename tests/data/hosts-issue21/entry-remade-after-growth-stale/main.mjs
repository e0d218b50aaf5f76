// Stale twins of entry-remade-after-growth-fresh: an entry point that grows and does not re-make
// the view (the class), one that re-makes it on one path only (module `let`), and one that waits
// between the growth and the re-make (object property): another entry point runs meanwhile.
import { readFileSync } from 'node:fs'

const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

class Hasher {
  view = new Uint8Array(ex.memory.buffer, 0, 16)
  setSize(n) {
    ex.alloc(n)
  }
  write(byte) {
    this.view[0] = byte // stale: this.view <- alloc
  }
}

let memoryView = null
const setMemorySize = (n, remake) => {
  ex.reserve(1)
  if (remake) memoryView = new Uint8Array(ex.memory.buffer, 0, n)
}
const writeMemory = (byte) => {
  memoryView.set([byte], 0) // stale: memoryView
}

const keeper = { words: null }
async function reserveWords(n) {
  ex.alloc(n)
  await new Promise((done) => setTimeout(done, 1))
  keeper.words = new Uint32Array(ex.memory.buffer, 0, 4)
}
function printFirstWord() {
  console.log(keeper.words[0]) // stale: keeper.words <- alloc
}

export const hasher = new Hasher()
export { setMemorySize, writeMemory }
// Other code drives the entry points later (timers here), as a library's users would.
setTimeout(() => {
  hasher.setSize(16); hasher.write(1)
  setMemorySize(16, true); writeMemory(1); setMemorySize(16, false)
  try { writeMemory(2) } catch (e) { console.log(String(e)) }
}, 0)
// The second reserveWords grows and waits; the reader runs meanwhile, before it re-makes the view.
setTimeout(() => reserveWords(16), 0)
setTimeout(() => reserveWords(16), 200)
setTimeout(printFirstWord, 200)
