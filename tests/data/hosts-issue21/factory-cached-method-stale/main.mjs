// A factory's object caches the view it hands out (canvaskit's `Malloc(...).toTypedArray()`): the
// second object's allocation detaches the first object's cached view, which the truthiness test
// keeps handing out.
import { readFileSync } from 'node:fs'

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports

function malloc(Kind, count) {
  const ptr = ex.alloc(count * Kind.BYTES_PER_ELEMENT)
  return {
    cached: null,
    toTypedArray: function () {
      if (this.cached) return this.cached // check
      this.cached = new Kind(ex.memory.buffer, ptr, count)
      return this.cached
    },
  }
}

const points = malloc(Float32Array, 4)
points.toTypedArray()[0] = 1
const colors = malloc(Float32Array, 1000)
colors.toTypedArray()[0] = 2
console.log(points.toTypedArray()[0]) // stale: points.toTypedArray() <- alloc
