;; `log_then_grow` calls the host only when its argument is not zero, then grows memory: the import
;; callback runs on some calls only, and always before the growth.
(module
  (import "env" "host_write" (func $host_write (param i32)))
  (memory (export "memory") 2)
  (func (export "log_then_grow") (param $n i32)
    (if (local.get $n) (then (call $host_write (local.get $n))))
    (drop (memory.grow (i32.const 1)))))
