// Prints the greeting the module composes: node main.mjs [greeting.wasm]
import { readFile } from 'node:fs/promises';
import { memoryView } from './memory.mjs';
import { composeGreeting } from './greeter.mjs';

const wasmFilePath = process.argv[2] ?? new URL('./greeting.wasm', import.meta.url);
const { instance } = await WebAssembly.instantiate(await readFile(wasmFilePath));
const view = memoryView(instance);
const encoder = new TextEncoder();

const salutation = encoder.encode('Ahoy there');
const name = encoder.encode('Testy McTestface');
view.set(salutation, instance.exports.get_salutation_ptr());
view.set(name, instance.exports.get_name_ptr());

const { ptr, length } = composeGreeting(instance, salutation.length, name.length);
console.log(new TextDecoder().decode(view.slice(ptr, ptr + length))); // expect: stale-memory-view
