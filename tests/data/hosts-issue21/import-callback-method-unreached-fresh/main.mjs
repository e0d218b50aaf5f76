// The import object's functions call a class's methods: `Logger#write` keeps a view made at
// start-up and reads it when the module calls `host_write`. The host calls `write_only`, which calls
// that import, before anything grows; the growing exports it calls afterwards (`alloc`, `reserve`)
// never call it. The methods run inside export calls, not on their own.
import { readFileSync } from 'node:fs'
class Logger {
  constructor() { this.view = null; this.out = [] }
  attach(memory) { this.view = new Uint8Array(memory.buffer, 0, 64) }
  write(n) { this.out.push(this.view[n]) } // fresh: this.view
  grow() { return 0 }
}
const logger = new Logger()
const imports = { env: { host_write: (n) => logger.write(n), resize_heap: () => logger.grow() } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const { memory, write_only, alloc, reserve } = instance.exports
logger.attach(memory)
write_only(1)
write_only(2)
alloc(8)
reserve(1)
console.log(logger.out.length)
