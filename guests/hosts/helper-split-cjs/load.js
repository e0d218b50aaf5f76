// Loads the greeting module synchronously and keeps a byte view of its memory beside its exports.
const fs = require('fs');

function loadGreeting(file) {
  const module = new WebAssembly.Module(fs.readFileSync(file));
  const exp = new WebAssembly.Instance(module, {}).exports;
  return { exp, heap: new Uint8Array(exp.memory.buffer) };
}

module.exports = { loadGreeting };
