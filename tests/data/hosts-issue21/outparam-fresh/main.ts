// The out-parameter's view is made after the call that fills it (and grows memory): fresh.
// (TypeScript, async.)
import { readFile } from 'node:fs/promises'

interface Api {
  memory: WebAssembly.Memory
  alloc(size: number): number
  compute(out: number, x: number): void
}

async function load(): Promise<Api> {
  const bytes = await readFile(new URL('./module.wasm', import.meta.url))
  const { instance } = await WebAssembly.instantiate(bytes, {})
  return instance.exports as unknown as Api
}

async function square(api: Api, x: number): Promise<number> {
  const slot: number = api.alloc(4)
  api.compute(slot, x)
  const out: Int32Array = new Int32Array(api.memory.buffer, slot, 1) // fresh: new Int32Array
  return out[0] // fresh: out
}

const api = await load()
console.log(await square(api, 7))
