// Access to the greeting module's linear memory.
export function memoryView(instance) {
  return new Uint8Array(instance.exports.memory.buffer);
}
