"""Build components with ComponentBuilder + WitEncoder and run them in wasmtime."""

from __future__ import annotations

from pathlib import Path

import wasmtime
import wasmtime.component as wc
from component_support import Wasi

from componentize.component import (
    ComponentBuilder,
    Sort,
    SortIdx,
    WitEncoder,
    component_exports,
    component_imports,
    core_modules,
    decode_component,
    encode_component,
    find_names,
)
from componentize.component import typedefs as t


def build_hello(wasi: Wasi, hello_module: bytes, memory_module: bytes) -> bytes:
    """The worked example of the report: WASI imports, a lowered write, a run export."""
    b = ComponentBuilder()
    w = WitEncoder(b)
    inst = w.import_interfaces(
        {
            wasi.stdout: ["get-stdout"],
            wasi.streams: ["[method]output-stream.blocking-write-and-flush"],
        }
    )
    mem_mod = b.core_module(memory_module)
    main_mod = b.core_module(hello_module)
    mem_inst = b.core_instantiate(mem_mod)
    memory = b.alias_core_memory(mem_inst, "memory")

    get_stdout = b.canon_lower(b.alias_func(inst[wasi.stdout], "get-stdout"))
    write_name = "[method]output-stream.blocking-write-and-flush"
    write = b.canon_lower(b.alias_func(inst[wasi.streams], write_name), memory=memory)
    drop = b.canon_resource_drop(w.component_type_of(wasi.output_stream))

    env = b.core_instance_from_exports({"memory": SortIdx(Sort.CORE_MEMORY, memory)})
    stdout_args = b.core_instance_from_exports({"get-stdout": SortIdx(Sort.CORE_FUNC, get_stdout)})
    streams_args = b.core_instance_from_exports(
        {
            write_name: SortIdx(Sort.CORE_FUNC, write),
            "[resource-drop]output-stream": SortIdx(Sort.CORE_FUNC, drop),
        }
    )
    main = b.core_instantiate(
        main_mod,
        {"env": env, "wasi:cli/stdout@0.2.0": stdout_args, "wasi:io/streams@0.2.0": streams_args},
    )
    run_fn = wasi.run.functions["run"]
    run = b.canon_lift(b.alias_core_func(main, "run"), w.func_type(run_fn))
    run_inst = b.instance_from_exports({"run": SortIdx(Sort.FUNC, run)})
    b.export(wasi.run.qualified_name(), Sort.INSTANCE, run_inst)
    b.names("hello", {Sort.CORE_MODULE: {mem_mod: "memory", main_mod: "main"}})
    return b.finish()


def run_component(engine: wasmtime.Engine, data: bytes, tmp_path: Path) -> tuple[object, str]:
    component = wc.Component(engine, data)
    linker = wc.Linker(engine)
    linker.add_wasip2()
    store = wasmtime.Store(engine)
    config = wasmtime.WasiConfig()
    out = tmp_path / "stdout.txt"
    config.stdout_file = str(out)
    store.set_wasi(config)
    instance = linker.instantiate(store, component)
    run_idx = component.get_export_index("wasi:cli/run@0.2.0")
    assert run_idx is not None
    func_idx = component.get_export_index("run", run_idx)
    assert func_idx is not None
    func = instance.get_func(store, func_idx)
    assert func is not None
    result = func(store)
    func.post_return(store)
    return result, out.read_text()


def test_hello_component_runs_under_wasip2(
    engine: wasmtime.Engine, wasi: Wasi, hello_module: bytes, memory_module: bytes, tmp_path: Path
) -> None:
    data = build_hello(wasi, hello_module, memory_module)
    result, out = run_component(engine, data, tmp_path)
    assert out == "hello from a component\n"
    assert getattr(result, "tag", None) == "ok"


def test_hello_component_round_trips_byte_identical(
    wasi: Wasi, hello_module: bytes, memory_module: bytes
) -> None:
    data = build_hello(wasi, hello_module, memory_module)
    decoded = decode_component(data)
    assert encode_component(decoded) == data
    assert decode_component(encode_component(decoded)) == decoded


def test_hello_component_summary(wasi: Wasi, hello_module: bytes, memory_module: bytes) -> None:
    c = decode_component(build_hello(wasi, hello_module, memory_module))
    # dependencies first: streams uses wasi:io/error's resource, stdout uses streams'
    assert component_imports(c) == [
        ("wasi:io/error@0.2.0", "instance"),
        ("wasi:io/streams@0.2.0", "instance"),
        ("wasi:cli/stdout@0.2.0", "instance"),
    ]
    assert component_exports(c) == [("wasi:cli/run@0.2.0", "instance")]
    sizes = [m.size for m in core_modules(c)]
    assert sizes == [len(memory_module), len(hello_module)]
    names = find_names(c)
    assert names is not None
    assert names.component == "hello"
    assert names.sorts[Sort.CORE_MODULE] == {0: "memory", 1: "main"}


def test_broken_write_reports_error_variant(
    engine: wasmtime.Engine, wasi: Wasi, memory_module: bytes, tmp_path: Path
) -> None:
    """The lifted result really comes from the core function: a module that
    returns 1 yields `err`, so the ok above is not an artefact."""
    failing = bytes(wasmtime.wat2wasm('(module (func (export "run") (result i32) i32.const 1))'))
    b = ComponentBuilder()
    w = WitEncoder(b)
    inst = b.core_instantiate(b.core_module(failing))
    run = b.canon_lift(b.alias_core_func(inst, "run"), w.func_type(wasi.run.functions["run"]))
    b.export(
        "wasi:cli/run@0.2.0",
        Sort.INSTANCE,
        b.instance_from_exports({"run": SortIdx(Sort.FUNC, run)}),
    )
    result, out = run_component(engine, b.finish(), tmp_path)
    assert out == ""
    assert getattr(result, "tag", None) == "err"


def test_nested_component_instantiated_and_reexported(engine: wasmtime.Engine) -> None:
    """Nested component section, instantiate, alias export and a typed export."""
    answer = bytes(wasmtime.wat2wasm('(module (func (export "f") (result i32) i32.const 42))'))
    inner = ComponentBuilder()
    core = inner.core_instantiate(inner.core_module(answer))
    u32_fn = inner.type(t.FuncType((), "u32"))
    lifted = inner.canon_lift(inner.alias_core_func(core, "f"), u32_fn)
    inner.export("answer", Sort.FUNC, lifted, t.FuncExtern(u32_fn))

    outer = ComponentBuilder()
    comp = outer.component(inner.build())
    inst = outer.instantiate(comp)
    func = outer.alias_func(inst, "answer")
    outer.export("the-answer", Sort.FUNC, func)
    data = outer.finish()
    assert encode_component(decode_component(data)) == data

    component = wc.Component(engine, data)
    store = wasmtime.Store(engine)
    instance = wc.Linker(engine).instantiate(store, component)
    f = instance.get_func(store, "the-answer")
    assert f is not None
    assert f(store) == 42
