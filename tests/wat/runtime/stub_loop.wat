;; An export that calls a stubbed import forever. Host calls burn little fuel, so the wall-clock
;; deadline (or fuel) must stop it; the stub's call count shows it really ran.
(module
  (import "env" "tick" (func $tick (param i32) (result i32)))
  (func (export "spin_on_host") (local $n i32)
    (loop $forever
      (local.set $n (call $tick (local.get $n)))
      (br $forever))))
