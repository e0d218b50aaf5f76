// Import callbacks that share a view: `refresh` re-makes it, `read` reads it. The module calls
// refresh, grows, then read, all in one export call: read sees the view refresh made detached.
// This shape: an object property set by method shorthands (see callback-remade-before-growth-let-stale).
import { readFileSync } from 'node:fs'

const bytes = readFileSync(new URL('./module.wasm', import.meta.url))

const state = { heap: null }
const held = await WebAssembly.instantiate(bytes, { env: {
  refresh() { state.heap = new Int32Array(held.instance.exports.memory.buffer) },
  read(p) { return state.heap[p] }, // stale: state.heap <- refresh_grow_read
} })

try { console.log(held.instance.exports.refresh_grow_read()) } catch (e) { console.log(String(e)) }
