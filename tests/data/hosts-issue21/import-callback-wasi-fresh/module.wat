;; A WASI-style program: `run` grows memory, then writes "hello\n" through fd_write, so the host's
;; fd_write runs after the growth, in the middle of the export.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "hello\n")
  (func (export "run")
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 32)))))
