"""The post-processor on a small hand-written module shaped like wasm-ld output."""

from __future__ import annotations

import pytest
import wasmtime

from componentize.errors import InternalError
from componentize.wasm.decode import decode_module
from componentize.wasm.encode import encode_module
from componentize.wasm.instructions import decode_expr
from toolchains.shim.postprocess import postprocess

WAT = """
(module
  (import "env" "memory" (memory 1))
  (import "componentize:guest" "load_u32" (func $load_u32 (param i32) (result i32)))
  (import "componentize:guest" "store_u8" (func $store_u8 (param i32 i32)))
  (import "x:y/z@0.2.12" "f" (func $f (param i32)))
  (import "componentize:guest" "copy_out" (func $copy_out (param i32 i32 i32)))
  (import "componentize:guest" "size" (func $size (result i32)))
  (import "componentize:guest" "call_start" (func $call_start))
  (table 1 1 funcref)
  (global $sp (mut i32) (i32.const 0))
  (func (export "componentize_init") (i32.store (i32.const 0) (i32.const 7)))
  (func (export "get") (param i32) (result i32) (call $load_u32 (local.get 0)))
  (func (export "put") (param i32 i32) (call $store_u8 (local.get 0) (local.get 1)))
  (func (export "out") (param i32 i32 i32)
    (call $copy_out (local.get 0) (local.get 1) (local.get 2)))
  (func (export "pages") (result i32) (call $size))
  (func (export "start") (call $call_start))
  (func (export "private") (result i32) (i32.load (i32.const 0)))
  (func (export "call_f") (call $f (i32.const 1)))
)
"""


def processed() -> bytes:
    return encode_module(postprocess(decode_module(wasmtime.wat2wasm(WAT))), reuse_original=False)


def test_intrinsics_become_guest_memory_ops() -> None:
    data = processed()
    m = decode_module(data)
    assert [(i.module, i.name, i.kind) for i in m.imports] == [
        ("env", "memory", "memory"), ("x:y/z@0.2.12", "f", "func"),
        ("componentize:guest", "memory", "memory"), ("componentize:guest", "start-table", "table"),
    ]  # fmt: skip
    assert "componentize_init" not in {e.name for e in m.exports}
    ops = {ins.op for c in m.codes for ins in decode_expr(c.code)}
    assert "call_indirect" in ops and "memory.copy" in ops and "memory.size" in ops

    cfg = wasmtime.Config()
    cfg.wasm_multi_memory = True
    store = wasmtime.Store(wasmtime.Engine(cfg))
    module = wasmtime.Module(store.engine, data)
    private = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, None)))
    guest = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(2, None)))
    calls: list[int] = []
    f = wasmtime.Func(store, wasmtime.FuncType([wasmtime.ValType.i32()], []), calls.append)
    started: list[int] = []
    start = wasmtime.Func(store, wasmtime.FuncType([], []), lambda: started.append(1))
    table = wasmtime.Table(store, wasmtime.TableType(wasmtime.ValType.funcref(),
                                                     wasmtime.Limits(1, None)), start)  # fmt: skip
    ex = wasmtime.Instance(store, module, [private, f, guest, table]).exports(store)
    assert ex["private"](store) == 7  # the start function ran, on memory 0
    guest.write(store, b"\x01\x02\x03\x04", 100)
    assert ex["get"](store, 100) == 0x04030201
    ex["put"](store, 5, 0x1FF)
    assert guest.read(store, 5, 6) == b"\xff"
    private.write(store, b"abc", 300)
    ex["out"](store, 1000, 300, 3)
    assert guest.read(store, 1000, 1003) == b"abc"
    assert ex["pages"](store) == 2
    ex["start"](store)
    ex["call_f"](store)
    assert started == [1] and calls == [1]
    with pytest.raises(wasmtime.Trap):
        ex["get"](store, 2 * 65536 - 2)  # out of the guest's bounds: a trap


def test_unknown_intrinsic_is_rejected() -> None:
    wat = WAT.replace('"size"', '"nonsense"')
    with pytest.raises(InternalError, match="nonsense"):
        postprocess(decode_module(wasmtime.wat2wasm(wat)))


def test_wrong_intrinsic_signature_is_rejected() -> None:
    wat = WAT.replace("(func $size (result i32))", "(func $size (result i64))")
    wat = wat.replace('(func (export "pages") (result i32) (call $size))', "")
    with pytest.raises(InternalError, match="signature"):
        postprocess(decode_module(wasmtime.wat2wasm(wat)))
