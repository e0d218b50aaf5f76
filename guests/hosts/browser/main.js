// Shows the greeting the module composes on the page (served next to greeting.wasm).
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function showGreeting() {
  const { instance } = await WebAssembly.instantiateStreaming(fetch('greeting.wasm'));
  const { memory } = instance.exports;
  const bytes = new Uint8Array(memory.buffer);

  const salutation = encoder.encode('Ahoy there');
  const name = encoder.encode('Testy McTestface');
  bytes.set(salutation, instance.exports.get_salutation_ptr());
  bytes.set(name, instance.exports.get_name_ptr());
  const len = instance.exports.set_name(salutation.length, name.length);

  const ptr = instance.exports.get_msg_ptr();
  document.getElementById('greeting').textContent = decoder.decode(bytes.slice(ptr, ptr + len)); // expect: stale-memory-view
}

showGreeting();
