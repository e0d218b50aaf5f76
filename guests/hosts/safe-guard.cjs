// Prints the greeting the module composes: node safe-guard.cjs [greeting.wasm]
const fs = require('fs');

const wasmFilePath = process.argv[2] || './greeting.wasm';

WebAssembly.instantiate(fs.readFileSync(wasmFilePath)).then(({ instance }) => {
  const exp = instance.exports;
  let heap = new Uint8Array(exp.memory.buffer);

  const sal = Buffer.from('Ahoy there');
  const name = Buffer.from('Testy McTestface');
  heap.set(sal, exp.get_salutation_ptr());
  heap.set(name, exp.get_name_ptr());
  const len = exp.set_name(sal.length, name.length);

  if (heap.buffer !== exp.memory.buffer) {
    heap = new Uint8Array(exp.memory.buffer);
  }
  const at = exp.get_msg_ptr();
  console.log(Buffer.from(heap.subarray(at, at + len)).toString());
});
