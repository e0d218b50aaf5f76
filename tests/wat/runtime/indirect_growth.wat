;; Growth the module layer cannot see (it happens behind call_indirect), from a non-first call.
(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (type $grower (func (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $grow)
  (func $grow (type $grower) (memory.grow (i32.const 1)))
  (func $helper (result i32) (call_indirect (type $grower) (i32.const 0)))
  ;; Grows on every call from the second on.
  (func (export "later") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (if (result i32) (i32.gt_u (global.get $calls) (i32.const 1))
      (then (call $helper))
      (else (i32.const 0))))
  (func (export "quiet") (param i32) (result i32) (local.get 0)))
