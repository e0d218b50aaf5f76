;; A table of 100,000,000 entries (800 MB of references): the store's table limit must refuse the
;; instance before anything runs, and say which limit refused it.
(module
  (table 100000000 funcref)
  (func (export "never_runs") (result i32) (i32.const 1)))
