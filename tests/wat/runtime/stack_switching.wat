;; A continuation type from the stack-switching proposal, which the sandbox's wasmtime Config does
;; not enable: wasmtime refuses to compile the module, and the run says why.
(module
  (type $task (func))
  (type $resumable (cont $task))
  (func (export "plain") (result i32) (i32.const 1)))
