// Prints the greeting the module composes: node index.js [greeting.wasm]
const path = require('path');
const { loadGreeting } = require('./load');
const { requestGreeting } = require('./greet');

const wasm = loadGreeting(process.argv[2] || path.join(__dirname, 'greeting.wasm'));
const { at, len } = requestGreeting(wasm, 'Ahoy there', 'Testy McTestface');

let text = '';
for (let i = 0; i < len; i++) {
  text += String.fromCharCode(wasm.heap[at + i]); // expect: stale-memory-view
}
console.log(text);
