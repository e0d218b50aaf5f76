// A DataView cached at start-up and read in the WASI fd_write import, which the module calls after
// `run` grew memory: the cached view is over the detached buffer. Its first read throws in V8 and
// ends the callback (and `run`), so nothing after it runs: the second read of the same view is no use.
import { readFileSync } from 'node:fs'

// An exception nothing catches ends the run quietly (exit status 0), as the top level's throw would end it.
process.on('uncaughtException', (error) => console.log('ended by', error.constructor.name))

const decoder = new TextDecoder()
const written = []
let memory
let view

const wasi = {
  fd_write(fd, iovs, count, nwritten) {
    let total = 0
    for (let i = 0; i < count; i++) {
      const ptr = view.getUint32(iovs + i * 8, true) // stale: view
      const len = view.getUint32(iovs + i * 8 + 4, true) // (never runs in V8: the read above threw)
      written.push(decoder.decode(new Uint8Array(memory.buffer, ptr, len)))
      total += len
    }
    new DataView(memory.buffer).setUint32(nwritten, total, true)
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
