"""wasmlint: find the exported functions of Rust WebAssembly guests that can grow linear memory."""

__version__ = "0.1.0"
