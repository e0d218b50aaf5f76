// The guard as a plain function over a module-level cache (CommonJS without `use strict`): fresh
// wherever it is called, however often memory grew.
const fs = require('fs')
const path = require('path')

let cachedBytes = null
let wasm

function getBytes() {
  if (cachedBytes === null || cachedBytes.byteLength === 0) { // check
    cachedBytes = new Uint8Array(wasm.memory.buffer) // fresh: new Uint8Array
  }
  return cachedBytes
}

function passString(text) {
  const encoded = new TextEncoder().encode(text)
  const p = wasm.alloc(encoded.length)
  getBytes().set(encoded, p) // fresh: getBytes()
  return p
}

const compiled = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm')))
wasm = new WebAssembly.Instance(compiled, { env: { host_write() {}, resize_heap: () => 0 } }).exports
const a = passString('first')
const b = passString('second')
console.log(getBytes()[a], getBytes()[b]) // fresh: getBytes()
