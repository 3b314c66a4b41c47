"""The check `new` runs on its output (`assemble.validate`): cheap (the
component is compiled with skeleton modules), and still catching what a
broken layout would produce, at the component level and inside a module."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from componentize import wasm
from componentize.assemble import Options, componentize, validate
from componentize.component import ComponentBuilder
from componentize.errors import InternalError
from componentize.run import run_component
from componentize.wasm.skeleton import skeleton

HELLO = Path(__file__).resolve().parent.parent / "examples" / "hello.wasm"


def component_with(module: bytes) -> bytes:
    b = ComponentBuilder()
    index = b.core_module(module)
    b.core_instantiate(index)
    return b.finish()


def test_a_good_component_passes_and_runs() -> None:
    component = componentize(HELLO.read_bytes(), Options(validate=False)).component
    validate(component)
    assert run_component(component, capture=True).exit_code == 0


def test_an_invalid_body_inside_a_module_is_caught() -> None:
    # the skeleton would hide it: each module is validated on its own first
    bad = wasmtime.wat2wasm('(module (func (export "f") (result i32) (i64.const 1)))')
    with pytest.raises(InternalError, match="core module"):
        validate(component_with(bytes(bad)))


def test_a_component_level_error_is_caught() -> None:
    # instantiating a module that needs an import, with no arguments
    needs = wasmtime.wat2wasm('(module (import "env" "f" (func)))')
    with pytest.raises(InternalError, match="rejects the component"):
        validate(component_with(bytes(needs)))


def test_skeleton_keeps_the_interface_and_drops_the_code() -> None:
    data = HELLO.read_bytes()
    module = wasm.decode_module(data)
    small = wasm.decode_module(skeleton(data))
    assert small.imports == module.imports and small.exports == module.exports
    assert small.functions == module.functions and small.types == module.types
    assert not small.datas and not small.customs
    assert all(code.code == b"\x00\x0b" for code in small.codes)
    wasmtime.Module.validate(wasmtime.Engine(), skeleton(data))
    assert len(skeleton(data)) < len(data)
