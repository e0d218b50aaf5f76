// The logger class makes its view when the module calls it: fresh after the module grew memory.
const fs = require('node:fs')
const path = require('node:path')

class Logger {
  constructor(memory) {
    this.memory = memory
    this.lines = []
  }

  log(ptr, len) {
    const bytes = new Uint8Array(this.memory.buffer) // fresh: new Uint8Array
    const text = new TextDecoder().decode(bytes.subarray(ptr, ptr + len)) // fresh: bytes
    this.lines.push(text)
  }
}

const memory = new WebAssembly.Memory({ initial: 1 })
const logger = new Logger(memory)
const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
const instance = new WebAssembly.Instance(compiled, { env: { memory, log: logger.log.bind(logger) } })
instance.exports.grow_and_log()
console.log(logger.lines.join('\n'))
