// Prints the greeting the module composes: node safe-late-view.mjs [greeting.wasm]
import { readFileSync } from 'node:fs';

const wasmFilePath = process.argv[2] ?? './greeting.wasm';
const { instance } = await WebAssembly.instantiate(readFileSync(wasmFilePath));
const wasm = instance.exports;
const encoder = new TextEncoder();

const salLen = encoder.encodeInto('Ahoy there', new Uint8Array(wasm.memory.buffer, wasm.get_salutation_ptr(), 16)).written;
const nameLen = encoder.encodeInto('Testy McTestface', new Uint8Array(wasm.memory.buffer, wasm.get_name_ptr(), 16)).written;
const len = wasm.set_name(salLen, nameLen);

const memory = new Uint8Array(wasm.memory.buffer);
const msg = wasm.get_msg_ptr();
console.log(new TextDecoder().decode(memory.subarray(msg, msg + len)));
