// The import closure re-makes the state's view from the memory each time the module calls it:
// fresh whether the export grew before calling it or not. (TypeScript, async.)
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
        state.heap = new Uint8Array(state.memory!.buffer) // fresh: new Uint8Array
        state.seen.push(state.heap[n]) // fresh: state.heap
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
  ex.write_then_grow(1)
  ex.grow_then_write(2)
  console.log(state.seen)
}

await main()
