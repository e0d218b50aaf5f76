// The same browser host re-making the view and its ImageData every frame, after the growing call.
const canvas = document.getElementById('screen')
const ctx = canvas.getContext('2d')
const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiateStreaming(fetch('module.wasm'), imports)
const ex = instance.exports
const size = canvas.width * canvas.height * 4
const pixels = ex.scratch()

function frame() {
  ex.reserve(1)
  const image = new ImageData(new Uint8ClampedArray(ex.memory.buffer, pixels, size), canvas.width, canvas.height) // fresh: new Uint8ClampedArray
  ctx.putImageData(image, 0, 0) // fresh: image
  requestAnimationFrame(frame)
}

requestAnimationFrame(frame)
