// Prints the greeting the module composes: node fixed.mjs [greeting.wasm]
import { readFile } from 'node:fs/promises';

const wasmFilePath = process.argv[2] ?? './greeting.wasm';
const { instance } = await WebAssembly.instantiate(await readFile(wasmFilePath));
const { memory, get_salutation_ptr, get_name_ptr, get_msg_ptr, set_name } = instance.exports;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function writeString(ptr, text) {
  const bytes = encoder.encode(text);
  new Uint8Array(memory.buffer, ptr, bytes.length).set(bytes);
  return bytes.length;
}

const salLen = writeString(get_salutation_ptr(), 'Ahoy there');
const nameLen = writeString(get_name_ptr(), 'Testy McTestface');
const len = set_name(salLen, nameLen);

// set_name may have grown memory: view the message through the buffer as it is now.
const ptr = get_msg_ptr();
const message = new Uint8Array(memory.buffer, ptr, len);
console.log(decoder.decode(message));
