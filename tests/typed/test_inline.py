"""Inline (unnamed) interfaces: a world importing `k: interface {...}` and
exporting `j: interface {...}` with a resource, in both core name conventions
(wit-component's `k`, `j#f`, `[export]j`; BuildTargets' `cm32p2|k`,
`cm32p2|j|f`, `cm32p2|_ex_j`), by a module that has no memory at all (nothing
in the world needs one) and no preview1 imports.  Written in WAT: the case
is about names, not about a compiler.
"""

from __future__ import annotations

import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest
import wasmtime
import wasmtime.component as wc

from toolchains.typed import wasm_tools

from . import oracle
from .oracle import PIPELINES

WIT = """
package test:inline@0.1.0;

world inline {
  import k: interface {
    double: func(x: u32) -> u32;
  }
  export j: interface {
    resource r {
      constructor(x: u32);
      get: func() -> u32;
    }
    twice: func(x: u32) -> u32;
    drops: func() -> u32;
  }
}
"""

NAMES = {
    "legacy": {
        "k": '"k"',
        "ex": '"[export]j"',
        "new": '"[resource-new]r"',
        "j": "j#",
        "dtor": '"j#[dtor]r"',
    },
    "cm32p2": {
        "k": '"cm32p2|k"',
        "ex": '"cm32p2|_ex_j"',
        "new": '"r_new"',
        "j": "cm32p2|j|",
        "dtor": '"cm32p2|j|r_dtor"',
    },
}


def wat(names: str) -> str:
    n = NAMES[names]
    j = n["j"]
    return f"""
(module
  (import {n["k"]} "double" (func $double (param i32) (result i32)))
  (import {n["ex"]} {n["new"]} (func $new (param i32) (result i32)))
  (global $drops (mut i32) (i32.const 0))
  (func (export "{j}twice") (param i32) (result i32)
    (call $double (call $double (local.get 0))))
  (func (export "{j}[constructor]r") (param i32) (result i32)
    (call $new (local.get 0)))
  (func (export "{j}[method]r.get") (param i32) (result i32) (local.get 0))
  (func (export {n["dtor"]}) (param i32)
    (global.set $drops (i32.add (global.get $drops) (i32.const 1))))
  (func (export "{j}drops") (result i32) (global.get $drops)))
"""


@cache
def module(names: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="typed-inline-") as tmp:
        wit, src, out = Path(tmp) / "w.wit", Path(tmp) / "m.wat", Path(tmp) / "m.wasm"
        wit.write_text(WIT)
        src.write_text(wat(names))
        subprocess.run(
            [wasm_tools(), "component", "embed", str(wit), "--world", "inline"]
            + [str(src), "-o", str(out)],
            capture_output=True,
            check=True,
        )
        return out.read_bytes()


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("names", sorted(NAMES))
def test_inline_interfaces(names: str, pipeline: str, jco_adapter: None) -> None:
    component = oracle.make_component(pipeline, module(names), "reactor")
    store = wasmtime.Store(oracle.engine())
    linker = wc.Linker(oracle.engine())
    doubled: list[int] = []

    def double(_: wasmtime.Store, x: int) -> int:
        doubled.append(x)
        return 2 * x

    with linker.root() as root, root.add_instance("k") as k:
        k.add_func("double", double)
    instance = linker.instantiate(store, oracle.compiled(component))
    j = instance.get_export_index(store, "j")
    assert j is not None

    def func(name: str) -> wc.Func:
        index = instance.get_export_index(store, name, j)
        assert index is not None, name
        found = instance.get_func(store, index)
        assert found is not None, name
        return found

    assert func("twice")(store, 5) == 20
    assert doubled == [5, 10]
    r = func("[constructor]r")(store, 7)
    assert func("[method]r.get")(store, r) == 7
    assert func("drops")(store) == 0
    r.drop(store)
    assert func("drops")(store) == 1


@pytest.mark.parametrize("names", sorted(NAMES))
def test_inline_world(names: str, jco_adapter: None) -> None:
    ours = oracle.component_wit(oracle.ours(module(names)))
    official = oracle.component_wit(oracle.official(module(names)), cache=True)
    assert oracle.normalize_world(ours) == oracle.normalize_world(official)
    assert "import k: interface" in official and "export j: interface" in official
