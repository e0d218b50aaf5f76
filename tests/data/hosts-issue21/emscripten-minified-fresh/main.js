// Minified Emscripten-style glue (imports `a.a` for the resize handler): the writer reads
// Module.HEAPU8 after _malloc, so it uses the view the glue made on growth.
var fs = require('fs')
var path = require('path')

var Module = {}
var wasmMemory

function updateMemoryViews() {
  Module.HEAPU8 = new Uint8Array(wasmMemory.buffer) // fresh: new Uint8Array
}

function ja(requested) {
  wasmMemory.grow(requested)
  updateMemoryViews()
  return 1
}

var instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'module.wasm'))), { a: { a: ja } })
var asm = instance.exports
wasmMemory = asm.b
updateMemoryViews()
Module._malloc = asm.c

function makeWriter() {
  return function (bytes) {
    var p = Module._malloc(bytes.length)
    Module.HEAPU8.set(bytes, p) // fresh: Module.HEAPU8
    return p
  }
}

var write = makeWriter()
console.log(write([9, 9]), asm.d(8192))
