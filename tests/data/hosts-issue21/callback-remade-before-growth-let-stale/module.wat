;; An export that calls the `refresh` import, grows memory, then calls `read` (@wasmer/wasi's shape),
;; and one that grows first and then calls both.
(module
  (import "env" "refresh" (func $refresh))
  (import "env" "read" (func $read (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "refresh_grow_read") (result i32)
    call $refresh
    (drop (memory.grow (i32.const 1)))
    (call $read (i32.const 8)))
  (func (export "grow_refresh_read") (result i32)
    (drop (memory.grow (i32.const 1)))
    call $refresh
    (call $read (i32.const 8))))
