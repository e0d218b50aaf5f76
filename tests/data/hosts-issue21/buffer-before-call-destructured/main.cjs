// A third shape of the buffer taken before the call: destructured from the memory in a method,
// then another method of the same object grows memory before the build.
const fs = require('node:fs')
const path = require('node:path')

class Points {
  constructor(exports) {
    this.exports = exports
  }

  reserve() {
    return this.exports.reserve(1)
  }

  read(offset) {
    const { buffer } = this.exports.memory
    this.reserve()
    const xy = new Float64Array(buffer, offset, 2) // stale: new Float64Array <- reserve
    return [xy[0], xy[1]]
  }
}

const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
const instance = new WebAssembly.Instance(compiled, { env: { host_write() {}, resize_heap: () => 0 } })
const points = new Points(instance.exports)
console.log(points.read(64))
