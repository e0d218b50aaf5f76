;; Four exports that all reach `memory.grow` through `$grow_one`, so the module layer reports each,
;; and that each show the runtime layer something else:
;;   push            grows on every call
;;   grow_if_large   grows only for an argument above 65536 (no smoke argument is)
;;   grow_ref        takes an externref, which smoke calls cannot pass
;;   always_traps    traps before it gets to the growth
;; `peek` reaches nothing. tests/test_runtime_evidence.py checks this module with --confirm.
(module
  (memory (export "memory") 1)
  (func $grow_one (result i32)
    (memory.grow (i32.const 1)))
  (func (export "push") (param $n i32) (result i32)
    (call $grow_one))
  (func (export "grow_if_large") (param $n i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $n) (i32.const 65536))
      (then (call $grow_one))
      (else (i32.const 0))))
  (func (export "grow_ref") (param externref) (result i32)
    (call $grow_one))
  (func (export "always_traps") (result i32)
    (unreachable)
    (call $grow_one))
  (func (export "peek") (result i32)
    (i32.const 7)))
