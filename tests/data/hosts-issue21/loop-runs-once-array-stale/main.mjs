// As loop-runs-once-array-fresh, but the first test fails (`k <= 0`): the view made before
// `reserve` grew memory is read.
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
  for (var k = 1; k <= 0; k += 1) {
    views[0] = new Float64Array(ex.memory.buffer, 256, 2)
  }
})
emitter.emit('resize')
setTimeout(() => {
  seen.push(views[0][1]) // stale: views[0] <- reserve
}, 0)
