// The buffer passed as an argument, and the growing export passed as a function value: `helper`
// calls `allocFn` first, then builds over the buffer its caller took before the call.
const fs = require('node:fs')
const path = require('node:path')

function helper(arr, allocFn, buf) {
  const p = allocFn(arr.length * 4)
  const out = new Int32Array(buf, p, arr.length) // stale: new Int32Array <- alloc
  out.set(arr)
  return p
}

const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
const instance = new WebAssembly.Instance(compiled, { env: { host_write() {}, resize_heap: () => 0 } })
const ex = instance.exports
const ptr = helper([7, 8, 9], ex.alloc, ex.memory.buffer)
console.log(ptr, ex.peek(ptr))
