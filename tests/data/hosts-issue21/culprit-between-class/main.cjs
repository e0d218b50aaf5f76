// The culprit across methods: the constructor allocates before making its view, `step` grows
// through an export that also calls back into the host, and `read` uses the view afterwards.
const fs = require('node:fs')
const path = require('node:path')

class Session {
  constructor(ex) {
    this.ex = ex
    this.slot = ex.alloc(4)
    this.view = new Uint8Array(ex.memory.buffer, 0, 32) // fresh: new Uint8Array
  }

  step() {
    this.ex.grow_then_write(1)
  }

  read() {
    return this.view[0] // stale: this.view <- grow_then_write !alloc
  }
}

const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
const instance = new WebAssembly.Instance(compiled, { env: { host_write() {}, resize_heap: () => 0 } })
const session = new Session(instance.exports)
session.step()
console.log(session.read())
