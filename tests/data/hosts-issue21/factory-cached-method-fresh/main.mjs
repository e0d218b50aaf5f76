// A factory's object caches the view it hands out (canvaskit's `Malloc(...).toTypedArray()`) and
// re-makes it when it has detached (a detached view has length 0), so the second object's
// allocation leaves nothing stale.
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
      if (this.cached && this.cached.length) return this.cached // check
      this.cached = new Kind(ex.memory.buffer, ptr, count)
      return this.cached
    },
  }
}

const points = malloc(Float32Array, 4)
points.toTypedArray()[0] = 1
const colors = malloc(Float32Array, 1000)
colors.toTypedArray()[0] = 2
console.log(points.toTypedArray()[0]) // fresh: points.toTypedArray()
