// The pointer is taken first, then the buffer: the DataView is built over the grown memory.
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
  const p = M._malloc(8)
  const dv = new DataView(M.HEAPU8.buffer, p) // fresh: new DataView
  dv.setInt32(0, a, true) // fresh: dv
  dv.setInt32(4, b, true) // fresh: dv
  return dv.byteOffset
}

console.log(packPair(1, 2))
