// The WASI fd_write import makes its DataView when it runs: fresh even though `run` grew memory
// just before calling it.
import { readFileSync } from 'node:fs'

const decoder = new TextDecoder()
const written = []
let memory

const wasi = {
  fd_write(fd, iovs, count, nwritten) {
    const view = new DataView(memory.buffer) // fresh: new DataView
    let total = 0
    for (let i = 0; i < count; i++) {
      const ptr = view.getUint32(iovs + i * 8, true) // fresh: view
      const len = view.getUint32(iovs + i * 8 + 4, true) // fresh: view
      written.push(decoder.decode(new Uint8Array(memory.buffer, ptr, len))) // fresh: new Uint8Array
      total += len
    }
    view.setUint32(nwritten, total, true) // fresh: view
    return 0
  },
}

const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  wasi_snapshot_preview1: wasi,
})
memory = instance.exports.memory
instance.exports.run()
process.stdout.write(written.join(''))
