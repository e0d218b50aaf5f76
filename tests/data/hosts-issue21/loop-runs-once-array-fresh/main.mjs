// A `var` loop (`k = 1; k <= 4`) in an event handler re-makes an array's view after the handler
// grew memory; a timer reads a fresh view (loop-runs-once-array-stale: `k <= 0`, the body never
// runs).
import { readFileSync } from 'node:fs'
import { EventEmitter } from 'node:events'
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: (n) => {}, resize_heap: (pages) => 0 },
})
const ex = instance.exports
const emitter = new EventEmitter()
const seen = []
const views = [new Float64Array(ex.memory.buffer, 256, 2)]
emitter.on('resize', () => {
  ex.reserve(1)
  for (var k = 1; k <= 4; k += 1) {
    views[0] = new Float64Array(ex.memory.buffer, 256, 2)
  }
})
emitter.emit('resize')
setTimeout(() => {
  seen.push(views[0][1]) // fresh: views[0]
}, 0)
