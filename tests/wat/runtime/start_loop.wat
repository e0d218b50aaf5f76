;; A start function that never returns: instantiation itself must be stopped by fuel.
(module
  (func $start (loop $forever (br $forever)))
  (start $start)
  (func (export "never_reached") (result i32) (i32.const 1)))
