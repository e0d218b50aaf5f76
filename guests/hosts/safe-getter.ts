// Greets a list of people through the module: node safe-getter.js [greeting.wasm] (after tsc)
import { readFile } from "node:fs/promises";

type Greeting = {
  memory: WebAssembly.Memory;
  get_salutation_ptr(): number;
  get_name_ptr(): number;
  get_msg_ptr(): number;
  set_name(salutationLength: number, nameLength: number): number;
};

class LinearMemory {
  private cached: DataView;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.cached = new DataView(memory.buffer);
  }

  /** A view of the memory as it is now: growing it replaces the buffer. */
  get view(): DataView {
    if (this.cached.buffer !== this.memory.buffer) {
      this.cached = new DataView(this.memory.buffer);
    }
    return this.cached;
  }

  writeAscii(ptr: number, text: string): number {
    for (let i = 0; i < text.length; i++) this.view.setUint8(ptr + i, text.charCodeAt(i));
    return text.length;
  }

  readAscii(ptr: number, length: number): string {
    const codes: number[] = [];
    for (let i = 0; i < length; i++) codes.push(this.view.getUint8(ptr + i));
    return String.fromCharCode(...codes);
  }
}

const wasmFilePath = process.argv[2] ?? "./greeting.wasm";
const { instance } = await WebAssembly.instantiate(await readFile(wasmFilePath));
const greeting = instance.exports as unknown as Greeting;
const mem = new LinearMemory(greeting.memory);

for (const [salutation, name] of [["Ahoy there", "Testy McTestface"], ["Hello", "Ferris"]]) {
  const length = greeting.set_name(
    mem.writeAscii(greeting.get_salutation_ptr(), salutation),
    mem.writeAscii(greeting.get_name_ptr(), name),
  );
  console.log(mem.readAscii(greeting.get_msg_ptr(), length));
}
