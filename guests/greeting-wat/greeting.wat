;; greeting-wat: a hand-written module with the greeting guests' exports and memory map.
;;
;; It shows what a non-allocating set_name looks like at the module level: byte copies only, no
;; allocator and no `memory.grow`, so the module and runtime layers must report nothing for it.
;;
;; Memory map (the shared buffer starts at 1024): salutation at 1024..1040, name at 1040..1056,
;; message at 1056..1088. set_name(sal_len, name_len) writes "<salutation>, <name>!" to the
;; message area and returns its length, or -1 when an input or the message does not fit.
(module
  (memory (export "memory") 17)

  (global $sal i32 (i32.const 1024))
  (global $name i32 (i32.const 1040))
  (global $msg i32 (i32.const 1056))

  (func (export "get_salutation_ptr") (result i32) (global.get $sal))
  (func (export "get_name_ptr") (result i32) (global.get $name))
  (func (export "get_msg_ptr") (result i32) (global.get $msg))

  ;; Copy $len bytes from $src to $dst one at a time (MVP only: no bulk-memory needed).
  (func $copy (param $dst i32) (param $src i32) (param $len i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next))))

  (func (export "set_name") (param $sal_len i32) (param $name_len i32) (result i32)
    (local $out i32)
    ;; Reject inputs longer than their 16-byte slots and messages longer than 32 bytes.
    (if (i32.or
          (i32.or (i32.gt_u (local.get $sal_len) (i32.const 16))
                  (i32.gt_u (local.get $name_len) (i32.const 16)))
          (i32.gt_u (i32.add (i32.add (local.get $sal_len) (local.get $name_len)) (i32.const 3))
                    (i32.const 32)))
      (then (return (i32.const -1))))
    (local.set $out (global.get $msg))
    (call $copy (local.get $out) (global.get $sal) (local.get $sal_len))
    (local.set $out (i32.add (local.get $out) (local.get $sal_len)))
    (i32.store8 (local.get $out) (i32.const 44))                         ;; ','
    (i32.store8 (i32.add (local.get $out) (i32.const 1)) (i32.const 32)) ;; ' '
    (local.set $out (i32.add (local.get $out) (i32.const 2)))
    (call $copy (local.get $out) (global.get $name) (local.get $name_len))
    (local.set $out (i32.add (local.get $out) (local.get $name_len)))
    (i32.store8 (local.get $out) (i32.const 33))                         ;; '!'
    (i32.sub (i32.add (local.get $out) (i32.const 1)) (global.get $msg))))
