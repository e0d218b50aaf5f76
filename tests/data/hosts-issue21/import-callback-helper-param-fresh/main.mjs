// The twins of import-callback-helper-param-stale: the callback and the growth-named function
// make the view after the growth and hand that to the helpers.
import { readFileSync } from 'node:fs'

const imports = { env: { host_write: (n) => onWrite(n), resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

function show(view) {
  return view[0] // fresh: view
}

class Printer {
  print(list) {
    console.log(list[1]) // fresh: list
  }
}
const printer = new Printer()

function onWrite(n) {
  console.log(show(new Uint8Array(ex.memory.buffer, 64, 8)), n)
  printer.print(new Int32Array(ex.memory.buffer, 128, 4))
}

const api = { grow_then_write: (n) => ex.grow_then_write(n) }
api.grow_then_write(3)

function report(v) {
  console.log(v[2]) // fresh: v
}
function growAndReport() {
  ex.alloc(8)
  report(new Uint8Array(ex.memory.buffer, 0, 8))
}
growAndReport()
