;; An export that never returns: fuel (or the epoch deadline) must stop it.
(module
  (func (export "spin") (loop $forever (br $forever))))
