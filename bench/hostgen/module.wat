;; The module the differential host programs load (bench/hostgen): exports that grow memory, exports
;; that do not, and exports that call an import before or after growing. Its Rust twin is the guest
;; `guests/differential` (same imports and exports, growth through the allocator).
;;
;; Every growing export grows by at least one page on every call, so a program's growth is known
;; exactly; pointers it returns stay inside the first page, so views over them fit any buffer.
(module
  ;; A JavaScript callback the module calls in the middle of an export (a WASI `fd_write`, a logger).
  (import "env" "host_write" (func $host_write (param i32)))
  ;; Emscripten's `emscripten_resize_heap`: the host grows memory for the module.
  (import "env" "resize_heap" (func $resize_heap (param i32) (result i32)))
  (memory (export "memory") 2)

  ;; Grows by one page; returns a pointer to `size` usable bytes.
  (func (export "alloc") (param $size i32) (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.const 4096))

  ;; Grows by `pages` (at least one).
  (func (export "reserve") (param $pages i32) (result i32)
    (memory.grow (select (local.get $pages) (i32.const 1) (i32.gt_s (local.get $pages) (i32.const 0)))))

  ;; Grows, then calls the host: the callback runs after growth.
  (func (export "grow_then_write") (param $n i32)
    (drop (memory.grow (i32.const 1)))
    (call $host_write (local.get $n)))

  ;; Calls the host, then grows: the callback runs before growth.
  (func (export "write_then_grow") (param $n i32)
    (call $host_write (local.get $n))
    (drop (memory.grow (i32.const 1))))

  ;; Calls the host and does not grow.
  (func (export "write_only") (param $n i32)
    (call $host_write (local.get $n)))

  ;; Asks the host to grow memory (the import grows it), like Emscripten's malloc.
  (func (export "em_malloc") (param $size i32) (result i32)
    (drop (call $resize_heap (i32.const 1)))
    (i32.const 8192))

  ;; Neither grows nor calls out.
  (func (export "scratch") (result i32)
    (i32.const 256))
  (func (export "peek") (param $p i32) (result i32)
    (i32.load (local.get $p)))
  (func (export "poke") (param $p i32) (param $v i32)
    (i32.store (local.get $p) (local.get $v))))
