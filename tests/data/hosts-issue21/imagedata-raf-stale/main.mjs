// A browser host: the pixels' view is wrapped once by ImageData, and every frame draws the wrapper
// after a call that grows memory, so the ImageData holds a view over the detached buffer.
const canvas = document.getElementById('screen')
const ctx = canvas.getContext('2d')
const imports = { env: { host_write() {}, resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiateStreaming(fetch('module.wasm'), imports)
const ex = instance.exports
const size = canvas.width * canvas.height * 4
const pixels = ex.scratch()
const image = new ImageData(new Uint8ClampedArray(ex.memory.buffer, pixels, size), canvas.width, canvas.height) // fresh: new Uint8ClampedArray

function frame() {
  ex.reserve(1)
  ctx.putImageData(image, 0, 0) // stale: image <- reserve
  requestAnimationFrame(frame)
}

requestAnimationFrame(frame)
