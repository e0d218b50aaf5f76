// Import callbacks that share a view: `refresh` re-makes it, `read` reads it. The module calls
// refresh, then read, and never grows memory: read sees the fresh view refresh made.
// Three shapes: a module `let` set by arrows, a class field set by methods, an object property.
import { readFileSync } from 'node:fs'

const bytes = readFileSync(new URL('./module.wasm', import.meta.url))

let view = null
const plain = await WebAssembly.instantiate(bytes, { env: {
  refresh: () => { view = new DataView(plain.instance.exports.memory.buffer) },
  read: (p) => view.getUint8(p), // fresh: view
} })

class Wasi {
  bytes = null
  refresh() { this.bytes = new Uint8Array(this.memory.buffer) }
  read(p) { return this.bytes[p] } // fresh: this.bytes
}
const wasi = new Wasi()
const classy = await WebAssembly.instantiate(bytes, { env: { refresh: () => wasi.refresh(), read: (p) => wasi.read(p) } })
wasi.memory = classy.instance.exports.memory

const state = { heap: null }
const held = await WebAssembly.instantiate(bytes, { env: {
  refresh() { state.heap = new Int32Array(held.instance.exports.memory.buffer) },
  read(p) { return state.heap[p] }, // fresh: state.heap
} })

try { console.log(plain.instance.exports.refresh_read()) } catch (e) { console.log(String(e)) }
try { console.log(classy.instance.exports.refresh_read()) } catch (e) { console.log(String(e)) }
try { console.log(held.instance.exports.refresh_read()) } catch (e) { console.log(String(e)) }
