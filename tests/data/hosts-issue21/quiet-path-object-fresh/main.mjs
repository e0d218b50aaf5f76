// An object property re-made after growth by a class method that runs as a handler; on its other
// path the method only calls `scratch` and `peek`, which never grow. Another handler reads a
// fresh view (quiet-path-object-stale: that path calls `grow_then_write`).
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
      seen.push(ex.scratch(), ex.peek(64))
    }
  }
}
const renderer = new Renderer()
emitter.on('frame', (big) => renderer.frame(big))
emitter.on('show', () => {
  seen.push(state.pixels[0]) // fresh: state.pixels
})
emitter.emit('frame', Number(process.env.SIZE ?? 1))
emitter.emit('show')
