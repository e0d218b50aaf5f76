;; An export that calls the `refresh` import and then `read`, never growing memory.
(module
  (import "env" "refresh" (func $refresh))
  (import "env" "read" (func $read (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "refresh_read") (result i32)
    call $refresh
    (call $read (i32.const 8))))
