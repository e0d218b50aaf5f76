// An export that calls the host on some calls only (`log_then_grow(n)`: when `n` is not zero), then
// grows. Its callback proves the DataView attached with a read that throws on a detached view; the
// growth after the import returns detaches it again, so a read after the export call is stale,
// whether the callback ran (here) or not.
import { readFileSync } from 'node:fs'

// The last read throws on the detached view: the run ends there quietly (exit status 0).
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))

const state = { dv: null }
const seen = []
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: {
    host_write(n) {
      seen.push(state.dv.getInt32(0, true)) // fresh: state.dv
      seen.push(state.dv.getInt32(4, true)) // fresh: state.dv
    },
  },
})
const { memory, log_then_grow } = instance.exports
state.dv = new DataView(memory.buffer, 0, 16)
log_then_grow(process.argv.length)
console.log(seen)
console.log(state.dv.getInt32(8, true)) // stale: state.dv <- log_then_grow
