// Shows the greeting the module composes on the page (served next to greeting.wasm).
WebAssembly.instantiateStreaming(fetch('./greeting.wasm'), {})
  .then(({ instance }) => {
    const exports = instance.exports;
    const view = new DataView(exports.memory.buffer);

    function put(ptr, text) {
      for (let i = 0; i < text.length; i++) view.setUint8(ptr + i, text.charCodeAt(i));
      return text.length;
    }

    const len = exports.set_name(put(exports.get_salutation_ptr(), 'Ahoy there'), put(exports.get_name_ptr(), 'Testy McTestface'));
    const ptr = exports.get_msg_ptr();
    const codes = [];
    for (let i = 0; i < len; i++) codes.push(view.getUint8(ptr + i)); // expect: stale-memory-view
    document.querySelector('#greeting').textContent = String.fromCharCode(...codes);
  })
  .catch((err) => console.error(err));
