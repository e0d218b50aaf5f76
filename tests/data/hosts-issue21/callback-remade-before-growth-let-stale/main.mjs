// Import callbacks that share a view: `refresh` re-makes it, `read` reads it. The module calls
// refresh, grows, then read, all in one export call: read sees the view refresh made detached.
// This shape: a module `let` set by arrows (callback-remade-before-growth-class-stale and
// -object-stale: the same with a class field set by methods, an object property).
import { readFileSync } from 'node:fs'

const bytes = readFileSync(new URL('./module.wasm', import.meta.url))

let view = null
const plain = await WebAssembly.instantiate(bytes, { env: {
  refresh: () => { view = new DataView(plain.instance.exports.memory.buffer) },
  read: (p) => view.getUint8(p), // stale: view <- refresh_grow_read
} })

try { console.log(plain.instance.exports.refresh_grow_read()) } catch (e) { console.log(String(e)) }
