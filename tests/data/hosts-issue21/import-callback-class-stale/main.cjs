// A class whose constructor caches a view of the memory, and whose method is the module's `log`
// import: the module calls it after growing the memory, so the field is over the detached buffer.
const fs = require('node:fs')
const path = require('node:path')

class Logger {
  constructor(memory) {
    this.memory = memory
    this.bytes = new Uint8Array(memory.buffer) // fresh: new Uint8Array
    this.lines = []
  }

  log(ptr, len) {
    const text = new TextDecoder().decode(this.bytes.subarray(ptr, ptr + len)) // stale: this.bytes
    this.lines.push(text)
  }
}

const memory = new WebAssembly.Memory({ initial: 1 })
const logger = new Logger(memory)
const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
const instance = new WebAssembly.Instance(compiled, { env: { memory, log: logger.log.bind(logger) } })
instance.exports.grow_and_log()
console.log(logger.lines.join('\n'))
