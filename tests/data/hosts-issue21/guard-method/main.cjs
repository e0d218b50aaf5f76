// The guard as a method of a closure-made object: the view is re-made from the memory when its
// buffer is no longer the memory's, so reads after growing calls are fresh.
const fs = require('node:fs')
const path = require('node:path')

function createHeap(memory) {
  let view = new Int32Array(memory.buffer) // fresh: new Int32Array
  return {
    words() {
      if (view.buffer !== memory.buffer) { // check
        view = new Int32Array(memory.buffer) // fresh: new Int32Array
      }
      return view
    },
  }
}

const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
const instance = new WebAssembly.Instance(compiled, { env: { host_write() {}, resize_heap: () => 0 } })
const ex = instance.exports
const heap = createHeap(ex.memory)
const p = ex.alloc(8)
heap.words()[p >> 2] = 42 // fresh: heap.words()
ex.reserve(2)
console.log(heap.words()[p >> 2]) // fresh: heap.words()
