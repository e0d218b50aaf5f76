// throw-in-callback-after-export-growth in other clothes: the callback is a class method that
// iterates a frame's pixels (`Array.from`, which throws on a detached view), and the export is
// called through a wrapper object in a loop. The first call's callback throws, so the loop never
// gets to its second round, nor the top level past it.
import { readFileSync } from 'node:fs'

process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))
class Frame {
  constructor(pixels) { this.pixels = pixels }
  inspect() { return Array.from(this.pixels.subarray(0, 2)) } // stale: this.pixels
}
let frame = null
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write: (n) => frame.inspect(), resize_heap: () => 0 },
})
const api = { growThenWrite: (...args) => instance.exports.grow_then_write(...args) }
const kept = new Int32Array(instance.exports.memory.buffer, 32, 4) // fresh: new Int32Array
for (let round = 0; round < 2; round++) {
  frame = new Frame(new Uint8Array(instance.exports.memory.buffer, 0, 8))
  kept[0] = round
  api.growThenWrite(3)
}
console.log(kept[1])
