// Prints the greeting the module composes: node classic.mjs [greeting.wasm]
import { readFile } from 'node:fs/promises';

const wasmFilePath = process.argv[2] ?? './greeting.wasm';
const { instance } = await WebAssembly.instantiate(await readFile(wasmFilePath));
const { exports } = instance;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const mem8 = new Uint8Array(exports.memory.buffer);

const salutation = encoder.encode('Ahoy there');
const name = encoder.encode('Testy McTestface');
mem8.set(salutation, exports.get_salutation_ptr());
mem8.set(name, exports.get_name_ptr());

const len = exports.set_name(salutation.length, name.length);
const ptr = exports.get_msg_ptr();
console.log(decoder.decode(mem8.slice(ptr, ptr + len))); // expect: stale-memory-view
