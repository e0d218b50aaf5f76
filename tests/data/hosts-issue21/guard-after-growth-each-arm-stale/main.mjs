// The guard of guard-after-growth-each-arm-fresh where one arm of each branch does not grow (`peek`,
// `write_only`): on that path the tested view is attached, the guard keeps the view it guards,
// which an earlier call detached: a stale use.
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
    ex.peek(0)
  }
  if (probe.byteLength === 0) { // check
    words = new Uint32Array(memory.buffer, 8, 2) // fresh: new Uint32Array
  }
  words[0] = n // stale: words
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
  kind === 'a' ? ex.reserve(1) : ex.write_only(1)
  shorts = (held.get('probe').buffer === memory.buffer && shorts) || new Int16Array(memory.buffer, 16, 2) // fresh: new Int16Array
  shorts.fill(2) // stale: shorts
}

step('a')
step('b')
