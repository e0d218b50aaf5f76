// Greets a list of people through the module: node safe-guard.mjs [greeting.wasm]
import { readFile } from 'node:fs/promises';

const wasmFilePath = process.argv[2] ?? './greeting.wasm';
const { instance } = await WebAssembly.instantiate(await readFile(wasmFilePath));
const { memory, get_salutation_ptr, get_name_ptr, get_msg_ptr, set_name } = instance.exports;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let view = new Uint8Array(memory.buffer);

function writeText(ptr, text) {
  if (view.byteLength === 0) view = new Uint8Array(memory.buffer);
  return encoder.encodeInto(text, view.subarray(ptr, ptr + 16)).written;
}

function readText(ptr, len) {
  if (view.byteLength === 0) view = new Uint8Array(memory.buffer); // a detached view has length 0
  return decoder.decode(view.subarray(ptr, ptr + len));
}

const salLen = writeText(get_salutation_ptr(), 'Ahoy there');
for (const name of ['Testy McTestface', 'Ferris']) {
  const len = set_name(salLen, writeText(get_name_ptr(), name));
  console.log(readText(get_msg_ptr(), len));
}
