"""Reactors: `_initialize` runs exactly once, when the component is instantiated."""

from __future__ import annotations

from pathlib import Path

import wasmtime
from wasmtime import component as wc

from componentize import component
from componentize.assemble import componentize
from componentize.assemble.plan import REACTOR_WARNING

REACTOR = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "initialized\\n")
  (func (export "_initialize")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 12))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
"""


def _instantiate(data: bytes, tmp_path: Path) -> bytes:
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    config = wasmtime.WasiConfig()
    out = tmp_path / "stdout"
    config.stdout_file = str(out)
    store.set_wasi(config)
    linker = wc.Linker(engine)
    linker.add_wasip2()
    linker.instantiate(store, wc.Component(engine, data))
    store.close()
    return out.read_bytes()


def test_initialize_runs_once_at_instantiation(tmp_path: Path) -> None:
    result = componentize(wasmtime.wat2wasm(REACTOR))
    assert result.plan.kind == "reactor"
    assert REACTOR_WARNING in result.warnings
    assert _instantiate(result.component, tmp_path) == b"initialized\n"
    decoded = component.decode_component(result.component)
    assert component.component_exports(decoded) == []


def test_reactor_without_initialize(tmp_path: Path) -> None:
    wat = REACTOR.replace('(export "_initialize")', "")
    assert _instantiate(componentize(wasmtime.wat2wasm(wat)).component, tmp_path) == b""
