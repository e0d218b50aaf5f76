;; Emscripten-shaped: `process` grows memory only through the host's `emscripten_resize_heap`
;; (the sandbox stubs it to return 0, so it never grows here), while `grow_direct` runs
;; `memory.grow` itself, so two module rules report it. tests/test_runtime_evidence.py checks this
;; module with --confirm.
(module
  (import "env" "emscripten_resize_heap" (func $emscripten_resize_heap (param i32) (result i32)))
  (memory (export "memory") 2)
  (func $sbrk (param i32) (result i32)
    (call $emscripten_resize_heap (local.get 0)))
  (func (export "process") (param i32) (result i32)
    (call $sbrk (local.get 0)))
  (func $grow_direct (export "grow_direct") (result i32)
    (memory.grow (i32.const 1))))
