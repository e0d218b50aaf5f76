// Const bindings whose flags change after all: one written by an entry point (`FLAGS.fast = ...`),
// one handed to a function that writes it. Their tests are not invariant: a run may take both
// sides, and here it does (the growing call under one side, the read under the other, later).
import { readFileSync } from 'node:fs'

const FLAGS = JSON.parse(process.env.ISSUE21_FLAGS ?? '{"fast": true}')
const OPTIONS = { fast: true }
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('./module.wasm', import.meta.url)), {
  env: { host_write() {}, resize_heap: () => 0 },
})
const ex = instance.exports
const saved = ex.memory.buffer
const words = new Uint32Array(ex.memory.buffer, 0, 4)

export function prepare(n) {
  if (!FLAGS.fast) ex.alloc(n)
  if (!OPTIONS.fast) ex.reserve(1)
}

export function read() {
  if (OPTIONS.fast) console.log(words[0]) // stale: words
  if (FLAGS.fast) console.log(new Uint8Array(saved, 0, 4)[0]) // stale: new Uint8Array <- alloc
}

export function toggle() {
  FLAGS.fast = !FLAGS.fast
}

function configure(options, fast) {
  options.fast = fast
}

export function slow(on) {
  configure(OPTIONS, !on)
}

setTimeout(() => {
  read()
  toggle(); slow(true)
  prepare(16)
  toggle(); slow(false)
  read()
}, 0)
