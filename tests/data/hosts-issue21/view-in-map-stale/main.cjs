// Views kept in a Map held by a registry object, handed out by a method and used in an event
// handler (another entry point) after a second object's constructor grew memory.
const fs = require('node:fs')
const path = require('node:path')
const { EventEmitter } = require('node:events')

class Registry {
  constructor(memory) {
    this.memory = memory
    this.views = new Map()
  }

  register(name, offset, length) {
    this.views.set(name, new Float32Array(this.memory.buffer, offset, length)) // fresh: new Float32Array
  }

  lookup(name) {
    return this.views.get(name)
  }
}

class Mesh {
  constructor(ex, vertices) {
    this.ptr = ex.alloc(vertices * 12)
  }
}

const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
const ex = new WebAssembly.Instance(compiled, { env: { host_write() {}, resize_heap: () => 0 } }).exports
const registry = new Registry(ex.memory)
const bus = new EventEmitter()

bus.on('draw', () => {
  const positions = registry.lookup('positions')
  console.log(positions[0]) // stale: positions
})

registry.register('positions', 0, 12)
const mesh = new Mesh(ex, 4)
bus.emit('draw', mesh)
