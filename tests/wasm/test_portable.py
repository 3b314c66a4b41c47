"""componentize.wasm.portable: what jco refuses in a module with several memories."""

from __future__ import annotations

import pytest
import wasmtime

from componentize.wasm.decode import decode_module
from componentize.wasm.portable import ALLOWED_MEMORY_OPS, MEMORY_OPS, js_host_problems

TWO_MEMORIES = """
  (import "env" "memory" (memory 1))
  (import "env" "guest" (memory 1))
"""


def problems(body: str, memories: str = TWO_MEMORIES) -> list[str]:
    return js_host_problems(decode_module(wasmtime.wat2wasm(f"(module {memories} {body})")))


CLEAN = """
  (import "env" "sp" (global $sp (mut i32)))
  (import "env" "table" (table 1 funcref))
  (import "env" "grow" (func $grow (param i32) (result i32)))
  (type $t (func))
  (func (export "f") (param i32) (result i32)
    (i32.store 0 (local.get 0) (i32.load 1 (local.get 0)))
    (i32.store8 1 (local.get 0) (i32.load8_s 0 (local.get 0)))
    (i32.store16 1 (local.get 0) (i32.load8_u 1 (local.get 0)))
    (i32.store 0 (local.get 0) (i32.load16_s 0 (local.get 0)))
    (i32.store 0 (local.get 0) (i32.load16_u 1 (local.get 0)))
    (i64.store 1 (local.get 0) (i64.load 0 (local.get 0)))
    (f32.store 0 (local.get 0) (f32.load 1 (local.get 0)))
    (f64.store 1 (local.get 0) (f64.load 0 (local.get 0)))
    (global.set $sp (i32.add (memory.size 0) (memory.size 1)))
    (call_indirect (type $t) (i32.const 0))
    (call $grow (i32.const 1)))
"""


def test_allowed_instructions_sections_and_imports_pass() -> None:
    assert problems(CLEAN) == []


def test_one_memory_has_no_limits() -> None:
    body = """
      (memory 1) (global (mut i32) (i32.const 0)) (table 1 funcref) (data (i32.const 0) "x")
      (func $s (drop (memory.grow (i32.const 1))) (memory.copy (i32.const 0) (i32.const 1)
        (i32.const 2)) (i64.store32 (i32.const 0) (i64.const 1)))
      (start $s)
    """
    assert problems(body, memories="") == []
    assert problems(CLEAN.replace('(import "env" "guest" (memory 1))', ""), memories="") == []


@pytest.mark.parametrize(
    ("definition", "section"),
    [
        ("(memory 1)", "memory section (1 defined)"),
        ("(table 1 funcref)", "table section (1 defined)"),
        ("(global i32 (i32.const 0))", "global section (1 defined)"),
        ("(func $f) (elem declare func $f)", "element section (1 defined)"),
        ('(data (i32.const 0) "x")', "data section (1 defined)"),
        ("(tag)", "tag section (1 defined)"),
        ("(func $f) (start $f)", "start section (function 0)"),
    ],
)
def test_each_defined_section_is_named(definition: str, section: str) -> None:
    n = 3 if definition == "(memory 1)" else 2
    assert problems(definition) == [f"{section} in a module with {n} memories"]


def test_a_defined_memory_counts_as_a_memory() -> None:
    one = '(import "env" "memory" (memory 1))'
    assert problems("(memory 1)", memories=one) == [
        "memory section (1 defined) in a module with 2 memories"
    ]


def test_data_count_section_is_named() -> None:
    body = '(data "x") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1)))'
    assert problems(body) == [
        "data section (1 defined) in a module with 2 memories",
        "data count section (1) in a module with 2 memories",
        "function 0: memory.init 0",
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("(drop (memory.grow 0 (i32.const 1)))", "memory.grow 0"),
        ("(drop (memory.grow 1 (i32.const 1)))", "memory.grow 1"),
        ("(memory.copy 1 0 (i32.const 0) (i32.const 0) (i32.const 1))", "memory.copy 1 0"),
        ("(memory.copy 0 0 (i32.const 0) (i32.const 0) (i32.const 1))", "memory.copy 0 0"),
        ("(memory.fill 1 (i32.const 0) (i32.const 0) (i32.const 1))", "memory.fill 1"),
        ("(drop (i64.load8_s 0 (i32.const 0)))", "i64.load8_s 0"),
        ("(drop (i64.load8_u 1 (i32.const 0)))", "i64.load8_u 1"),
        ("(drop (i64.load16_s 0 (i32.const 0)))", "i64.load16_s 0"),
        ("(drop (i64.load16_u 0 (i32.const 0)))", "i64.load16_u 0"),
        ("(drop (i64.load32_s 0 (i32.const 0)))", "i64.load32_s 0"),
        ("(drop (i64.load32_u 0 (i32.const 0)))", "i64.load32_u 0"),
        ("(i64.store8 0 (i32.const 0) (i64.const 1))", "i64.store8 0"),
        ("(i64.store16 1 (i32.const 0) (i64.const 1))", "i64.store16 1"),
        ("(i64.store32 0 (i32.const 0) (i64.const 1))", "i64.store32 0"),
        ("(drop (i32.atomic.load 0 (i32.const 0)))", "i32.atomic.load 0"),
        ("(memory.atomic.notify 1 (i32.const 0) (i32.const 1)) (drop)", "memory.atomic.notify 1"),
        ("(drop (v128.load 1 (i32.const 0)))", "v128.load 1"),
        ("(v128.store 0 (i32.const 0) (v128.const i64x2 0 0))", "v128.store 0"),
    ],
)
def test_each_forbidden_instruction_is_named_with_its_function(code: str, message: str) -> None:
    body = f'(import "x" "f" (func)) (func) (func {code})'
    assert problems(body) == [f"function 2: {message}"]


def test_repeats_are_counted_per_function() -> None:
    fill = "(memory.fill 0 (i32.const 0) (i32.const 0) (i32.const 1))"
    body = f"(func {fill} {fill} (drop (memory.grow 0 (i32.const 1)))) (func {fill})"
    assert problems(body) == [
        "function 0: memory.fill 0 (2 times)",
        "function 0: memory.grow 0",
        "function 1: memory.fill 0",
    ]


def test_the_opcode_classes() -> None:
    assert ALLOWED_MEMORY_OPS < MEMORY_OPS
    assert {
        "memory.copy",
        "memory.fill",
        "memory.grow",
        "memory.init",
        "i32.atomic.load",
        "v128.load8_lane",
        "i64.load32_u",
        "i64.store32",
    } <= MEMORY_OPS
    # jco accepts atomic.fence (checked against jco 1.35): it names no memory
    assert not {"data.drop", "global.get", "call", "table.grow", "atomic.fence"} & MEMORY_OPS
