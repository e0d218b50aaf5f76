;; A module importing a memory, functions, a global and a table: stubs must satisfy all of them.
(module
  (import "env" "memory" (memory 2))
  (import "env" "log" (func $log (param i32)))
  (import "env" "now" (func $now (result i64)))
  (import "env" "scale" (global $scale i32))
  (import "env" "table" (table 1 funcref))
  (func (export "run") (param $x i32) (result i64)
    (call $log (local.get $x))
    (call $log (global.get $scale))
    (i32.store (i32.const 0) (local.get $x))
    (i64.add (call $now) (i64.extend_i32_u (i32.load (i32.const 0)))))
  (func (export "grow_imported") (result i32) (memory.grow (i32.const 1))))
