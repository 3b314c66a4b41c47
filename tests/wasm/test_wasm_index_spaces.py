"""The index space of every immediate in the opcode table, against wasmtime's WAT assembler.

Each opcode with an index is written in WAT with symbolic names (`call
$k_func`, `i32.load $k_memory`, `ref.null $k_type` ...) in a module where the
named item of each space has an index no other space uses.  The assembler
resolves a name only in its own space, so `references` (the table-driven walk
of `componentize.wasm.reindex`) must report, for every name written, that
name's space with that space's index.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
import wasmtime

from componentize.wasm import Instruction, MemArg, RefType, decode_expr, decode_module, encode_expr
from componentize.wasm.opcodes import (
    COMPOSITE_SPACES,
    INDEX_SPACES,
    OPS,
    U32_KINDS,
    IndexSpace,
    Op,
)
from componentize.wasm.reindex import Reindex, references

# The index of the named item `$k_<space>` of each space (all different).
INDEX: dict[str, int] = {
    "type": 1,
    "func": 2,
    "table": 3,
    "memory": 4,
    "global": 5,
    "elem": 6,
    "data": 7,
    "local": 8,
    "label": 9,
    "tag": 10,
}
LITERAL = {"field": "11", "count": "12"}

# Spellings whose text order or shape differs from "<name> <immediates in binary order>".
SPECIAL: dict[str, str] = {
    "call_indirect": "call_indirect $k_table (type $k_type)",
    "return_call_indirect": "return_call_indirect $k_table (type $k_type)",
    "memory.init": "memory.init $k_memory $k_data",
    "table.init": "table.init $k_table $k_elem",
    "catch": "try catch $k_tag end",
    "delegate": "try delegate $k_label",
    "block": "block (type $k_type) end",
    "loop": "loop (type $k_type) end",
    "if": "if (type $k_type) else end",
    "try": "try (type $k_type) catch_all end",
    "try_table": "try_table (type $k_type) (catch $k_tag $k_label) (catch_ref $k_tag $k_label)"
    " (catch_all $k_label) (catch_all_ref $k_label) end",
    "br_table": "br_table $k_label $k_label $k_label",
    "select": "select (result (ref null $k_type))",
    "ref.null": "ref.null $k_type",
    "ref.test": "ref.test (ref $k_type) ref.test (ref null $k_type)",
    "ref.cast": "ref.cast (ref $k_type) ref.cast (ref null $k_type)",
    "br_on_cast": "br_on_cast $k_label (ref null $k_type) (ref $k_type)",
    "br_on_cast_fail": "br_on_cast_fail $k_label (ref $k_type) (ref null $k_type)",
}
BY_KIND = {"memarg": "{} $k_memory", "memlane": "{} $k_memory 1"}


def _text(op_name: str, imm: str, u32_kinds: tuple[str, ...]) -> str:
    if op_name in SPECIAL:
        return SPECIAL[op_name]
    if u32_kinds:
        return " ".join([op_name, *(LITERAL.get(k, f"$k_{k}") for k in u32_kinds)])
    return BY_KIND[imm].format(op_name)


INDEXED = [op for op in OPS if op.u32_kinds or COMPOSITE_SPACES[op.imm]]


def _module(body: str) -> str:
    n = INDEX
    items = [
        "(type (func))" * n["type"],
        "(type $k_type (func))",
        "(func)" * n["func"],
        "(func $k_func)",
        "(table 1 funcref)" * n["table"],
        "(table $k_table 1 funcref)",
        "(memory 1)" * n["memory"],
        "(memory $k_memory 1)",
        "(global i32 (i32.const 0))" * n["global"],
        "(global $k_global (mut i32) (i32.const 0))",
        "(elem func)" * n["elem"],
        "(elem $k_elem func)",
        '(data "")' * n["data"],
        '(data $k_data "")',
        "(tag)" * n["tag"],
        "(tag $k_tag)",
    ]
    locals_ = "(local i32)" * n["local"] + "(local $k_local i32)"
    nest = "block $k_label " + "block " * n["label"]
    return f"(module {' '.join(items)} (func {locals_} {nest} {body} {'end ' * (n['label'] + 1)}))"


def _body(text: str) -> list[Instruction]:
    wasm = wasmtime.wat2wasm(_module(text))
    return decode_expr(decode_module(wasm).codes[-1].code)


def test_the_table_names_a_kind_for_every_immediate() -> None:
    for op in OPS:
        assert op.imm in COMPOSITE_SPACES or set(op.u32_kinds) <= U32_KINDS, op
    assert "u32" not in {k for op in OPS for k in op.u32_kinds}  # no index without its space
    assert {k for op in OPS for k in op.u32_kinds} == U32_KINDS


@pytest.mark.parametrize("op", INDEXED, ids=lambda op: op.name)
def test_every_index_is_reported_in_its_space(op: Op) -> None:
    text = _text(op.name, op.imm, op.u32_kinds)
    found = references(_body(text))
    written = Counter(re.findall(r"\$k_(\w+)", text))
    assert Counter(space for space, _ in found) == written, text
    assert all(index == INDEX[space] for space, index in found), (text, found)


def test_opcodes_without_an_index_report_none() -> None:
    for op in OPS:
        if op in INDEXED:
            continue
        assert not COMPOSITE_SPACES.get(op.imm, ("?",)) and not op.u32_kinds, op
    plain = [
        Instruction("i32.add"),
        Instruction("i32.const", (7,)),
        Instruction("v128.const", (bytes(16),)),
        Instruction("i8x16.extract_lane_s", (3,)),
        Instruction("atomic.fence"),
        Instruction("select", ()),
        Instruction("block", (None,)),
        Instruction("block", ("i32",)),
        Instruction("ref.null", ("func",)),
    ]
    assert references(plain) == []


class _Shift(Reindex):
    """Adds 100 times the space's position (+100) to every index."""

    def index(self, space: IndexSpace, index: int) -> int:
        return index + 100 * (INDEX_SPACES.index(space) + 1)


def test_reindex_maps_every_index_through_its_space_hook() -> None:
    text = " ".join(_text(op.name, op.imm, op.u32_kinds) for op in INDEXED)
    body = _body(text)
    shifted = _Shift().instructions(body)
    again = decode_expr(encode_expr(shifted))
    assert again == shifted
    before, after = references(body), references(again)
    assert [s for s, _ in after] == [s for s, _ in before]
    for (space, old), (_, new) in zip(before, after, strict=True):
        assert new == old + 100 * (INDEX_SPACES.index(space) + 1)


def test_reindex_leaves_fields_counts_and_lanes_alone() -> None:
    body = [
        Instruction("struct.get", (1, 5)),
        Instruction("array.new_fixed", (1, 5)),
        Instruction("v128.load8_lane", (MemArg(0, 8, 2), 5)),
        Instruction("ref.test", (RefType(True, "any"),)),
    ]
    assert _Shift().instructions(body) == [
        Instruction("struct.get", (101, 5)),
        Instruction("array.new_fixed", (101, 5)),
        Instruction("v128.load8_lane", (MemArg(0, 8, 402), 5)),
        Instruction("ref.test", (RefType(True, "any"),)),
    ]
