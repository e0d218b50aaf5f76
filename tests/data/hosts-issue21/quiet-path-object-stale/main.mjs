// As quiet-path-object-fresh, but the method's other path calls `grow_then_write`, which grows
// memory: the view it leaves is detached.
import { readFileSync } from 'node:fs'
import { EventEmitter } from 'node:events'
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: (n) => {}, resize_heap: (pages) => 0 },
})
const ex = instance.exports
const emitter = new EventEmitter()
const state = { pixels: new Uint8Array(ex.memory.buffer, 64, 16) }
const seen = []
class Renderer {
  frame(big) {
    if (big > 3) {
      ex.alloc(64)
      state.pixels = new Uint8Array(ex.memory.buffer, 64, 16)
    } else {
      ex.grow_then_write(1)
    }
  }
}
const renderer = new Renderer()
emitter.on('frame', (big) => renderer.frame(big))
emitter.on('show', () => {
  seen.push(state.pixels[0]) // stale: state.pixels
})
emitter.emit('frame', Number(process.env.SIZE ?? 1))
emitter.emit('show')
