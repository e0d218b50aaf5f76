;; Every opcode space the decoder must skip correctly: MVP, sign extension, saturating truncation,
;; bulk memory and table instructions, reference types, SIMD (incl. two-byte opcodes), atomics,
;; multi-memory and memory64, tail calls, legacy exception handling. Grow sites sit behind long
;; stretches of other instructions so a skipping mistake shows up as a wrong count or offset.
;; Checked against `wasm-objdump -d` (wabt) by tests/test_module_decoder.py.
(module
  (type $i2i (func (param i32) (result i32)))
  (type $v (func))
  (tag $oops (param i32))
  (memory $main 1)
  (memory $other i64 1 4)
  (memory $shared 1 2 shared)
  (table $funcs 4 funcref)
  (table $refs 2 externref)
  (global $g (mut i32) (i32.const 0))
  (data $seg "hello")
  (elem $passive func $leaf $grow_main)
  (elem (table $funcs) (i32.const 0) func $leaf $grow_main)
  (elem declare func $tail)

  (func $leaf (type $i2i) (local.get 0))

  (func $grow_main (type $i2i)
    (memory.grow $main (local.get 0)))

  (func $grow_other (param i64) (result i64)
    (memory.grow $other (local.get 0)))

  (func $mvp (param i32 i64 f32 f64) (result i32) (local i32 i64)
    (block $out
      (loop $again
        (br_if $out (i32.eqz (local.get 0)))
        (local.set 4 (i32.load offset=16 align=2 (local.get 0)))
        (i64.store8 offset=300 (i32.const 0) (local.get 1))
        (drop (f32.const 1.5))
        (drop (f64.const -0.25))
        (drop (i64.const -9223372036854775808))
        (drop (i32.const 2147483647))
        (drop (select (i32.const 1) (i32.const 2) (local.get 0)))
        (br_table $out $again $out $again (local.get 0))))
    (drop (i32.extend8_s (i32.const 0x80)))
    (drop (i64.extend32_s (i64.const 1)))
    (drop (i32.trunc_sat_f32_s (local.get 2)))
    (drop (i64.trunc_sat_f64_u (local.get 3)))
    (global.set $g (i32.const 7))
    (if (result i32) (local.get 0)
      (then (call $leaf (i32.const 1)))
      (else (call $grow_main (i32.const 1)))))

  (func $bulk (param i32)
    (memory.init $seg (i32.const 0) (i32.const 0) (i32.const 5))
    (data.drop $seg)
    (memory.copy (i32.const 0) (i32.const 8) (i32.const 4))
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 4))
    (memory.copy $main $shared (i32.const 0) (i32.const 0) (i32.const 1))
    (table.init $funcs $passive (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $passive)
    (table.copy $funcs $funcs (i32.const 0) (i32.const 1) (i32.const 1))
    (drop (table.grow $funcs (ref.null func) (i32.const 1)))
    (drop (table.size $funcs))
    (table.fill $funcs (i32.const 0) (ref.null func) (i32.const 1))
    (table.set $refs (i32.const 0) (table.get $refs (i32.const 1)))
    (drop (ref.is_null (ref.func $leaf)))
    (drop (select (result externref) (ref.null extern) (ref.null extern) (local.get 0)))
    (drop (memory.grow $shared (i32.const 1)))
    (drop (i32.load $other (i64.const 0)))
    (drop (memory.size $other)))

  (func $simd (param v128) (result v128)
    (local.get 0)
    (v128.const i32x4 1 2 3 4)
    (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31)
    (i32x4.replace_lane 3 (i32.const 9))
    (i8x16.extract_lane_u 15)
    (drop)
    (v128.load offset=32 (i32.const 0))
    (v128.load8_lane 7 (i32.const 0) (local.get 0))
    (v128.load32_zero (i32.const 4))
    (i64x2.extmul_high_i32x4_u)
    (f64x2.convert_low_i32x4_u)
    (i32x4.dot_i16x8_s)
    (f32x4.demote_f64x2_zero)
    (drop)
    (v128.store (i32.const 0) (i16x8.q15mulr_sat_s (local.get 0) (local.get 0)))
    (v128.store64_lane 1 (i32.const 0) (local.get 0))
    (drop (memory.grow (i32.const 2)))
    (i8x16.popcnt (local.get 0)))

  (func $atomics (param i32) (result i32)
    (drop (memory.atomic.notify $shared (local.get 0) (i32.const 1)))
    (drop (memory.atomic.wait32 $shared (local.get 0) (i32.const 0) (i64.const -1)))
    (atomic.fence)
    (drop (i64.atomic.rmw32.cmpxchg_u $shared offset=8 (local.get 0) (i64.const 1) (i64.const 2)))
    (i32.atomic.store8 $shared (local.get 0) (i32.const 3))
    (i32.atomic.rmw.add $shared (local.get 0) (i32.const 1)))

  (func $tail (param i32) (result i32)
    (if (local.get 0)
      (then (return_call_indirect $funcs (type $i2i) (local.get 0) (i32.const 1))))
    (return_call $grow_main (local.get 0)))

  (func $eh (param i32) (result i32)
    try (result i32)
      try
        local.get 0
        throw $oops
      delegate 0
      i32.const 1
    catch $oops
    catch_all
      try
        rethrow 1
      catch_all
      end
      i32.const 0
    end
    call_indirect $funcs (type $i2i))

  (func $big_table (param i32) (result i32)
    block $a
      block $b
        block $c
          local.get 0
          br_table $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a
                   $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b
                   $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c
                   $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a
                   $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b $c $a $b
                   $c $a $b $c $a $b $c $a
        end
        i32.const 1
        memory.grow
        return
      end
    end
    i32.const 0)

  (export "mvp" (func $mvp))
  (export "bulk" (func $bulk))
  (export "simd" (func $simd))
  (export "atomics" (func $atomics))
  (export "tail" (func $tail))
  (export "eh" (func $eh))
  (export "big_table" (func $big_table))
  (export "grow_other" (func $grow_other))
  (export "memory" (memory $main)))
