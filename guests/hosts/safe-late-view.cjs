// Prints the greeting the module composes: node safe-late-view.cjs [greeting.wasm]
const fs = require('fs');

const wasmFilePath = process.argv[2] || './greeting.wasm';

WebAssembly.instantiate(fs.readFileSync(wasmFilePath))
  .then(({ instance }) => {
    const { memory, set_name, get_salutation_ptr, get_name_ptr, get_msg_ptr } = instance.exports;
    const sal = Buffer.from('Ahoy there');
    const name = Buffer.from('Testy McTestface');
    sal.copy(Buffer.from(memory.buffer), get_salutation_ptr());
    name.copy(Buffer.from(memory.buffer), get_name_ptr());
    return { memory, msg: get_msg_ptr(), len: set_name(sal.length, name.length) };
  })
  .then(({ memory, msg, len }) => {
    const dv = new DataView(memory.buffer, msg, len);
    let text = '';
    for (let i = 0; i < dv.byteLength; i++) text += String.fromCharCode(dv.getUint8(i));
    console.log(text);
  });
