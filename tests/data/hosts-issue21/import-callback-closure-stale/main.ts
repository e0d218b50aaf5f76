// A third shape of the import callback: the view lives in a state object's property, set once at
// start-up, and the import is a closure over that object. `write_then_grow` calls it before growing
// (fresh then), `grow_then_write` after growing (stale then). (TypeScript, async.)
import { readFile } from 'node:fs/promises'

interface State {
  memory?: WebAssembly.Memory
  heap?: Uint8Array
  seen: number[]
}

function createImports(state: State): WebAssembly.Imports {
  return {
    env: {
      host_write: (n: number): void => {
        state.seen.push(state.heap![n]) // stale: state.heap!
      },
      resize_heap: (): number => 0,
    },
  }
}

async function main(): Promise<void> {
  const state: State = { seen: [] }
  const bytes = await readFile(new URL('./module.wasm', import.meta.url))
  const { instance } = await WebAssembly.instantiate(bytes, createImports(state))
  const ex = instance.exports as { memory: WebAssembly.Memory, write_then_grow(n: number): void, grow_then_write(n: number): void }
  state.memory = ex.memory
  state.heap = new Uint8Array(ex.memory.buffer) // fresh: new Uint8Array
  ex.write_then_grow(1)
  ex.grow_then_write(2)
  console.log(state.seen)
}

await main()
