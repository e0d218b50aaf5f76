// The same Emscripten-style glue, with hosts that read Module.HEAPU8 / HEAP32 when they use them:
// the glue refreshed them on growth, so they are fresh.
const fs = require('node:fs')
const path = require('node:path')

var Module = {}
var wasmMemory

function updateMemoryViews() {
  var b = wasmMemory.buffer
  Module.HEAPU8 = new Uint8Array(b) // fresh: new Uint8Array
  Module.HEAP32 = new Int32Array(b) // fresh: new Int32Array
}

function _emscripten_resize_heap(pages) {
  wasmMemory.grow(pages)
  updateMemoryViews()
  return 0
}

var imports = { env: { host_write() {}, resize_heap: _emscripten_resize_heap } }
var instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm'))), imports)
wasmMemory = instance.exports.memory
updateMemoryViews()
Module._malloc = instance.exports.em_malloc

function copyIn(bytes) {
  const p = Module._malloc(bytes.length)
  Module.HEAPU8.set(bytes, p) // fresh: Module.HEAPU8
  return p
}

function readWord(p) {
  return Module.HEAP32[p >> 2] // fresh: Module.HEAP32
}

const a = copyIn([1, 2, 3])
const b = copyIn([4, 5, 6])
console.log(readWord(a), readWord(b))
