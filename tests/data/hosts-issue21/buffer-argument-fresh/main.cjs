// The memory passed as an argument and its buffer read after the call: fresh, although the
// growing export is still passed as a function value.
const fs = require('node:fs')
const path = require('node:path')

function helper(arr, allocFn, memory) {
  const p = allocFn(arr.length * 4)
  const out = new Int32Array(memory.buffer, p, arr.length) // fresh: new Int32Array
  out.set(arr) // fresh: out
  return p
}

const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
const instance = new WebAssembly.Instance(compiled, { env: { host_write() {}, resize_heap: () => 0 } })
const ex = instance.exports
const ptr = helper([7, 8, 9], ex.alloc, ex.memory)
console.log(ptr, ex.peek(ptr))
