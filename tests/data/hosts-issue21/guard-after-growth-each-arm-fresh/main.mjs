// A guard that tests a view detached for sure, where every arm of a branch grew memory but each
// by a call of its own (`if (n > 1) alloc() else em_malloc()`, a conditional expression whose arms
// call two growing exports): no single call was made on every path, yet each path made one that grows on
// every call, so the tested view is detached for sure after the branch and the guard always
// re-makes the view it keeps (its "attached" branch never runs). The tested view is made after the
// kept one's last growth (in another function), so only the branch's growth detaches it.
import { readFileSync } from 'node:fs'

let memory
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: (pages) => { memory.grow(pages); return 0 } },
})
const ex = instance.exports
memory = ex.memory

let probe = new Uint8Array(memory.buffer, 0, 8) // fresh: new Uint8Array
let words = new Uint32Array(memory.buffer, 8, 2) // fresh: new Uint32Array

function refresh() {
  ex.alloc(8)
  probe = new Uint8Array(memory.buffer, 0, 8) // fresh: new Uint8Array
}

function store(n) {
  if (n > 1) {
    ex.alloc(8)
  } else {
    ex.em_malloc(8)
  }
  if (probe.byteLength === 0) { // check
    words = new Uint32Array(memory.buffer, 8, 2) // fresh: new Uint32Array
  }
  words[0] = n // fresh: words
}

refresh()
store(1)
refresh()
store(2)

const held = new Map()
let shorts = new Int16Array(memory.buffer, 16, 2) // fresh: new Int16Array

function step(kind) {
  ex.alloc(4)
  held.set('probe', new Int8Array(memory.buffer, 0, 4)) // fresh: new Int8Array
  kind === 'a' ? ex.reserve(1) : ex.em_malloc(4)
  shorts = (held.get('probe').buffer === memory.buffer && shorts) || new Int16Array(memory.buffer, 16, 2) // fresh: new Int16Array
  shorts.fill(2) // fresh: shorts
}

step('a')
step('b')
