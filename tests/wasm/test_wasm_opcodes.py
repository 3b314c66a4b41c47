"""The opcode table against wasmtime's WAT assembler, and body decode/encode round trips.

Every opcode of the table is written in WAT by its name and assembled by
`wasmtime.wat2wasm`; decoding the result must give back the same names in the
same order.  This checks our name -> opcode mapping against an independent
implementation for every entry.
"""

from __future__ import annotations

import re

import pytest
import wasmtime

from componentize.errors import InternalError, WasmDecodeError
from componentize.wasm import (
    Body,
    Catch,
    Instruction,
    Local,
    MemArg,
    RefType,
    decode_body,
    decode_expr,
    decode_module,
    encode_body,
    encode_expr,
)
from componentize.wasm.opcodes import OPS, PREFIXED

# Text spellings for opcodes whose immediates need more than a plain index.
SPECIAL: dict[str, str | None] = {
    "call_indirect": "call_indirect (type 0)",
    "return_call_indirect": "return_call_indirect (type 0)",
    "memory.init": "memory.init 0",
    "memory.copy": "memory.copy",
    "table.init": "table.init 0",
    "table.copy": "table.copy",
    "array.new_fixed": "array.new_fixed 0 1",
    "else": None,  # emitted inside `if` below
    "catch": None,
    "catch_all": None,
    "delegate": None,
    "end": None,
    "block": "block end",
    "loop": "loop end",
    "if": "if else end",
    "try": "try catch 0 catch_all end try delegate 0",
    "try_table": "try_table (catch 0 0) (catch_ref 0 0) (catch_all 0) (catch_all_ref 0) end",
    "select": "select select (result i32 f64)",
    "ref.test": "ref.test (ref func) ref.test (ref null 0)",
    "ref.cast": "ref.cast (ref any) ref.cast (ref null any)",
    "br_on_cast": "br_on_cast 0 anyref (ref eq)",
    "br_on_cast_fail": "br_on_cast_fail 0 (ref any) (ref null 0)",
    "br_table": "br_table 0 1 2",
    "i8x16.shuffle": "i8x16.shuffle " + " ".join(map(str, range(16))),
    "v128.const": "v128.const i32x4 1 2 3 4",
    "ref.null": "ref.null func ref.null 0",
    "f32.const": "f32.const 1.5",
    "f64.const": "f64.const -2.5",
    "i32.const": "i32.const -7",
    "i64.const": "i64.const -9223372036854775808",
    "memory.size": "memory.size",
    "memory.grow": "memory.grow",
    "memory.fill": "memory.fill",
}
BY_KIND = {
    "lane": "{} 1",
    "memlane": "{} 1",
    "memarg": "{}",
    "": "{}",
    "zero": "{}",
}
NOT_NAMES = {"func", "any", "eq", "anyref", "i32x4", "i32", "f64"}


def _all_ops_wat() -> tuple[str, list[str]]:
    lines = []
    for op in OPS:
        if op.name in SPECIAL:
            text = SPECIAL[op.name]
        elif op.u32_kinds:  # one plain index (or field, count) per u32 immediate
            text = " ".join([op.name, *["0"] * len(op.u32_kinds)])
        else:
            text = BY_KIND[op.imm].format(op.name)
        if text:
            lines.append(text)
    expected = []
    for line in lines:
        bare = re.sub(r"\((?:[^()]|\([^()]*\))*\)", "", line)
        expected += [w for w in bare.split() if re.fullmatch(r"[a-z_][a-z0-9_.]*", w)]
    expected = [w for w in expected if w not in NOT_NAMES] + ["end"]
    wat = (
        '(module (type (func)) (type (array i8)) (tag) (memory 1) (table 1 funcref) (data "")'
        " (elem func 0) (func\n" + "\n".join(lines) + "))"
    )
    return wat, expected


@pytest.fixture(scope="module")
def all_ops() -> tuple[bytes, list[str]]:
    wat, expected = _all_ops_wat()
    return decode_module(wasmtime.wat2wasm(wat)).codes[0].code, expected


def test_every_opcode_name_matches_wat2wasm(all_ops: tuple[bytes, list[str]]) -> None:
    code, expected = all_ops
    names = [i.op for i in decode_expr(code)]
    assert names == expected


def test_every_opcode_round_trips(all_ops: tuple[bytes, list[str]]) -> None:
    code, _ = all_ops
    instrs = decode_expr(code)
    again = encode_expr(instrs)
    assert decode_expr(again) == instrs
    assert again == code  # wat2wasm writes canonical encodings, and so do we


