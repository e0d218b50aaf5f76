// Upper-cases text in the module. Every view over its memory is made after the call that may grow
// it: directly here, and through the Text helper (text.js).
const fs = require('fs');
const path = require('path');
const { Text } = require('./text');

const wasmPath = process.argv[2] || path.join(__dirname, '../target/wasm32-unknown-unknown/release/raw_alloc_host.wasm');
const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)), {});

const input = new TextEncoder().encode('hello');
const ptr = wasm.string_new(input.length);
new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
wasm.upper(ptr, input.length);
console.log(new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, ptr, input.length)));
wasm.free(ptr, input.length);

console.log(new Text(wasm).upper('world'));
