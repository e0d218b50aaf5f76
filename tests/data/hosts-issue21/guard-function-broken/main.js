// The plain function's guard tests another variable (a scratch array that never detaches): after a
// growing call it hands out the detached view.
const fs = require('fs')
const path = require('path')

let cachedBytes = null
const scratch = new Uint8Array(32)
let wasm

function getBytes() {
  if (cachedBytes === null || scratch.byteLength === 0) { // check
    cachedBytes = new Uint8Array(wasm.memory.buffer) // fresh: new Uint8Array
  }
  return cachedBytes
}

function passString(text) {
  const encoded = new TextEncoder().encode(text)
  const p = wasm.alloc(encoded.length)
  getBytes().set(encoded, p) // stale: getBytes() <- alloc
  return p
}

const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
wasm = new WebAssembly.Instance(compiled, { env: { host_write() {}, resize_heap: () => 0 } }).exports
console.log(getBytes()[0]) // fresh: getBytes()
passString('first')
