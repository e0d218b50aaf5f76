// Prints what each export writes into the module's output buffer. Every view over its memory is
// made after the call that may grow it, so no allocation of the guest can detach one.
const fs = require('fs');
const path = require('path');

const wasmPath = process.argv[2] || path.join(__dirname, '../target/wasm32-unknown-unknown/release/shared_sites.wasm');
const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)), {});

function written(len) {
  return new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, wasm.out_ptr(), len));
}

console.log(written(wasm.encode(7)));
console.log(written(wasm.decode(7)));
console.log(written(wasm.record(40)));
console.log(wasm.replay(3));
