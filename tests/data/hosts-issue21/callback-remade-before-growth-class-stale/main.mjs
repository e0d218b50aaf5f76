// Import callbacks that share a view: `refresh` re-makes it, `read` reads it. The module calls
// refresh, grows, then read, all in one export call: read sees the view refresh made detached.
// This shape: a class field set by methods (see callback-remade-before-growth-let-stale).
import { readFileSync } from 'node:fs'

const bytes = readFileSync(new URL('./module.wasm', import.meta.url))

class Wasi {
  bytes = null
  refresh() { this.bytes = new Uint8Array(this.memory.buffer) }
  read(p) { return this.bytes[p] } // stale: this.bytes <- refresh_grow_read
}
const wasi = new Wasi()
const classy = await WebAssembly.instantiate(bytes, { env: { refresh: () => wasi.refresh(), read: (p) => wasi.read(p) } })
wasi.memory = classy.instance.exports.memory

try { console.log(classy.instance.exports.refresh_grow_read()) } catch (e) { console.log(String(e)) }
