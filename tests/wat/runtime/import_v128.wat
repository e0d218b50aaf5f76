;; Imports whose type the stubs cannot make: a v128 global and a function passing v128. wasmtime's
;; Python API cannot hand v128 values to or from the host (asking it the type's kind even aborts the
;; process), so the run must end as unsupported, not as a crashed worker.
(module
  (import "env" "lanes" (global $lanes v128))
  (import "env" "mix" (func $mix (param v128) (result v128)))
  (func (export "first_lane") (result i32)
    (i32x4.extract_lane 0 (call $mix (global.get $lanes)))))
