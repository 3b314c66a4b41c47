"""The post-processor on a small hand-written module shaped like wasm-ld output."""

from __future__ import annotations

import random
from typing import Any

import pytest
import wasmtime

from componentize.errors import InternalError
from componentize.shim.contract import INIT_EXPORT
from componentize.wasm.decode import decode_module
from componentize.wasm.encode import encode_module
from componentize.wasm.instructions import decode_expr
from componentize.wasm.model import Local, MemArg
from componentize.wasm.portable import js_host_problems
from componentize.wasm.query import name_section
from toolchains.shim.postprocess import postprocess

WAT = """
(module
  (import "env" "memory" (memory 1))
  (import "componentize:guest" "load_u32" (func $load_u32 (param i32) (result i32)))
  (import "componentize:guest" "store_u8" (func $store_u8 (param i32 i32)))
  (import "wasi:y/z@0.2.12" "f" (func $f (param i32)))
  (import "env" "memory-grow" (func $grow (param i32) (result i32)))
  (import "componentize:guest" "copy_out" (func $copy_out (param i32 i32 i32)))
  (import "componentize:guest" "copy_in" (func $copy_in (param i32 i32 i32)))
  (import "componentize:guest" "size" (func $size (result i32)))
  (import "componentize:guest" "call_start" (func $call_start))
  (table 1 1 funcref)
  (global $sp (mut i32) (i32.const 0))
  (func (export "componentize_init")
    (global.set $sp (i32.const 1024)) (i32.store (i32.const 0) (i32.const 7)))
  (func (export "sp") (result i32) (global.get $sp))
  (func (export "grow") (param i32) (result i32) (call $grow (local.get 0)))
  (func (export "get") (param i32) (result i32) (call $load_u32 (local.get 0)))
  (func (export "put") (param i32 i32) (call $store_u8 (local.get 0) (local.get 1)))
  (func (export "out") (param i32 i32 i32)
    (call $copy_out (local.get 0) (local.get 1) (local.get 2)))
  (func (export "in") (param i32 i32 i32)
    (call $copy_in (local.get 0) (local.get 1) (local.get 2)))
  (func (export "move") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "pages") (result i32) (call $size))
  (func (export "start") (call $call_start))
  (func (export "private") (result i32) (i32.load (i32.const 0)))
  (func (export "call_f") (call $f (i32.const 1)))
  (func (export "l8s") (param i32) (result i64) (i64.load8_s (local.get 0)))
  (func (export "l8u") (param i32) (result i64) (i64.load8_u (local.get 0)))
  (func (export "l16s") (param i32) (result i64) (i64.load16_s (local.get 0)))
  (func (export "l16u") (param i32) (result i64) (i64.load16_u offset=2 (local.get 0)))
  (func (export "l32s") (param i32) (result i64) (i64.load32_s (local.get 0)))
  (func (export "l32u") (param i32) (result i64) (i64.load32_u (local.get 0)))
  (func (export "s8") (param i32 i64) (i64.store8 (local.get 0) (local.get 1)))
  (func (export "s16") (param i32 i64) (i64.store16 (local.get 0) (local.get 1)))
  (func (export "s32") (param i32 i64) (i64.store32 offset=4 (local.get 0) (local.get 1)))
)
"""

PAGE = 65536


def processed(wat: str = WAT) -> bytes:
    return encode_module(postprocess(decode_module(wasmtime.wat2wasm(wat))), reuse_original=False)


class Instance:
    """The processed module, instantiated as the assembler would (init called)."""

    def __init__(self, data: bytes) -> None:
        cfg = wasmtime.Config()
        cfg.wasm_multi_memory = True
        self.store = store = wasmtime.Store(wasmtime.Engine(cfg))
        module = wasmtime.Module(store.engine, data)
        self.private = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, None)))
        self.guest = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(2, 3)))
        self.calls: list[int] = []
        self.started: list[int] = []
        i32 = wasmtime.ValType.i32()
        self.sp = wasmtime.Global(store, wasmtime.GlobalType(i32, True), wasmtime.Val.i32(-5))
        start = wasmtime.Func(store, wasmtime.FuncType([], []), lambda: self.started.append(1))
        funcref = wasmtime.TableType(wasmtime.ValType.funcref(), wasmtime.Limits(1, None))
        provided: dict[tuple[str, str | None], Any] = {
            ("env", "memory"): self.private,
            ("env", "stack-pointer"): self.sp,
            ("env", "memory-grow"): wasmtime.Func(
                store, wasmtime.FuncType([i32], [i32]), lambda n: self.private.grow(store, n)
            ),
            ("wasi:y/z@0.2.12", "f"): wasmtime.Func(
                store, wasmtime.FuncType([i32], []), self.calls.append
            ),
            ("componentize:guest", "memory"): self.guest,
            ("componentize:guest", "start-table"): wasmtime.Table(store, funcref, start),
        }
        imports = [provided[(i.module, i.name)] for i in module.imports]
        self.ex = wasmtime.Instance(store, module, imports).exports(store)
        self("componentize_init")

    def __call__(self, name: str, *args: int) -> Any:
        func = self.ex[name]
        assert isinstance(func, wasmtime.Func)
        return func(self.store, *args)

    def read(self, memory: wasmtime.Memory, at: int, n: int) -> bytes:
        return bytes(memory.read(self.store, at, at + n))


