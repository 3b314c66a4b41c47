"""Hand-written WAT modules covering every section and opcode family.

Each entry: name -> (WAT text, wasmtime.Config features to enable, validate?).
`validate=False` only for legacy exception handling, which wasmtime does not
accept; those modules still go through the byte-level round trips.
"""

from __future__ import annotations

MVP = r"""
(module
  (type $binop (func (param i32 i32) (result i32)))
  (import "env" "f" (func $imp (param i32) (result i32)))
  (import "env" "t" (table $it 1 funcref))
  (import "env" "m" (memory $im 1 2))
  (import "env" "g" (global $ig i32))
  (import "env" "gm" (global $igm (mut i64)))
  (table $t 4 8 funcref)
  (global $g (mut i32) (i32.const -1))
  (global $f32 f32 (f32.const nan:0x123))
  (global $f64 f64 (f64.const -0x1.5p10))
  (global $gi i64 (i64.const -9223372036854775808))
  (export "add" (func $add))
  (export "tbl" (table $t))
  (export "mem" (memory $im))
  (export "glob" (global $g))
  (start $init)
  (elem (i32.const 1) $add $sub)
  (data (i32.const 16) "hello\00world")
  (func $init (global.set $g (i32.const 7)))
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $loops (param $n i32) (result i32) (local $acc i32) (local $x i64) (local f32 f64)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (block $a (block $b (block $c
      (br_table $a $b $c (local.get $acc)))))
    (if (result i32) (local.get $acc)
      (then (call_indirect (type $binop) (i32.const 1) (i32.const 2) (i32.const 1)))
      (else (select (i32.const 3) (i32.const 4) (local.get $n)))))
  (func $memory (param i32) (result i64)
    (i32.store offset=4 align=2 (local.get 0) (i32.load8_u offset=1 (local.get 0)))
    (i64.store32 (local.get 0) (i64.extend_i32_u (memory.size)))
    (drop (memory.grow (i32.const 1)))
    (f64.store (local.get 0) (f64.promote_f32 (f32.load (local.get 0))))
    (i64.load16_s offset=65536 (local.get 0)))
  (func $numeric (param i32 i64 f32 f64) (result i64)
    (drop (i32.wrap_i64 (i64.rotl (local.get 1) (i64.const 3))))
    (drop (i32.trunc_f32_s (local.get 2)))
    (drop (f32.copysign (local.get 2) (f32.demote_f64 (local.get 3))))
    (drop (i32.extend8_s (local.get 0)))
    (drop (i64.extend32_s (local.get 1)))
    (drop (i32.trunc_sat_f64_u (local.get 3)))
    (drop (i64.trunc_sat_f32_s (local.get 2)))
    (drop (f64.reinterpret_i64 (local.get 1)))
    (drop (call $imp (global.get $ig)))
    (i64.add (global.get $igm) (i64.popcnt (local.get 1))))
  (func $ret (result i32 i32) (i32.const 1) (i32.const 2) (return) (unreachable))
)
"""

MULTI_VALUE = r"""
(module
  (type $pair (func (param i32) (result i32 i32)))
  (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func (export "f") (param i32) (result i32)
    (local.get 0)
    (block (type $pair) (i32.const 5))
    (call $swap)
    (drop)
    (loop (param i32) (result i32) (i32.add (i32.const 1)))
    (if (param i32) (result i32) (i32.const 0) (then) (else (i32.const 1) (i32.add))))
)
"""

SIMD = r"""
(module
  (memory 1)
  (func (export "simd") (param i32) (result i32)
    (local $v v128)
    (local.set $v (v128.const i32x4 1 2 3 4))
    (local.set $v (i32x4.add (local.get $v) (v128.load offset=16 align=8 (local.get 0))))
    (local.set $v (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31
      (local.get $v) (v128.load8x8_s (local.get 0))))
    (local.set $v (i16x8.replace_lane 3 (local.get $v) (i32.const 9)))
    (local.set $v (v128.load32_lane 2 (local.get 0) (local.get $v)))
    (v128.store16_lane offset=4 7 (local.get 0) (local.get $v))
    (local.set $v (f64x2.splat (f64.const 1.5)))
    (local.set $v (f32x4.relaxed_madd (local.get $v) (local.get $v) (local.get $v)))
    (local.set $v (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $v)
      (local.get $v)))
    (local.set $v (i8x16.relaxed_swizzle (local.get $v) (local.get $v)))
    (local.set $v (i64x2.extmul_high_i32x4_u (local.get $v) (local.get $v)))
    (local.set $v (i32x4.trunc_sat_f64x2_s_zero (local.get $v)))
    (local.set $v (v128.bitselect (local.get $v) (local.get $v) (local.get $v)))
    (local.set $v (v128.load64_zero (local.get 0)))
    (local.set $v (i8x16.popcnt (local.get $v)))
    (v128.store (local.get 0) (i16x8.q15mulr_sat_s (local.get $v) (local.get $v)))
    (drop (i64x2.extract_lane 1 (local.get $v)))
    (i32.add (i8x16.extract_lane_u 15 (local.get $v)) (i32x4.bitmask (local.get $v))))
)
"""

