;; Unbounded recursion: the wasm stack limit must stop it.
(module
  (func $down (export "recurse") (param $n i32) (result i32)
    (i32.add (call $down (i32.add (local.get $n) (i32.const 1))) (i32.const 1))))