def test_shape_is_portable_and_init_is_an_export() -> None:
    m = decode_module(processed())
    assert [(i.module, i.name, i.kind) for i in m.imports] == [
        ("env", "memory", "memory"),
        ("wasi:y/z@0.2.12", "f", "func"),
        ("env", "memory-grow", "func"),
        ("env", "stack-pointer", "global"),
        ("componentize:guest", "memory", "memory"),
        ("componentize:guest", "start-table", "table"),
    ]
    assert m.start is None and not m.globals and not m.tables
    assert INIT_EXPORT in {e.name for e in m.exports}
    assert js_host_problems(m) == []
    ops = {ins.op for c in m.codes for ins in decode_expr(c.code)}
    assert "call_indirect" in ops and "memory.size" in ops and "memory.copy" not in ops
    names = name_section(m)
    assert names is not None
    n = len(m.functions) + 2
    assert [names.functions[i] for i in range(n - 4, n)] == [
        "memory_copy_0_0",
        "memory_copy_0_1",
        "memory_copy_1_0",
        "memory_fill_0",
    ]


def test_runs_after_init() -> None:
    inst = Instance(processed())
    store, guest, private = inst.store, inst.guest, inst.private
    assert inst("private") == 7  # init ran, on memory 0
    assert inst("sp") == 1024 and inst.sp.value(store) == 1024  # the imported global
    assert inst("grow", 2) == 1 and private.size(store) == 3
    guest.write(store, b"\x01\x02\x03\x04", 100)
    assert inst("get", 100) == 0x04030201
    inst("put", 5, 0x1FF)
    assert guest.read(store, 5, 6) == b"\xff"
    private.write(store, b"abc", 300)
    inst("out", 1000, 300, 3)
    assert guest.read(store, 1000, 1003) == b"abc"
    inst("in", 400, 1000, 3)
    assert inst.read(private, 400, 3) == b"abc"
    assert inst("pages") == 2
    inst("start")
    inst("call_f")
    assert inst.started == [1] and inst.calls == [1]
    with pytest.raises(wasmtime.Trap):
        inst("get", 2 * PAGE - 2)  # out of the guest's bounds: a trap


def test_narrow_i64_loads_and_stores() -> None:
    inst = Instance(processed())
    inst.private.write(inst.store, bytes([0x81, 0x82, 0x83, 0x84, 0x85, 0x86]), 16)
    assert inst("l8s", 16) == -127 and inst("l8u", 16) == 0x81
    assert inst("l16s", 16) == -(0x10000 - 0x8281) and inst("l16u", 16) == 0x8483
    assert inst("l32s", 16) == -(1 << 32) + 0x84838281 and inst("l32u", 16) == 0x84838281
    inst("s8", 32, 0x1_2345_6789)
    inst("s16", 34, 0x1_2345_6789)
    inst("s32", 32, -2)
    assert inst.read(inst.private, 32, 8) == bytes([0x89, 0, 0x89, 0x67, 0xFE, 0xFF, 0xFF, 0xFF])


FOLDS = """
(module
  (import "env" "memory" (memory 1))
  (import "componentize:guest" "load_u32" (func $load_u32 (param i32) (result i32)))
  (import "componentize:guest" "store_u64" (func $store_u64 (param i32 i64)))
  (global $sp (mut i32) (i32.const 0))
  (func $shim_init (export "componentize_init"))
  (func $shim_get (export "get") (param i32) (result i32)
    (call $load_u32 (i32.add (local.get 0) (i32.const 4))))
  (func $shim_put (export "put") (param i32 i64)
    (call $store_u64 (i32.add (local.get 0) (i32.const 8))
      (i64.add (i64.extend_i32_u (i32.load (i32.const 0))) (local.get 1))))
  (func $shim_call (export "call") (param i32 i64)
    (call $store_u64 (i32.add (local.get 0) (i32.const 8)) (call $shim_init) (local.get 1)))
  (func $shim_fd_prestat_get (export "unchecked") (param i32) (result i32)
    (call $load_u32 (i32.add (local.get 0) (i32.const 4))))
  (func $private (export "private") (param i32) (result i32)
    (i32.load offset=2 (i32.add (local.get 0) (i32.const 4))))
)
"""


