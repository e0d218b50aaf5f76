// A typed bridge to the greeting module, made once at start-up and used by the rest of the app.
// As a program: node bridge.js [greeting.wasm] (after tsc)
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";

type GreetingExports = {
  memory: WebAssembly.Memory;
  get_salutation_ptr: () => number;
  get_name_ptr: () => number;
  get_msg_ptr: () => number;
  set_name: (salutationLength: number, nameLength: number) => number;
};

export class GreetingBridge {
  private readonly view: DataView;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(private readonly wasm: GreetingExports) {
    this.view = new DataView(wasm.memory.buffer);
  }

  static async load(path: string): Promise<GreetingBridge> {
    const { instance } = await WebAssembly.instantiate(await readFile(path));
    return new GreetingBridge(instance.exports as unknown as GreetingExports);
  }

  private write(ptr: number, text: string): number {
    const bytes = this.encoder.encode(text);
    bytes.forEach((byte, i) => this.view.setUint8(ptr + i, byte)); // expect: stale-memory-view
    return bytes.length;
  }

  greet(salutation: string, name: string): string {
    const salutationLength = this.write(this.wasm.get_salutation_ptr(), salutation);
    const nameLength = this.write(this.wasm.get_name_ptr(), name);
    const length = this.wasm.set_name(salutationLength, nameLength);
    const ptr = this.wasm.get_msg_ptr();
    let message = "";
    for (let i = 0; i < length; i++) {
      message += String.fromCharCode(this.view.getUint8(ptr + i)); // expect: stale-memory-view
    }
    return message;
  }

  greetAll(salutation: string, names: string[]): string[] {
    const memory = new Uint8Array(this.wasm.memory.buffer);
    const salutationBytes = this.encoder.encode(salutation);
    memory.set(salutationBytes, this.wasm.get_salutation_ptr());
    const greetings: string[] = [];
    for (const name of names) {
      const nameBytes = this.encoder.encode(name);
      memory.set(nameBytes, this.wasm.get_name_ptr()); // expect: stale-memory-view
      const length = this.wasm.set_name(salutationBytes.length, nameBytes.length);
      const ptr = this.wasm.get_msg_ptr();
      const message = new Uint8Array(this.wasm.memory.buffer, ptr, length);
      greetings.push(this.decoder.decode(message));
    }
    return greetings;
  }
}

async function main(): Promise<void> {
  const bridge = await GreetingBridge.load(process.argv[2] ?? "./greeting.wasm");
  console.log(bridge.greet("Ahoy there", "Testy McTestface"));
  for (const greeting of bridge.greetAll("Hello", ["Ferris", "Corro"])) {
    console.log(greeting);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
