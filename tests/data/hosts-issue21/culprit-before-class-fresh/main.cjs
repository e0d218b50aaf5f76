// The only growing call is in the constructor, before the view is made; the method between
// making and use calls an export that does not grow: fresh, no finding.
const fs = require('node:fs')
const path = require('node:path')

class Session {
  constructor(ex) {
    this.ex = ex
    this.slot = ex.alloc(4)
    this.view = new Uint8Array(ex.memory.buffer, 0, 32) // fresh: new Uint8Array
  }

  step() {
    this.ex.write_only(1)
    this.ex.poke(this.slot, 3)
  }

  read() {
    return this.view[0] // fresh: this.view
  }
}

const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
const instance = new WebAssembly.Instance(compiled, { env: { host_write() {}, resize_heap: () => 0 } })
const session = new Session(instance.exports)
session.step()
console.log(session.read())
