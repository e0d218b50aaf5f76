// The method guard re-creates the view from a buffer captured at start-up: the test is right but
// the re-made view is built over the detached buffer.
const fs = require('node:fs')
const path = require('node:path')

function createHeap(memory) {
  const buffer = memory.buffer
  let view = new Int32Array(buffer) // fresh: new Int32Array
  return {
    words() {
      if (view.buffer !== memory.buffer) { // check
        view = new Int32Array(buffer) // stale: new Int32Array <- alloc
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
console.log(heap.words().length, p)
