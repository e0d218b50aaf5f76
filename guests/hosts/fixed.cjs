// Prints the greeting the module composes: node fixed.cjs [greeting.wasm]
const { readFileSync } = require('node:fs');

const wasmFilePath = process.argv[2] || './greeting.wasm';
const exp = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFilePath))).exports;

function put(ptr, text) {
  const view = new DataView(exp.memory.buffer);
  for (let i = 0; i < text.length; i++) view.setUint8(ptr + i, text.charCodeAt(i));
  return text.length;
}

function get(ptr, len) {
  const view = new DataView(exp.memory.buffer);
  let text = '';
  for (let i = 0; i < len; i++) text += String.fromCharCode(view.getUint8(ptr + i));
  return text;
}

let len = exp.set_name(put(exp.get_salutation_ptr(), 'Ahoy there'), put(exp.get_name_ptr(), 'Testy McTestface'));
console.log(get(exp.get_msg_ptr(), len));
len = exp.set_name(put(exp.get_salutation_ptr(), 'Hello'), put(exp.get_name_ptr(), 'Ferris'));
console.log(get(exp.get_msg_ptr(), len));
