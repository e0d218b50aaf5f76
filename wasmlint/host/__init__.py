"""Layer 4, the host: JavaScript/TypeScript views over a module's memory that a call may detach."""
