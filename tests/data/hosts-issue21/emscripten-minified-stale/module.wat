;; A minified Emscripten-style module: its resize import is `a.a`, its memory `b`, malloc `c`. It has
;; no memory.grow of its own: it grows only through the import.
(module
  (import "a" "a" (func $resize (param i32) (result i32)))
  (memory (export "b") 2)
  (func (export "c") (param $size i32) (result i32)
    (drop (call $resize (i32.const 1)))
    (i32.const 8192))
  (func (export "d") (param $p i32) (result i32)
    (i32.load (local.get $p))))
