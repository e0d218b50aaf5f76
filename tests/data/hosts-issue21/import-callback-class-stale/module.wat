;; A module over a memory the host makes: `grow_and_log` grows it, then calls the host's logger.
(module
  (import "env" "memory" (memory 1))
  (import "env" "log" (func $log (param i32 i32)))
  (data (i32.const 64) "grown")
  (func (export "grow_and_log")
    (drop (memory.grow (i32.const 1)))
    (call $log (i32.const 64) (i32.const 5))))
