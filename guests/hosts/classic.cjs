// Prints the greeting the module composes: node classic.cjs [greeting.wasm]
const fs = require('fs');
const path = require('path');

const wasmFilePath = process.argv[2] || path.join(__dirname, 'greeting.wasm');

WebAssembly.instantiate(fs.readFileSync(wasmFilePath)).then(({ instance }) => {
  const { memory, get_salutation_ptr, get_name_ptr, get_msg_ptr, set_name } = instance.exports;
  const heap = new Uint8Array(memory.buffer);

  const salutation = Buffer.from('Ahoy there');
  const name = Buffer.from('Testy McTestface');
  heap.set(salutation, get_salutation_ptr());
  heap.set(name, get_name_ptr());

  const length = set_name(salutation.length, name.length);
  const msg = get_msg_ptr();
  console.log(Buffer.from(heap.subarray(msg, msg + length)).toString('utf8')); // expect: stale-memory-view
});
