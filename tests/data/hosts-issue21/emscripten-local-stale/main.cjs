// Emscripten-style glue: the module grows through its imported resize function, whose JS grows the
// memory and replaces Module.HEAP*. A copy of Module.HEAPU8 kept in a local across _malloc is stale.
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
  const heap = Module.HEAPU8
  const p = Module._malloc(bytes.length)
  heap.set(bytes, p) // stale: heap
  return p
}

console.log(copyIn([1, 2, 3]))
