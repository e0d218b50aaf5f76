;; An out-parameter API: `alloc` returns a slot; `compute` grows memory (its own scratch), then
;; writes its result into the slot the host passed.
(module
  (memory (export "memory") 2)
  (global $next (mut i32) (i32.const 4096))
  (func (export "alloc") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $size)))
    (local.get $p))
  (func (export "compute") (param $out i32) (param $x i32)
    (drop (memory.grow (i32.const 1)))
    (i32.store (local.get $out) (i32.mul (local.get $x) (local.get $x)))))
