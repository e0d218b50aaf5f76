;; An imported exception tag: the stubs make functions, globals, tables and memories, so the tag is
;; left to wasmtime's default values, and throwing it is an ordinary trap.
(module
  (import "env" "oops" (tag $oops (param i32)))
  (func (export "throw_it") (throw $oops (i32.const 7)))
  (func (export "fine") (result i32) (i32.const 3)))
