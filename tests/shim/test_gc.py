"""gc on the real shim, and the shim's contract (imports, exports, signatures)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import wasmtime

from componentize.shim import (
    PREVIEW0,
    PREVIEW0_FUNCTIONS,
    PREVIEW1,
    PREVIEW1_FUNCTIONS,
    gc,
    load_shim,
    load_shim_module,
    shim_export,
    shim_exports,
    signature,
    wasi_imports,
)
from componentize.shim.catalog import PREVIEW0_DIFFERS
from componentize.shim.contract import (
    INIT_EXPORT,
    MEMORY_GROW_TYPE,
    SHIM_MEMORY_GROW_IMPORT,
    SHIM_STACK_POINTER_IMPORT,
)
from componentize.wasm.decode import decode_module
from componentize.wasm.encode import encode_module
from componentize.wasm.model import FuncType, GlobalType
from componentize.wasm.portable import js_host_problems
from componentize.wasm.query import func_type
from componentize.wasm.skeleton import UNREACHABLE


def engine() -> wasmtime.Engine:
    cfg = wasmtime.Config()
    cfg.wasm_multi_memory = True
    return wasmtime.Engine(cfg)


def gc_bytes(keep: set[str]) -> bytes:
    out = encode_module(gc(load_shim_module(), keep))
    wasmtime.Module(engine(), out)  # validates
    return out


def interfaces(data: bytes) -> set[str]:
    return {iface.partition("@")[0] for iface, _ in wasi_imports(decode_module(data))}


def test_fd_write_and_proc_exit_import_only_stdio_streams_exit() -> None:
    got = interfaces(gc_bytes({"fd_write", "proc_exit"}))
    assert "wasi:cli/exit" in got and "wasi:io/streams" in got
    assert got <= {
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:io/streams",
        "wasi:io/error",
        "wasi:cli/exit",
    }


def test_sched_yield_only_is_tiny_and_imports_no_wasi() -> None:
    data = gc_bytes({"sched_yield"})
    assert interfaces(data) == set()
    assert len(data) < 1000
    exports = {e.name for e in decode_module(data).exports}
    assert exports == {"sched_yield", "cabi_realloc", INIT_EXPORT}


@pytest.mark.parametrize("name", sorted(shim_exports(load_shim_module())))
def test_each_export_alone_validates(name: str) -> None:
    m = decode_module(gc_bytes({name}))
    assert m.start is None and INIT_EXPORT in {e.name for e in m.exports}
    assert [(i.module, i.name) for i in m.imports if i.kind == "memory"] == [
        ("env", "memory"),
        ("componentize:guest", "memory"),
    ]
    assert js_host_problems(m) == []  # jco transpiles it


def test_gc_keeps_everything_when_asked_and_is_deterministic() -> None:
    full = load_shim_module()
    everything = set(shim_exports(full))
    a = gc_bytes(everything)
    assert a == gc_bytes(everything)
    assert wasi_imports(decode_module(a)) == wasi_imports(full)
    assert len(decode_module(a).codes) == len(full.codes)


def test_gc_unknown_export_is_a_bug() -> None:
    from componentize.errors import InternalError

    with pytest.raises(InternalError):
        gc(load_shim_module(), {"no_such_function"})


def test_only_run_imports_the_start_table() -> None:
    assert any(i.name == "start-table" for i in decode_module(gc_bytes({"run"})).imports)
    assert not any(i.name == "start-table" for i in decode_module(gc_bytes({"fd_write"})).imports)


def test_exports_have_the_spec_signatures() -> None:
    m = load_shim_module()
    for e in m.exports:
        ft = func_type(m, e.index)
        got = (tuple(ft.params), tuple(ft.results))
        if e.name == "cabi_realloc":
            assert got == (("i32",) * 4, ("i32",))
        elif e.name == INIT_EXPORT:
            assert got == ((), ())
        elif e.name == "run":
            assert got == ((), ("i32",))
        else:
            module, sep, name = e.name.rpartition("#")
            if not sep:
                module, name = PREVIEW1, e.name.replace("_ok_err", "")
            sig = signature(module, name)
            assert sig is not None, e.name
            assert got == (sig.params, sig.results), e.name


def test_preview0_entry_points_are_exactly_the_differing_functions() -> None:
    exports = set(shim_exports(load_shim_module()))
    p0 = {n.removeprefix(f"{PREVIEW0}#") for n in exports if n.startswith(f"{PREVIEW0}#")}
    assert p0 == set(PREVIEW0_DIFFERS)
    for name in PREVIEW0_FUNCTIONS:
        assert shim_export(PREVIEW0, name) in exports, name
        want = f"{PREVIEW0}#{name}" if name in PREVIEW0_DIFFERS else name
        assert shim_export(PREVIEW0, name) == want
    assert signature(PREVIEW0, "sock_accept") is None


def test_preview0_gc_keeps_what_the_preview1_paths_need() -> None:
    # fd_seek reaches file seeking only through path_open's weak edge; a
    # preview0 module gets path_open from the preview1 export.
    keep = {shim_export(PREVIEW0, n) for n in ("fd_seek", "path_open", "fd_filestat_get")}
    m = decode_module(gc_bytes(keep))
    assert "wasi:filesystem/types" in {i.partition("@")[0] for i, _ in wasi_imports(m)}
    alone = decode_module(gc_bytes({shim_export(PREVIEW0, "fd_seek")}))
    assert "wasi:filesystem/types" not in {i.partition("@")[0] for i, _ in wasi_imports(alone)}


def test_shim_shape() -> None:
    m = decode_module(load_shim())
    assert not m.datas and not m.memories and not m.tables
    assert not m.globals and m.start is None
    assert js_host_problems(m) == []  # jco transpiles it although it has two memories
    imports = {(i.module, i.name): i for i in m.imports}
    assert imports[SHIM_STACK_POINTER_IMPORT].desc == GlobalType("i32", mutable=True)
    grow = [i for i in m.imports if i.kind == "func"].index(imports[SHIM_MEMORY_GROW_IMPORT])
    assert func_type(m, grow) == MEMORY_GROW_TYPE
    assert INIT_EXPORT in {e.name for e in m.exports}
    assert INIT_EXPORT not in shim_exports(m)
    assert all(not i.module.startswith("componentize:guest") or i.kind != "func" for i in m.imports)
    assert [c.name for c in m.customs] == ["name"]  # names for traps; no producers
    assert all(isinstance(t, FuncType) for t in m.types)
    assert len(PREVIEW1_FUNCTIONS) == 46


def test_padded_lebs_in_a_body_are_renumbered_too() -> None:
    # `call 2` with its index as a 5-byte LEB (as wasm-ld writes relocations):
    # the function cut around its calls cannot reuse the bytes as they are.
    wat = """(module
      (func $unused (result i32) i32.const 7)
      (func $callee (result i32) i32.const 42)
      (func (export "f") (result i32) call $callee)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0))"""
    module = decode_module(wasmtime.wat2wasm(wat))
    f = module.codes[2]
    assert f.code == b"\x10\x01\x0b"
    module.codes[2] = replace(f, code=b"\x10\x81\x80\x80\x80\x00\x0b")
    out = encode_module(gc(module, {"f"}))
    store = wasmtime.Store(engine())
    instance = wasmtime.Instance(store, wasmtime.Module(store.engine, out), [])
    f_export = instance.exports(store)["f"]
    assert isinstance(f_export, wasmtime.Func)
    assert f_export(store) == 42
    assert len(decode_module(out).codes) == 3  # $unused is gone, the call renumbered


def test_a_cut_weak_edge_is_a_trap_without_locals() -> None:
    """fd_seek alone reaches file seeking only through path_open's weak edge:
    gc keeps the function (fd_seek calls it) with a trapping body and no
    local declarations, which nothing could use."""
    m = decode_module(gc_bytes({"fd_seek"}))
    names = next(c for c in m.customs if c.name == "name")
    from componentize.wasm.names import decode_name_section

    functions = decode_name_section(names.data).functions
    first = sum(1 for i in m.imports if i.kind == "func")
    weak = [f for f, n in functions.items() if n.startswith("weak_path_open__") and f >= first]
    assert weak, functions
    for f in weak:
        code = m.codes[f - first]
        assert code.locals == [] and code.code == UNREACHABLE
