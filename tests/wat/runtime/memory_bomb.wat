;; An export that grows memory 16 pages at a time until growth is refused, then traps.
(module
  (memory (export "memory") 1)
  (func (export "bomb")
    (loop $again
      (br_if $again (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    unreachable))
