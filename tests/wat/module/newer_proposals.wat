;; Proposals newer than Debian's wabt (so checked against expectations in
;; tests/test_module_decoder.py, and validated by wasmtime): typed function references, GC,
;; exception handling with try_table/throw_ref, relaxed SIMD, wide arithmetic.
(module
  (type $i2i (func (param i32) (result i32)))
  (type $point (struct (field $x (mut i32)) (field $y i64)))
  (type $bytes (array (mut i8)))
  (rec
    (type $node (sub (struct (field $next (ref null $node)))))
    (type $leafnode (sub final $node (struct (field $next (ref null $node)) (field $v i32)))))
  (tag $err (param i32))
  (memory 1)
  (table $t 2 (ref null $i2i))
  (elem declare func $grows $plain)

  (func $grows (type $i2i) (memory.grow (local.get 0)))
  (func $plain (type $i2i) (local.get 0))

  (func $typed_refs (export "typed_refs") (param i32) (result i32)
    (block $null (result i32)
      (br_on_null $null (i32.const 0) (ref.func $plain))
      (drop))
    (drop)
    (call_ref $i2i (local.get 0) (ref.as_non_null (ref.func $grows))))

  (func $tail_ref (export "tail_ref") (param i32) (result i32)
    (return_call_ref $i2i (local.get 0) (ref.func $plain)))

  (func $gc (export "gc") (param i32) (result i32) (local $p (ref null $point)) (local $a (ref null $bytes))
    (local.set $p (struct.new $point (i32.const 1) (i64.const 2)))
    (struct.set $point $x (local.get $p) (i32.const 3))
    (local.set $a (array.new_fixed $bytes 3 (i32.const 1) (i32.const 2) (i32.const 3)))
    (drop (array.get_u $bytes (local.get $a) (i32.const 0)))
    (drop (array.len (local.get $a)))
    (drop (ref.test (ref $point) (local.get $p)))
    (drop (ref.cast (ref null $point) (local.get $p)))
    (drop (block $b (result (ref $leafnode))
      (br_on_cast $b (ref null $node) (ref $leafnode) (struct.new $node (ref.null $node)))
      (drop)
      (struct.new $leafnode (ref.null $node) (i32.const 1))))
    (drop (i31.get_s (ref.i31 (i32.const 5))))
    (struct.get $point $x (local.get $p)))

  (func $eh (export "eh") (param i32) (result i32)
    (block $caught (result i32)
      (try_table (result i32) (catch $err $caught)
        (if (local.get 0) (then (throw $err (local.get 0))))
        (memory.grow (i32.const 1)))))

  (func $rethrow (param exnref)
    (throw_ref (local.get 0)))

  (func $relaxed (export "relaxed") (param v128) (result v128)
    (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))
    (i8x16.relaxed_swizzle (local.get 0)))

  (func $wide (export "wide") (param i64 i64) (result i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 0) (local.get 1))
    (drop)))
