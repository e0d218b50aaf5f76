// Emscripten-style glue in an ES module; a class keeps Module.HEAP32 in a field at construction,
// and writes through it after _malloc grew memory (through the imported resize function).
import { readFileSync } from 'node:fs'

const Module = {}
let wasmMemory

function updateMemoryViews() {
  const b = wasmMemory.buffer
  Module.HEAPU8 = new Uint8Array(b) // fresh: new Uint8Array
  Module.HEAP32 = new Int32Array(b) // fresh: new Int32Array
}

const imports = {
  env: {
    host_write() {},
    resize_heap(pages) {
      wasmMemory.grow(pages)
      updateMemoryViews()
      return 0
    },
  },
}
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
wasmMemory = instance.exports.memory
updateMemoryViews()
Module._malloc = instance.exports.em_malloc

class IntWriter {
  constructor(module) {
    this.module = module
    this.heap32 = module.HEAP32
  }

  write(value) {
    const p = this.module._malloc(4)
    this.heap32[p >> 2] = value // stale: this.heap32
    return p
  }
}

const writer = new IntWriter(Module)
console.log(writer.write(42))
