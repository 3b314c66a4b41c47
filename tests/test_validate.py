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


def _export_types(module: wasm.Module) -> dict[str, object]:
    """Each export's name -> (kind, its function type when a function)."""
    funcs = [i.desc.type_index for i in module.imports if isinstance(i.desc, wasm.FuncDesc)]
    funcs += module.functions
    return {
        e.name: (e.kind, funcs[e.index] if e.kind == "func" else e.index) for e in module.exports
    }


def test_skeleton_keeps_the_interface_and_drops_the_code() -> None:
    data = HELLO.read_bytes()
    module = wasm.decode_module(data)
    small = wasm.decode_module(skeleton(data))
    assert small.imports == module.imports and small.types == module.types
    assert _export_types(small) == _export_types(module)
    # only exported functions are defined (hello: _start), each one trapping
    exported = {e.index for e in module.exports if e.kind == "func"}
    assert len(small.functions) == len(exported) < len(module.functions)
    assert not small.datas and not small.customs and not small.elements
    assert small.start is None
    assert all(code.code == b"\x00\x0b" for code in small.codes)
    wasmtime.Module.validate(wasmtime.Engine(), skeleton(data))
    assert len(skeleton(data)) < len(data)


def test_skeleton_keeps_every_function_when_an_initializer_names_one() -> None:
    # `ref.func` in a global's initializer names a function by index
    data = bytes(
        wasmtime.wat2wasm(
            """(module
              (func $a) (func $b (export "b") (param i32))
              (global (export "g") funcref (ref.func $a)))"""
        )
    )
    module, small = wasm.decode_module(data), wasm.decode_module(skeleton(data))
    assert small.functions == module.functions and small.globals == module.globals
    assert _export_types(small) == _export_types(module)
    wasmtime.Module.validate(wasmtime.Engine(), skeleton(data))


def test_an_export_of_a_function_twice_keeps_one_definition() -> None:
    data = bytes(
        wasmtime.wat2wasm(
            """(module (import "m" "f" (func (param i64)))
              (func $x (result i32) i32.const 1)
              (export "one" (func $x)) (export "two" (func $x)) (export "imp" (func 0)))"""
        )
    )
    module, small = wasm.decode_module(data), wasm.decode_module(skeleton(data))
    assert len(small.functions) == 1
    assert _export_types(small) == _export_types(module)
    wasmtime.Module.validate(wasmtime.Engine(), skeleton(data))