TAIL_CALLS = r"""
(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $even)
  (func $even (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1))
      (else (return_call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (return_call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1))
        (i32.const 0)))))
  (func (export "ref") (param i32) (result i32)
    (return_call_ref $t (local.get 0) (ref.func $even)))
  (elem declare func $even)
)
"""

EXCEPTIONS = r"""
(module
  (import "env" "it" (tag $imported (param i64)))
  (tag $e (param i32))
  (tag $e2)
  (export "tag" (tag $e))
  (func $thrower (param i32) (throw $e (local.get 0)))
  (func (export "catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h)
        (call $thrower (local.get 0)))
      (i32.const 0)))
  (func (export "catch_ref") (result exnref) (local $x exnref)
    (block $h (result exnref)
      (block $h2 (result i32 exnref)
        (try_table (catch_ref $e $h2) (catch_all_ref $h) (throw $e2))
        (unreachable))
      (local.set $x)
      (drop)
      (local.get $x)))
  (func (export "rethrow") (param exnref)
    (block $h (try_table (catch_all $h) (throw_ref (local.get 0)))))
)
"""

LEGACY_EXCEPTIONS = r"""
(module
  (tag $e (param i32))
  (func (param i32) (result i32)
    try (result i32)
      local.get 0
      throw $e
    catch $e
      i32.const 1
      i32.add
    catch_all
      i32.const 2
    end)
  (func
    block
      try
        try
          nop
        delegate 1
      catch $e
        drop
        rethrow 0
      end
    end)
)
"""

MEMORIES = r"""
(module
  (import "env" "shared" (memory $s 1 4 shared))
  (import "env" "m64" (memory $i64 i64 1 10))
  (memory $m0 1)
  (memory $big i64 2)
  (memory $sh 1 100 shared)
  (memory $m32 0 65536)
  (data $d0 (memory $big) (i64.const 8) "in memory 64")
  (data $d1 (memory $m0) (i32.const 0) "zero")
  (data $pass "passive")
  (export "big" (memory $big))
  (func (export "f") (param i64 i32) (result i32)
    (i64.store $big offset=0x100000000 (local.get 0) (i64.const 1))
    (i32.store $sh (local.get 1) (i32.load $m0 (local.get 1)))
    (drop (memory.size $big))
    (drop (memory.grow $big (i64.const 1)))
    (memory.copy $big $m0 (i64.const 0) (i32.const 0) (i32.const 4))
    (memory.fill $sh (i32.const 0) (i32.const 1) (i32.const 2))
    (memory.init $big $pass (i64.const 0) (i32.const 0) (i32.const 3))
    (data.drop $pass)
    (drop (i32.atomic.rmw.add $sh (local.get 1) (i32.const 1)))
    (drop (i64.atomic.rmw32.cmpxchg_u $s (local.get 1) (i64.const 0) (i64.const 1)))
    (drop (memory.atomic.notify $s (local.get 1) (i32.const 1)))
    (drop (memory.atomic.wait32 $sh (local.get 1) (i32.const 0) (i64.const -1)))
    (atomic.fence)
    (i32.atomic.store16 $sh (local.get 1) (i32.const 3))
    (v128.store $big (local.get 0) (v128.load $i64 (local.get 0)))
    (i32.load8_s $i64 (local.get 0)))
)
"""

REFERENCES = r"""
(module
  (type $ft (func))
  (table $t0 2 funcref)
  (table $t0b 2 funcref)
  (table $t1 3 externref)
  (table $t2 2 (ref null $ft) (ref.func $a))
  (table $t3 1 (ref $ft) (ref.func $b))
  (table $t64 i64 1 funcref)
  (global $gf funcref (ref.func $a))
  (global $ge (mut externref) (ref.null extern))
  (func $a)
  (func $b)
  ;; element segments in each of the eight binary forms
  (elem $e0 (i32.const 0) $a)
  (elem $e1 func $a $b)
  (elem $e2 (table $t0b) (i32.const 1) func $b)
  (elem $e3 declare func $a)
  (elem $e4 (i32.const 0) funcref (ref.func $a) (ref.null func))
  (elem $e5 externref (ref.null extern))
  (elem $e6 (table $t1) (i32.const 0) externref (ref.null extern))
  (elem $e7 declare funcref (ref.func $b))
  (func (export "refs") (param externref) (result i32)
    (table.set $t1 (i32.const 0) (local.get 0))
    (drop (table.get $t0 (i32.const 0)))
    (drop (table.grow $t1 (ref.null extern) (i32.const 1)))
    (table.fill $t1 (i32.const 0) (local.get 0) (i32.const 1))
    (table.init $t0 $e1 (i32.const 0) (i32.const 0) (i32.const 1))
    (table.copy $t0 $t0 (i32.const 0) (i32.const 1) (i32.const 1))
    (elem.drop $e1)
    (drop (table.size $t64))
    (call_ref $ft (table.get $t3 (i32.const 0)))
    (drop (ref.as_non_null (ref.func $a)))
    (drop (select (result externref) (local.get 0) (ref.null extern) (i32.const 1)))
    (drop (block (result (ref $ft)) (br_on_non_null 0 (table.get $t2 (i32.const 0)))
      (ref.func $b)))
    (ref.is_null (local.get 0)))
)
"""

