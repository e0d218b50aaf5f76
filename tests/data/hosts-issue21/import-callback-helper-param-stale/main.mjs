// A view cached at start-up, handed by the module's `host_write` import to a helper, while the
// export that grew memory runs: the helper's parameter holds the detached view. The export is
// called through functions whose names read like growth handlers (`grow_then_write`,
// `growAndReport`): what those functions' callees and the import callbacks bind is no view the
// handler re-makes. Three shapes: a plain helper, a method, and a helper a growth-named function
// calls itself.
import { readFileSync } from 'node:fs'

const imports = { env: { host_write: (n) => onWrite(n), resize_heap: () => 0 } }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), imports)
const ex = instance.exports

const cached = new Uint8Array(ex.memory.buffer, 64, 8)
const words = new Int32Array(ex.memory.buffer, 128, 4)

function show(view) {
  return view[0] // stale: view <- grow_then_write
}

class Printer {
  print(list) {
    console.log(list[1]) // stale: list <- grow_then_write
  }
}
const printer = new Printer()

function onWrite(n) {
  console.log(show(cached), n)
  printer.print(words)
}

const api = { grow_then_write: (n) => ex.grow_then_write(n) }
api.grow_then_write(3)

function report(v) {
  console.log(v[2]) // stale: v <- alloc
}
function growAndReport(view) {
  ex.alloc(8)
  report(view)
}
growAndReport(new Uint8Array(ex.memory.buffer, 0, 8))
