// Keeps the greeting module and views of its buffer together for the app's lifetime.
// As a program: node bridge-subarray.js [greeting.wasm] (after tsc)
import { readFileSync } from "node:fs";

interface Exports extends WebAssembly.Exports {
  memory: WebAssembly.Memory;
  get_salutation_ptr(): number;
  get_name_ptr(): number;
  get_msg_ptr(): number;
  set_name(salLen: number, nameLen: number): number;
}

const MESSAGE_CAPACITY = 32;

export class Greeter {
  readonly exports: Exports;
  private u8: Uint8Array;
  private message: Uint8Array;

  constructor(bytes: BufferSource) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    this.exports = instance.exports as Exports;
    this.u8 = new Uint8Array(this.exports.memory.buffer);
    const msgPtr = this.exports.get_msg_ptr();
    this.message = this.u8.subarray(msgPtr, msgPtr + MESSAGE_CAPACITY);
  }

  private put(ptr: number, text: string): number {
    const bytes = new TextEncoder().encode(text);
    this.u8.set(bytes, ptr); // expect: stale-memory-view
    return bytes.length;
  }

  greet(salutation: string, name: string): string {
    const len = this.exports.set_name(
      this.put(this.exports.get_salutation_ptr(), salutation),
      this.put(this.exports.get_name_ptr(), name),
    );
    return new TextDecoder().decode(this.message.subarray(0, len)); // expect: stale-memory-view
  }

  greetEach(salutation: string, names: readonly string[]): string[] {
    const mem = this.u8;
    const salLen = this.put(this.exports.get_salutation_ptr(), salutation);
    return names.map((name) => {
      const encoded = new TextEncoder().encode(name);
      mem.set(encoded, this.exports.get_name_ptr()); // expect: stale-memory-view
      const len = this.exports.set_name(salLen, encoded.length);
      const at = this.exports.get_msg_ptr();
      return new TextDecoder().decode(new Uint8Array(this.exports.memory.buffer).slice(at, at + len));
    });
  }
}

if (require.main === module) {
  const greeter = new Greeter(readFileSync(process.argv[2] ?? "greeting.wasm"));
  console.log(greeter.greet("Ahoy there", "Testy McTestface"));
  console.log(greeter.greetEach("Hello", ["Ferris", "Corro"]).join("\n"));
}
