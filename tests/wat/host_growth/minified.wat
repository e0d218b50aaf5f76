;; The same module as a minified Emscripten build ships it: one-letter import and function export
;; names, the function table exported as `O`, no name section (wat2wasm writes none without
;; --debug-names). Only the host's JavaScript says that import `a.b` grows memory (`Ka.grow` with
;; `Ka = exports.memory`) and that `a.t` grows the table, not memory (`Y.grow` with `Y = exports.O`).
(module
  (import "a" "b" (func (param i32) (result i32)))
  (import "a" "c" (func (param i32)))
  (import "a" "t" (func (result i32)))
  (memory (export "memory") 1)
  (table (export "O") 1 funcref)
  (global (mut i32) (i32.const 1024))
  (func (param i32) (result i32)
    (local i32 i32)
    (local.set 1 (global.get 0))
    (local.set 2 (i32.add (local.get 1) (local.get 0)))
    (if (i32.gt_u (local.get 2) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eqz (call 0 (local.get 2)))
        (then (return (i32.const -1))))))
    (global.set 0 (local.get 2))
    (local.get 1))
  (func (export "P") (param i32) (result i32) (call 3 (local.get 0)))
  (func (export "Q") (param i32) (result i32)
    (local i32)
    (local.set 1 (call 4 (local.get 0)))
    (call 1 (local.get 1))
    (local.get 1))
  (func (export "R") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "S") (result i32) (call 2)))
