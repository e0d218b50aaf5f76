// Prints the greeting the module composes: node classic.js [greeting.wasm] (after tsc)
import { readFileSync } from "node:fs";

interface GreetingExports {
  memory: WebAssembly.Memory;
  get_salutation_ptr(): number;
  get_name_ptr(): number;
  get_msg_ptr(): number;
  set_name(salutationLength: number, nameLength: number): number;
}

const wasmFilePath: string = process.argv[2] ?? "./greeting.wasm";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");

let wasm: GreetingExports;
let memory: Uint8Array;

function writeString(ptr: number, text: string): number {
  const bytes = encoder.encode(text);
  memory.set(bytes, ptr);
  return bytes.length;
}

function readString(ptr: number, length: number): string {
  return decoder.decode(memory.subarray(ptr, ptr + length)); // expect: stale-memory-view
}

async function main(): Promise<void> {
  const source = await WebAssembly.instantiate(readFileSync(wasmFilePath));
  wasm = source.instance.exports as unknown as GreetingExports;
  memory = new Uint8Array(wasm.memory.buffer);

  const salutationLength = writeString(wasm.get_salutation_ptr(), "Ahoy there");
  const nameLength = writeString(wasm.get_name_ptr(), "Testy McTestface");
  const length = wasm.set_name(salutationLength, nameLength);
  console.log(readString(wasm.get_msg_ptr(), length));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
