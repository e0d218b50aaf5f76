// Writes the inputs where the module expects them and asks it for a greeting.
function requestGreeting(wasm, salutation, name) {
  const sal = Buffer.from(salutation, 'utf8');
  const who = Buffer.from(name, 'utf8');
  wasm.heap.set(sal, wasm.exp.get_salutation_ptr());
  wasm.heap.set(who, wasm.exp.get_name_ptr());
  const len = wasm.exp.set_name(sal.length, who.length);
  return { at: wasm.exp.get_msg_ptr(), len };
}

module.exports = { requestGreeting };
