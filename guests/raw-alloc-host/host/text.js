// Text in the module's memory: allocated with `malloc`, read back through a view made after it.
class Text {
  constructor(exports) {
    this.exports = exports;
  }

  bytes(ptr, len) {
    return new Uint8Array(this.exports.memory.buffer, ptr, len);
  }

  upper(text) {
    const encoded = new TextEncoder().encode(text);
    const ptr = this.exports.malloc(encoded.length);
    this.bytes(ptr, encoded.length).set(encoded);
    this.exports.upper(ptr, encoded.length);
    const result = new TextDecoder().decode(this.bytes(ptr, encoded.length));
    this.exports.free(ptr, encoded.length);
    return result;
  }
}

module.exports = { Text };
