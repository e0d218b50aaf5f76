// Greets a list of people through the module: node safe-getter.mjs [greeting.wasm]
import { readFileSync } from 'node:fs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Greeter {
  constructor(instance) {
    this.exports = instance.exports;
    this.memory = instance.exports.memory;
    this._buf = null;
    this._u8 = null;
  }

  get u8() {
    if (this._buf !== this.memory.buffer) {
      this._buf = this.memory.buffer;
      this._u8 = new Uint8Array(this._buf);
    }
    return this._u8;
  }

  greet(salutation, name) {
    const sal = encoder.encode(salutation);
    const who = encoder.encode(name);
    this.u8.set(sal, this.exports.get_salutation_ptr());
    this.u8.set(who, this.exports.get_name_ptr());
    const len = this.exports.set_name(sal.length, who.length);
    const ptr = this.exports.get_msg_ptr();
    return decoder.decode(this.u8.slice(ptr, ptr + len));
  }
}

const wasmFilePath = process.argv[2] ?? './greeting.wasm';
const { instance } = await WebAssembly.instantiate(readFileSync(wasmFilePath));
const greeter = new Greeter(instance);
console.log(greeter.greet('Ahoy there', 'Testy McTestface'));
console.log(greeter.greet('Hello', 'Ferris'));
