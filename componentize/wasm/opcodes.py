"""The opcode table: every standard instruction, its text name and its immediates.

Families: MVP, sign extension, non-trapping float-to-int, bulk memory,
reference types, typed function references, tail calls, multi-memory,
extended-const (uses MVP opcodes), exception handling (current and legacy),
GC (0xFB), SIMD and relaxed SIMD (0xFD), threads/atomics (0xFE) and wide
arithmetic (0xFC 19-22).

Immediates (`Op.imm`): the kinds of an instruction's immediates, in binary
order, separated by spaces ("type table" for call_indirect).  A kind is either
one LEB128 u32 or one composite immediate.

u32 kinds, each one index of the index space it is named after:
  "type" "func" "table" "memory" "global" "elem" "data" "local" "label" "tag"
and two u32 kinds that index no module-level space:
  "field"     a field of a struct type (struct.get ...)
  "count"     a number of operands (array.new_fixed)

Composite kinds (one immediate each; the index spaces they hold in brackets):
  ""          no immediates
  "block"     a block type [type, when it is a type index]
  "br_table"  a vector of labels and a default label [label]
  "memarg"    alignment, offset, memory (multi-memory: flag bit 6) [memory]
  "memlane"   a memarg and a lane index byte [memory]
  "lane"      a lane index byte
  "s32" / "s64"      integer constants
  "f32" / "f64" / "v128" / "shuffle"   raw bytes (4, 8, 16, 16)
  "select"    0x1B (no types) or 0x1C (a vector of value types) [type, in heap types]
  "heap"      a heap type [type]
  "cast"      ref.test / ref.cast: a RefType (the opcode carries nullability) [type]
  "br_cast"   br_on_cast(_fail): flags, label, two heap types [label, type]
  "try_table" a block type and a vector of catch clauses [type, tag, label]
  "zero"      a reserved 0x00 byte (atomic.fence)

`componentize.wasm.reindex` walks every index of an instruction from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

IndexSpace: TypeAlias = Literal[
    "type", "func", "table", "memory", "global", "elem", "data", "local", "label", "tag"
]
INDEX_SPACES: tuple[IndexSpace, ...] = (
    "type",
    "func",
    "table",
    "memory",
    "global",
    "elem",
    "data",
    "local",
    "label",
    "tag",
)
PLAIN_U32_KINDS = frozenset(("field", "count"))
U32_KINDS = frozenset(INDEX_SPACES) | PLAIN_U32_KINDS
"""The kinds encoded as one u32."""

COMPOSITE_SPACES: dict[str, tuple[IndexSpace, ...]] = {
    "": (),
    "block": ("type",),
    "br_table": ("label",),
    "memarg": ("memory",),
    "memlane": ("memory",),
    "lane": (),
    "s32": (),
    "s64": (),
    "f32": (),
    "f64": (),
    "v128": (),
    "shuffle": (),
    "select": ("type",),
    "heap": ("type",),
    "cast": ("type",),
    "br_cast": ("label", "type"),
    "try_table": ("type", "tag", "label"),
    "zero": (),
}
"""The composite kinds, with the index spaces their immediate may hold."""


@dataclass(frozen=True)
class Op:
    name: str
    prefix: int | None  # 0xFB, 0xFC, 0xFD, 0xFE or None for one-byte opcodes
    code: int
    imm: str = ""

    @property
    def u32_kinds(self) -> tuple[str, ...]:
        """The kinds of its u32 immediates, in binary order; () for a composite immediate."""
        return () if self.imm in COMPOSITE_SPACES else tuple(self.imm.split())


OPS: list[Op] = []


def _add(prefix: int | None, code: int, name: str, imm: str = "") -> None:
    OPS.append(Op(name, prefix, code, imm))


def _run(prefix: int | None, first: int, names: str, imm: str = "") -> None:
    """Add consecutive opcodes; a name of '-' leaves a gap."""
    for i, name in enumerate(names.split()):
        if name != "-":
            _add(prefix, first + i, name, imm)


# -- one-byte opcodes ---------------------------------------------------------------
_run(None, 0x00, "unreachable nop")
_run(None, 0x02, "block loop if", "block")
_add(None, 0x05, "else")
_add(None, 0x06, "try", "block")
_add(None, 0x07, "catch", "tag")
_add(None, 0x08, "throw", "tag")
_add(None, 0x09, "rethrow", "label")
_add(None, 0x0A, "throw_ref")
_add(None, 0x0B, "end")
_run(None, 0x0C, "br br_if", "label")
_add(None, 0x0E, "br_table", "br_table")
_add(None, 0x0F, "return")
_add(None, 0x10, "call", "func")
_add(None, 0x11, "call_indirect", "type table")
_add(None, 0x12, "return_call", "func")
_add(None, 0x13, "return_call_indirect", "type table")
_run(None, 0x14, "call_ref return_call_ref", "type")
_add(None, 0x18, "delegate", "label")
_add(None, 0x19, "catch_all")
_add(None, 0x1A, "drop")
_add(None, 0x1B, "select", "select")  # 0x1C is the typed form, see instructions.py
_add(None, 0x1F, "try_table", "try_table")
_run(None, 0x20, "local.get local.set local.tee", "local")
_run(None, 0x23, "global.get global.set", "global")
_run(None, 0x25, "table.get table.set", "table")
_run(
    None,
    0x28,
    "i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u "
    "i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u "
    "i32.store i64.store f32.store f64.store i32.store8 i32.store16 i64.store8 i64.store16 "
    "i64.store32",
    "memarg",
)
_run(None, 0x3F, "memory.size memory.grow", "memory")
_add(None, 0x41, "i32.const", "s32")
_add(None, 0x42, "i64.const", "s64")
_add(None, 0x43, "f32.const", "f32")
_add(None, 0x44, "f64.const", "f64")
_run(
    None,
    0x45,
    "i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s "
    "i32.ge_u i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u "
    "i64.ge_s i64.ge_u f32.eq f32.ne f32.lt f32.gt f32.le f32.ge f64.eq f64.ne f64.lt f64.gt "
    "f64.le f64.ge i32.clz i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s i32.div_u "
    "i32.rem_s i32.rem_u i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr "
    "i64.clz i64.ctz i64.popcnt i64.add i64.sub i64.mul i64.div_s i64.div_u i64.rem_s "
    "i64.rem_u i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u i64.rotl i64.rotr f32.abs "
    "f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt f32.add f32.sub f32.mul f32.div "
    "f32.min f32.max f32.copysign f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest "
    "f64.sqrt f64.add f64.sub f64.mul f64.div f64.min f64.max f64.copysign i32.wrap_i64 "
    "i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u i64.extend_i32_s "
    "i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u "
    "f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64 "
    "f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u f64.promote_f32 "
    "i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64 "
    "i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s",
)
_add(None, 0xD0, "ref.null", "heap")
_add(None, 0xD1, "ref.is_null")
_add(None, 0xD2, "ref.func", "func")
_run(None, 0xD3, "ref.eq ref.as_non_null")
_run(None, 0xD5, "br_on_null br_on_non_null", "label")

# -- 0xFB: GC ---------------------------------------------------------------------
_run(0xFB, 0, "struct.new struct.new_default", "type")
_run(0xFB, 2, "struct.get struct.get_s struct.get_u struct.set", "type field")
_run(0xFB, 6, "array.new array.new_default", "type")
_add(0xFB, 8, "array.new_fixed", "type count")
_add(0xFB, 9, "array.new_data", "type data")
_add(0xFB, 10, "array.new_elem", "type elem")
_run(0xFB, 11, "array.get array.get_s array.get_u array.set", "type")
_add(0xFB, 15, "array.len")
_add(0xFB, 16, "array.fill", "type")
_add(0xFB, 17, "array.copy", "type type")  # destination, source
_add(0xFB, 18, "array.init_data", "type data")
_add(0xFB, 19, "array.init_elem", "type elem")
_add(0xFB, 20, "ref.test", "cast")  # 21 = nullable form
_add(0xFB, 22, "ref.cast", "cast")  # 23 = nullable form
_run(0xFB, 24, "br_on_cast br_on_cast_fail", "br_cast")
_run(0xFB, 26, "any.convert_extern extern.convert_any ref.i31 i31.get_s i31.get_u")

# -- 0xFC: saturating truncation, bulk memory, tables, wide arithmetic ------------
_run(
    0xFC,
    0,
    "i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u "
    "i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u",
)
_add(0xFC, 8, "memory.init", "data memory")
_add(0xFC, 9, "data.drop", "data")
_add(0xFC, 10, "memory.copy", "memory memory")  # destination, source
_add(0xFC, 11, "memory.fill", "memory")
_add(0xFC, 12, "table.init", "elem table")
_add(0xFC, 13, "elem.drop", "elem")
_add(0xFC, 14, "table.copy", "table table")  # destination, source
_run(0xFC, 15, "table.grow table.size table.fill", "table")
_run(0xFC, 19, "i64.add128 i64.sub128 i64.mul_wide_s i64.mul_wide_u")

# -- 0xFD: SIMD ---------------------------------------------------------------------
_run(
    0xFD,
    0x00,
    "v128.load v128.load8x8_s v128.load8x8_u v128.load16x4_s v128.load16x4_u "
    "v128.load32x2_s v128.load32x2_u v128.load8_splat v128.load16_splat v128.load32_splat "
    "v128.load64_splat v128.store",
    "memarg",
)
_add(0xFD, 0x0C, "v128.const", "v128")
_add(0xFD, 0x0D, "i8x16.shuffle", "shuffle")
_run(
    0xFD,
    0x0E,
    "i8x16.swizzle i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat f64x2.splat",
)
_run(
    0xFD,
    0x15,
    "i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane i16x8.extract_lane_s "
    "i16x8.extract_lane_u i16x8.replace_lane i32x4.extract_lane i32x4.replace_lane "
    "i64x2.extract_lane i64x2.replace_lane f32x4.extract_lane f32x4.replace_lane "
    "f64x2.extract_lane f64x2.replace_lane",
    "lane",
)
_run(
    0xFD,
    0x23,
    "i8x16.eq i8x16.ne i8x16.lt_s i8x16.lt_u i8x16.gt_s i8x16.gt_u i8x16.le_s i8x16.le_u "
    "i8x16.ge_s i8x16.ge_u i16x8.eq i16x8.ne i16x8.lt_s i16x8.lt_u i16x8.gt_s i16x8.gt_u "
    "i16x8.le_s i16x8.le_u i16x8.ge_s i16x8.ge_u i32x4.eq i32x4.ne i32x4.lt_s i32x4.lt_u "
    "i32x4.gt_s i32x4.gt_u i32x4.le_s i32x4.le_u i32x4.ge_s i32x4.ge_u f32x4.eq f32x4.ne "
    "f32x4.lt f32x4.gt f32x4.le f32x4.ge f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge "
    "v128.not v128.and v128.andnot v128.or v128.xor v128.bitselect v128.any_true",
)
_run(
    0xFD,
    0x54,
    "v128.load8_lane v128.load16_lane v128.load32_lane v128.load64_lane v128.store8_lane "
    "v128.store16_lane v128.store32_lane v128.store64_lane",
    "memlane",
)
_run(0xFD, 0x5C, "v128.load32_zero v128.load64_zero", "memarg")
_run(
    0xFD,
    0x5E,
    "f32x4.demote_f64x2_zero f64x2.promote_low_f32x4 i8x16.abs i8x16.neg i8x16.popcnt "
    "i8x16.all_true i8x16.bitmask i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u f32x4.ceil "
    "f32x4.floor f32x4.trunc f32x4.nearest i8x16.shl i8x16.shr_s i8x16.shr_u i8x16.add "
    "i8x16.add_sat_s i8x16.add_sat_u i8x16.sub i8x16.sub_sat_s i8x16.sub_sat_u f64x2.ceil "
    "f64x2.floor i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u f64x2.trunc i8x16.avgr_u "
    "i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u "
    "i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u "
    # 0x80
    "i16x8.abs i16x8.neg i16x8.q15mulr_sat_s i16x8.all_true i16x8.bitmask "
    "i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u i16x8.extend_low_i8x16_s "
    "i16x8.extend_high_i8x16_s i16x8.extend_low_i8x16_u i16x8.extend_high_i8x16_u i16x8.shl "
    "i16x8.shr_s i16x8.shr_u i16x8.add i16x8.add_sat_s i16x8.add_sat_u i16x8.sub "
    "i16x8.sub_sat_s i16x8.sub_sat_u f64x2.nearest i16x8.mul i16x8.min_s i16x8.min_u "
    "i16x8.max_s i16x8.max_u - i16x8.avgr_u i16x8.extmul_low_i8x16_s "
    "i16x8.extmul_high_i8x16_s i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u "
    # 0xA0
    "i32x4.abs i32x4.neg - i32x4.all_true i32x4.bitmask - - i32x4.extend_low_i16x8_s "
    "i32x4.extend_high_i16x8_s i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u i32x4.shl "
    "i32x4.shr_s i32x4.shr_u i32x4.add - - i32x4.sub - - - i32x4.mul i32x4.min_s i32x4.min_u "
    "i32x4.max_s i32x4.max_u i32x4.dot_i16x8_s - i32x4.extmul_low_i16x8_s "
    "i32x4.extmul_high_i16x8_s i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u "
    # 0xC0
    "i64x2.abs i64x2.neg - i64x2.all_true i64x2.bitmask - - i64x2.extend_low_i32x4_s "
    "i64x2.extend_high_i32x4_s i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_u i64x2.shl "
    "i64x2.shr_s i64x2.shr_u i64x2.add - - i64x2.sub - - - i64x2.mul i64x2.eq i64x2.ne "
    "i64x2.lt_s i64x2.gt_s i64x2.le_s i64x2.ge_s i64x2.extmul_low_i32x4_s "
    "i64x2.extmul_high_i32x4_s i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u "
    # 0xE0
    "f32x4.abs f32x4.neg - f32x4.sqrt f32x4.add f32x4.sub f32x4.mul f32x4.div f32x4.min "
    "f32x4.max f32x4.pmin f32x4.pmax f64x2.abs f64x2.neg - f64x2.sqrt f64x2.add f64x2.sub "
    "f64x2.mul f64x2.div f64x2.min f64x2.max f64x2.pmin f64x2.pmax "
    "i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u f32x4.convert_i32x4_s "
    "f32x4.convert_i32x4_u i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero "
    "f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u "
    # 0x100: relaxed SIMD
    "i8x16.relaxed_swizzle i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u "
    "i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero f32x4.relaxed_madd "
    "f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd i8x16.relaxed_laneselect "
    "i16x8.relaxed_laneselect i32x4.relaxed_laneselect i64x2.relaxed_laneselect "
    "f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min f64x2.relaxed_max "
    "i16x8.relaxed_q15mulr_s i16x8.relaxed_dot_i8x16_i7x16_s "
    "i32x4.relaxed_dot_i8x16_i7x16_add_s",
)

# -- 0xFE: threads ------------------------------------------------------------------
_run(0xFE, 0x00, "memory.atomic.notify memory.atomic.wait32 memory.atomic.wait64", "memarg")
_add(0xFE, 0x03, "atomic.fence", "zero")
_run(
    0xFE,
    0x10,
    "i32.atomic.load i64.atomic.load i32.atomic.load8_u i32.atomic.load16_u "
    "i64.atomic.load8_u i64.atomic.load16_u i64.atomic.load32_u i32.atomic.store "
    "i64.atomic.store i32.atomic.store8 i32.atomic.store16 i64.atomic.store8 "
    "i64.atomic.store16 i64.atomic.store32",
    "memarg",
)
for _i, _rmw in enumerate(("add", "sub", "and", "or", "xor", "xchg", "cmpxchg")):
    _run(
        0xFE,
        0x1E + 7 * _i,
        f"i32.atomic.rmw.{_rmw} i64.atomic.rmw.{_rmw} i32.atomic.rmw8.{_rmw}_u "
        f"i32.atomic.rmw16.{_rmw}_u i64.atomic.rmw8.{_rmw}_u i64.atomic.rmw16.{_rmw}_u "
        f"i64.atomic.rmw32.{_rmw}_u",
        "memarg",
    )

# -- lookup tables ---------------------------------------------------------------------
SINGLE: list[Op | None] = [None] * 256
PREFIXED: dict[int, dict[int, Op]] = {0xFB: {}, 0xFC: {}, 0xFD: {}, 0xFE: {}}
BY_NAME: dict[str, Op] = {}
for _op in OPS:
    if _op.prefix is None:
        SINGLE[_op.code] = _op
    else:
        PREFIXED[_op.prefix][_op.code] = _op
    if _op.name in BY_NAME:
        raise AssertionError(f"duplicate opcode name {_op.name}")
    if _op.imm not in COMPOSITE_SPACES and not set(_op.imm.split()) <= U32_KINDS:
        raise AssertionError(f"unknown immediate kind {_op.imm!r} of {_op.name}")
    BY_NAME[_op.name] = _op