def test_constant_address_offsets_fold_into_guest_accesses() -> None:
    m = decode_module(processed(FOLDS))
    get, put, call, unchecked, private = (decode_expr(c.code) for c in m.codes[1:])
    assert [i.op for i in get] == ["local.get", "i32.load", "end"]
    assert get[1].imm == (MemArg(0, 4, 1),)
    assert [i.op for i in put][:2] == ["local.get", "i32.const"] and put[-2].op == "i64.store"
    assert put[-2].imm == (MemArg(0, 8, 1),)
    # a value computed by a call, and a function in UNCHECKED: unchanged
    assert [i.op for i in call][:3] == ["local.get", "i32.const", "i32.add"]
    assert [i.op for i in unchecked][:3] == ["local.get", "i32.const", "i32.add"]
    assert [(i.op, i.imm) for i in private][:2] == [
        ("local.get", (0,)),
        ("i32.load", (MemArg(2, 6, 0),)),
    ]
    inst = Instance(processed(FOLDS))
    inst.guest.write(inst.store, (0x01020304).to_bytes(4, "little"), 104)
    assert inst("get", 100) == 0x01020304
    inst("put", 200, 5)
    assert int.from_bytes(inst.read(inst.guest, 208, 8), "little") == 5
    with pytest.raises(wasmtime.Trap):
        inst("get", 2 * PAGE - 6)
    inst.private.write(inst.store, (7).to_bytes(4, "little"), 306)
    assert inst("private", 300) == 7


MIXED_LOCALS = """
(module
  (import "env" "memory" (memory 1))
  (global $sp (mut i32) (i32.const 0))
  (func (export "componentize_init"))
  (func (export "mix") (param i32) (result i64) (local i32 i64 i32 i64)
    (local.set 1 (i32.add (local.get 0) (i32.const 1)))
    (local.set 2 (i64.const 10))
    (local.set 3 (i32.mul (local.get 1) (i32.const 3)))
    (local.set 4 (i64.add (local.get 2) (i64.extend_i32_u (local.get 3))))
    (i64.add (local.get 4) (i64.extend_i32_u (local.tee 1 (i32.const 100)))))
)
"""


def test_locals_are_declared_one_run_per_type() -> None:
    data = processed(MIXED_LOCALS)
    assert decode_module(data).codes[1].locals == [Local(2, "i32"), Local(2, "i64")]
    inst = Instance(data)
    assert inst("mix", 4) == (10 + 15) + 100


BLOCKS = """
(module
  (import "env" "memory" (memory 1))
  (global $sp (mut i32) (i32.const 0))
  (func (export "componentize_init"))
  (func (export "cond") (param i32) (result i32) (local i32)
    (block (br_if 0 (i32.eqz (local.get 0))) (local.set 1 (i32.const 5)))
    (block (br_if 0 (i32.lt_s (local.get 0) (i32.const 3)))
      (local.set 1 (i32.add (local.get 1) (i32.const 10))))
    (block (br_if 0 (local.get 0)) (local.set 1 (i32.add (local.get 1) (i32.const 100))))
    (local.get 1))
  (func (export "choose") (param i32) (result i32) (local i32)
    (block
      (block (br_if 0 (i32.eqz (local.get 0))) (local.set 1 (i32.const 1)) (br 1))
      (local.set 1 (i32.const 2)))
    (block
      (block (br_if 0 (i32.eqz (local.get 0)))
        (br_if 1 (i32.eq (local.get 0) (i32.const 9))) (br 1))
      (local.set 1 (i32.add (local.get 1) (i32.const 10))))
    (local.get 1))
  (func (export "kept") (param i32) (result i32)
    (block local.get 0 local.get 0 br_if 0 drop)
    (i32.const 7))
)
"""


def test_blocks_skipped_on_a_condition_become_ifs() -> None:
    data = processed(BLOCKS)
    cond, choose, kept = (decode_expr(c.code) for c in decode_module(data).codes[1:])
    ops = [i.op for i in cond]
    assert "block" not in ops and ops.count("if") == 3
    assert ops[:2] == ["local.get", "if"]  # the i32.eqz dropped
    assert "i32.ge_s" in ops and "i32.lt_s" not in ops  # the comparison inverted
    # a value left under the condition for the block's code: the block stays
    assert [i.op for i in kept][0] == "block"
    inst = Instance(data)
    assert [inst("cond", x) for x in (0, 1, 5, -1)] == [100, 5, 15, 5]
    assert inst("kept", 0) == inst("kept", 1) == 7
    # block X if A br 1 end B end: X if A else B end
    ops = [i.op for i in choose]
    assert "block" not in ops and ops.count("else") == 2
    assert [inst("choose", x) for x in (0, 1, 9)] == [12, 1, 1]


