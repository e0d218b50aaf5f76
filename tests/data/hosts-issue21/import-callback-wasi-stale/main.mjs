// A DataView cached at start-up and read in the WASI fd_write import, which the module calls after
// `run` grew memory: the cached view is over the detached buffer.
import { readFileSync } from 'node:fs'

const decoder = new TextDecoder()
const written = []
let memory
let view

const wasi = {
  fd_write(fd, iovs, count, nwritten) {
    let total = 0
    for (let i = 0; i < count; i++) {
      const ptr = view.getUint32(iovs + i * 8, true) // stale: view
      const len = view.getUint32(iovs + i * 8 + 4, true) // stale: view
      written.push(decoder.decode(new Uint8Array(memory.buffer, ptr, len))) // fresh: new Uint8Array
      total += len
    }
    view.setUint32(nwritten, total, true) // stale: view
    return 0
  },
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  wasi_snapshot_preview1: wasi,
})
memory = instance.exports.memory
view = new DataView(memory.buffer) // fresh: new DataView
instance.exports.run()
process.stdout.write(written.join(''))