EXTENDED_CONST = r"""
(module
  (import "env" "base" (global $base i32))
  (global $g1 i32 (i32.add (global.get $base) (i32.const 16)))
  (global $g2 i64 (i64.mul (i64.const 3) (i64.sub (i64.const 10) (i64.const 2))))
  (memory 1)
  (table 4 funcref)
  (func $f)
  (data (i32.add (global.get $base) (i32.const 32)) "x")
  (elem (offset (i32.sub (global.get $base) (i32.const 0))) $f)
)
"""

GC = r"""
(module
  (rec
    (type $node (sub (struct (field $v i32) (field $next (mut (ref null $node))))))
    (type $leaf (sub final $node (struct (field i32) (field (mut (ref null $node))))))
  )
  (type $arr (array (mut i8)))
  (type $farr (array (mut f64)))
  (type $open (sub (func (result anyref))))
  (type $pair (struct (field i16) (field (mut i64))))
  (data $bytes "abc")
  (elem $refs anyref (ref.i31 (i32.const 1)))
  (func (export "gc") (param anyref) (result i32)
    (local $n (ref null $node))
    (local.set $n (struct.new $node (i32.const 1) (ref.null $node)))
    (struct.set $node $next (local.get $n) (struct.new_default $leaf))
    (drop (struct.get_s $pair 0 (struct.new_default $pair)))
    (drop (array.new_fixed $arr 2 (i32.const 1) (i32.const 2)))
    (drop (array.new_data $arr $bytes (i32.const 0) (i32.const 3)))
    (drop (array.len (array.new_default $farr (i32.const 4))))
    (drop (array.new_elem $anys $refs (i32.const 0) (i32.const 1)))
    (drop (ref.test (ref $node) (local.get 0)))
    (drop (ref.cast (ref null i31) (local.get 0)))
    (drop (any.convert_extern (extern.convert_any (local.get 0))))
    (drop (block (result anyref) (br_on_cast_fail 0 anyref (ref eq) (local.get 0)) (drop)
      (ref.null any)))
    (drop (ref.eq (ref.null eq) (ref.null eq)))
    (i31.get_u (ref.i31 (struct.get $node $v (local.get $n)))))
  (type $anys (array (mut anyref)))
)
"""

CUSTOM_AND_NAMES = r"""
(module $named
  (@custom "first" (before first) "at the start")
  (@custom "middle" (after func) "between function and code")
  (@producers (language "C" "11") (processed-by "hand" "1.0"))
  (memory 1)
  (func $named_fn (param $p i32) (local $l i64))
  (@custom "last" (after last) "\00\01\02")
)
"""

EMPTY = "(module)"

MODULES: dict[str, tuple[str, frozenset[str], bool]] = {
    "mvp": (MVP, frozenset(), True),
    "multi_value": (MULTI_VALUE, frozenset(), True),
    "simd": (SIMD, frozenset({"simd", "relaxed_simd"}), True),
    "tail_calls": (TAIL_CALLS, frozenset({"tail_call", "function_references"}), True),
    "exceptions": (EXCEPTIONS, frozenset({"exceptions"}), True),
    "legacy_exceptions": (LEGACY_EXCEPTIONS, frozenset(), False),
    "memories": (
        MEMORIES,
        frozenset({"multi_memory", "memory64", "threads", "simd"}),
        True,
    ),
    "references": (
        REFERENCES,
        frozenset({"reference_types", "function_references", "memory64", "bulk_memory"}),
        True,
    ),
    "extended_const": (EXTENDED_CONST, frozenset(), True),
    "gc": (GC, frozenset({"gc", "function_references"}), True),
    "custom_and_names": (CUSTOM_AND_NAMES, frozenset(), True),
    "empty": (EMPTY, frozenset(), True),
}