def test_family_sizes() -> None:
    simd = PREFIXED[0xFD]
    assert len([c for c in simd if c < 0x100]) == 236
    assert len([c for c in simd if c >= 0x100]) == 20  # relaxed SIMD
    assert sorted(PREFIXED[0xFC]) == [*range(18), 19, 20, 21, 22]
    assert len(PREFIXED[0xFE]) == 4 + 14 + 49  # wait/notify/fence, loads/stores, rmw
    assert sorted(PREFIXED[0xFB]) == [c for c in range(31) if c not in (21, 23)]
    assert len({op.name for op in OPS}) == len(OPS)


def test_immediates_decoded() -> None:
    wat = """(module (memory 1) (memory 1) (type (func)) (table 2 funcref)
      (func (param i32) (result i32)
        (i32.load 1 offset=8 align=2 (local.get 0))
        (drop)
        (f32.const nan:0x200001) (drop)
        (br_table 0 0 0 (local.get 0))
        (call_indirect 0 (type 0) (i32.const 1))
        (i64.const -1) (drop)
        (i32.const 0)))"""
    m = decode_module(wasmtime.wat2wasm(wat))
    instrs = decode_expr(m.codes[0].code)
    assert instrs[1] == Instruction("i32.load", (MemArg(1, 8, 1),))
    assert instrs[3] == Instruction("f32.const", ((0x7F800000 | 0x200001).to_bytes(4, "little"),))
    assert instrs[6] == Instruction("br_table", ((0, 0), 0))
    assert instrs[8] == Instruction("call_indirect", (0, 0))
    assert instrs[9] == Instruction("i64.const", (-1,))


def test_encode_body_with_locals_and_blocktypes() -> None:
    body = [
        Instruction("block", (1,)),
        Instruction("loop", ("v128",)),
        Instruction("if", (RefType(True, "func"),)),
        Instruction("end"),
        Instruction("end"),
        Instruction("try_table", (None, (Catch("catch", 0, 3), Catch("catch_all_ref", 1)))),
        Instruction("end"),
        Instruction("end"),
        Instruction("select", ()),
        Instruction("select", (("i32", "externref"),)),
        Instruction("ref.cast", (RefType(True, 7),)),
        Instruction("i32.load", (MemArg(2, 2**32 - 1, 3),)),
        Instruction("i64.const", (2**63 - 1,)),
        Instruction("atomic.fence"),
        Instruction("v128.load8_lane", (MemArg(0, 0, 0), 15)),
        Instruction("end"),
    ]
    b = Body([Local(2, "i32"), Local(1, RefType(False, 3))], body)
    data = encode_body(b)
    assert decode_body(data) == b


def test_unsigned_spelled_constants_are_wrapped() -> None:
    data = encode_expr([Instruction("i32.const", (0xFFFFFFFF,)), Instruction("end")])
    assert decode_expr(data)[0] == Instruction("i32.const", (-1,))


@pytest.mark.parametrize(
    "bad",
    [
        Instruction("no.such.op"),
        Instruction("i32.load", (3,)),
        Instruction("f32.const", (b"\x00",)),
        Instruction("br_table", (5, 0)),
        Instruction("i32.const", (2**40,)),
        Instruction("ref.test", ("func",)),
    ],
)
def test_encoding_bad_instructions_is_a_bug(bad: Instruction) -> None:
    with pytest.raises(InternalError):
        encode_expr([bad])


@pytest.mark.parametrize(
    "code,what",
    [
        (b"\x17\x0b", "unknown opcode"),
        (b"\x06", "end of data"),  # legacy `try` without its block type
        (b"\x27\x0b", "unknown opcode"),
        (b"\xfd\x9a\x01\x0b", "unknown opcode"),
        (b"\xfc\x12\x0b", "unknown opcode"),
        (b"\xfe\x03\x01\x0b", "reserved"),
        (b"\x02\x50\x0b\x0b", "block type"),
        (b"\x1f\x40\x01\x05\x00\x0b\x0b", "catch clause"),
        (b"\x41\x80\x80\x80\x80\x80\x00\x0b", "too long"),
        (b"\x18\x00\x0b", "delegate"),
        (b"\x01\x01", "end of data"),
        (b"\x0b\x01", "unexpected bytes"),
    ],
)
def test_malformed_bodies(code: bytes, what: str) -> None:
    with pytest.raises(WasmDecodeError, match=what):
        decode_expr(code)


def test_body_offsets_are_rebased() -> None:
    with pytest.raises(WasmDecodeError) as e:
        decode_body(b"\x00\x01\xff", offset=0x100)
    assert e.value.offset == 0x102
    assert "code section" in str(e.value) and "0x102" in str(e.value)
