;; A WASI module that tries to open /etc/passwd through fd 3: with no preopened directory the
;; call must be refused (errno 8, badf) and the module must not see the host's files.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "/etc/passwd")
  ;; Returns the errno of path_open(fd 3, "/etc/passwd").
  (func (export "open_file") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 11) (i32.const 0)
                     (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 64)))
  ;; Returns how many environment variables the guest sees.
  (func (export "env_count") (result i32)
    (drop (call $environ_sizes_get (i32.const 128) (i32.const 132)))
    (i32.load (i32.const 128))))
