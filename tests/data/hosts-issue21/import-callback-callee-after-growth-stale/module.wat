;; Exports that call the `log` import through helpers, before or after growing, or in a loop that
;; grows after each call (so every call but the first comes after growth).
(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1)

  (func $say (param $n i32)
    (call $log (local.get $n)))
  (func $grow_page
    (drop (memory.grow (i32.const 1))))

  ;; Calls the import in a helper, then grows in another.
  (func (export "say_then_grow") (param $n i32)
    (call $say (local.get $n))
    (call $grow_page))

  ;; Grows in a helper, then calls the import in another.
  (func (export "grow_then_say") (param $n i32)
    (call $grow_page)
    (call $say (local.get $n)))

  ;; Calls the import, then grows, `n` times: the call is before the growth in the body, but from
  ;; the second turn on it comes after the previous turn's growth.
  (func (export "say_grow_loop") (param $n i32)
    (local $i i32)
    (block $done
      (loop $turn
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $log (local.get $i))
        (drop (memory.grow (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $turn)))))
