// Argument order: `new DataView(M.HEAPU8.buffer, M._malloc(n))` evaluates the buffer before the call
// that grows (through the imported resize function), so the DataView is built over the old buffer.
const M = {}
let wasmMemory

function updateMemoryViews() {
  M.HEAPU8 = new Uint8Array(wasmMemory.buffer) // fresh: new Uint8Array
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
const { instance } = await WebAssembly.instantiateStreaming(fetch('module.wasm'), imports)
wasmMemory = instance.exports.memory
updateMemoryViews()
M._malloc = instance.exports.em_malloc

export function packPair(a, b) {
  const dv = new DataView(M.HEAPU8.buffer, M._malloc(8)) // stale: new DataView
  dv.setInt32(0, a, true)
  dv.setInt32(4, b, true)
  return dv.byteOffset
}

console.log(packPair(1, 2))