def test_copies_have_memmove_semantics() -> None:
    inst = Instance(processed())
    store, rng = inst.store, random.Random(1)
    base = bytes(rng.randrange(256) for _ in range(200))
    for n in (0, 1, 7, 8, 9, 16, 23, 64):
        for d, s in ((10, 20), (20, 10), (10, 13), (13, 10), (30, 30), (0, 100), (100, 0)):
            want = bytearray(base)
            want[d : d + n] = base[s : s + n]
            inst.private.write(store, base, 0)
            inst("move", d, s, n)
            assert inst.read(inst.private, 0, 200) == want, (n, d, s)
            # across memories: out (guest <- private) and in (private <- guest)
            inst.private.write(store, base, 0)
            inst.guest.write(store, bytes(200), 0)
            inst("out", d, s, n)
            assert inst.read(inst.guest, d, n) == base[s : s + n]
            inst.guest.write(store, base, 0)
            inst.private.write(store, bytes(200), 0)
            inst("in", d, s, n)
            assert inst.read(inst.private, d, n) == base[s : s + n]


def test_fill() -> None:
    inst = Instance(processed())
    for n in (0, 1, 7, 8, 9, 21):
        inst.private.write(inst.store, bytes(40), 0)
        inst("fill", 3, 0x1AB, n)  # the low byte only
        assert inst.read(inst.private, 0, 40) == bytes(3) + b"\xab" * n + bytes(37 - n)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("move", (PAGE - 4, 0, 8)),
        ("move", (0, PAGE - 4, 8)),
        ("move", (PAGE + 1, 0, 0)),
        ("fill", (PAGE - 20, 1, 21)),
        ("fill", (PAGE + 1, 1, 0)),
        # between the memories nothing is checked (the C checks first), but
        # the first access, at the end, is out of bounds: nothing written
        ("out", (2 * PAGE - 4, 0, 8)),
        ("in", (0, 2 * PAGE - 4, 8)),
        ("in", (PAGE - 4, 0, 8)),
        ("move", (0xFFFF_FFF8, 0, 16)),
    ],
)
def test_out_of_bounds_traps_before_writing(name: str, args: tuple[int, int, int]) -> None:
    inst = Instance(processed())
    store = inst.store
    inst.private.write(store, b"\x55" * 64, PAGE - 64)
    inst.guest.write(store, b"\x66" * 64, 2 * PAGE - 64)
    with pytest.raises(wasmtime.Trap):
        inst(name, *args)
    assert inst.read(inst.private, PAGE - 64, 64) == b"\x55" * 64
    assert inst.read(inst.private, 0, 8) == b"\x07\0\0\0\0\0\0\0"
    assert inst.read(inst.guest, 2 * PAGE - 64, 64) == b"\x66" * 64
    inst("move", PAGE, 0, 0)  # at the end, nothing to copy: no trap
    inst("fill", PAGE, 0, 0)


def test_unknown_intrinsic_is_rejected() -> None:
    wat = WAT.replace('"size"', '"nonsense"')
    with pytest.raises(InternalError, match="nonsense"):
        processed(wat)


def test_wrong_intrinsic_signature_is_rejected() -> None:
    wat = WAT.replace("(func $size (result i32))", "(func $size (result i64))")
    wat = wat.replace('(func (export "pages") (result i32) (call $size))', "")
    with pytest.raises(InternalError, match="signature"):
        processed(wat)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            "(global $sp (mut i32) (i32.const 0))",
            "(global $sp (mut i32) (i32.const 0)) (global i32 (i32.const 1))",
            "stack pointer",
        ),
        (
            "(global $sp (mut i32) (i32.const 0))",
            "(global $sp (mut i64) (i64.const 0))",
            "stack pointer",
        ),
        ("(func $grow (param i32) (result i32))", "(func $grow (param i32))", "memory-grow"),
        ('"componentize_init"', '"init"', "componentize_init"),
        ('(func (export "sp")', '(start 10) (func (export "sp")', "no start"),
        ('"env" "memory-grow"', '"env" "other"', "env/other"),
        ("(call $grow (local.get 0))", "(memory.grow (local.get 0))", "memory.grow 0"),
    ],
)
def test_what_it_cannot_make_portable_fails_the_build(old: str, new: str, match: str) -> None:
    assert old in WAT
    with pytest.raises(InternalError, match=match):
        processed(WAT.replace(old, new))
