"""Module shapes that real toolchains emit and that componentize must handle
or refuse precisely: repeated imports (Go), threads, runtime imports of
toolchains that target JavaScript, exit codes a component cannot report."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime
from harness import assert_same, differential

from componentize import wasm
from componentize.assemble import Options, componentize
from componentize.assemble.adapter import adapt
from componentize.errors import UnsupportedModuleError
from componentize.run import run_component
from tests.needs import needs
from toolchains import jco

P1 = "wasi_snapshot_preview1"
FD_WRITE = "(param i32 i32 i32 i32) (result i32)"


HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello.wasm"


def _wat(text: str) -> bytes:
    return bytes(wasmtime.wat2wasm(text))


def test_repeated_preview1_imports_run_as_natively() -> None:
    # Go imports every preview1 function once per package declaring it.
    module = _wat(
        f"""(module
      (import "{P1}" "fd_write" (func $w1 {FD_WRITE}))
      (import "{P1}" "proc_exit" (func $exit1 (param i32)))
      (import "{P1}" "fd_write" (func $w2 {FD_WRITE}))
      (import "{P1}" "fd_write" (func $w3 {FD_WRITE}))
      (import "{P1}" "proc_exit" (func $exit2 (param i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "one\\ntwo\\n")
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 4))
        (drop (call $w1 (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 0) (i32.const 20))
        (drop (call $w2 (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
        (call $exit2 (i32.const 5))))"""
    )
    d = differential(module, componentize(module).component)
    assert_same(d)
    assert (d.component.exit_code, d.component.stdout, d.component.stderr) == (
        5,
        b"one\n",
        b"two\n",
    )


def test_a_renamed_repeat_does_not_clash_with_an_existing_name() -> None:
    # `fd_write~1` is taken by an unknown function: refused by name, never
    # an internal error.
    module = _wat(f"""(module
      (import "{P1}" "fd_write" (func {FD_WRITE}))
      (import "{P1}" "fd_write~1" (func {FD_WRITE}))
      (import "{P1}" "fd_write" (func {FD_WRITE}))
      (memory (export "memory") 1) (func (export "_start")))""")
    with pytest.raises(UnsupportedModuleError, match="`fd_write~1` is not a function"):
        componentize(module)


def test_wasi_threads_are_refused() -> None:
    module = _wat("""(module
      (import "wasi" "thread-spawn" (func (param i32) (result i32)))
      (memory (export "memory") 1) (func (export "_start")))""")
    with pytest.raises(UnsupportedModuleError, match="wasi.thread-spawn") as refused:
        componentize(module)
    assert "no threads" in str(refused.value)


def _shared(module: bytes) -> bytes:
    """`module` with its memory shared (as an atomics build declares it)."""
    decoded = wasm.decode_module(module)
    memory = decoded.memories[0]
    memory.shared, memory.max = True, memory.max or 65536
    return wasm.encode_module(decoded)


def test_a_shared_memory_runs_single_threaded_as_natively() -> None:
    # a build with atomics but no thread-spawn runs on one thread either way
    module = _shared(HELLO.read_bytes())
    d = differential(module, componentize(module).component, args=["shared", "memory"])
    assert_same(d)
    assert d.component.exit_code == 0 and b"argv[2] = memory" in d.component.stdout


@needs(jco.unavailable_reason() is None, f"jco/Node: {jco.unavailable_reason()}")
def test_a_shared_memory_runs_under_jco() -> None:
    module = _shared(HELLO.read_bytes())
    d = differential(
        module, componentize(module).component, args=["x"], component_runner=jco.run_component_jco
    )
    assert_same(d)


def test_a_shared_memory_is_refused_where_the_canonical_abi_would_use_it() -> None:
    world_fn = _shared(
        _wat("""(module (import "wasi:random/random@0.2.0" "get-random-u64" (func (result i64)))
          (memory (export "memory") 1) (func (export "_start")))""")
    )
    with pytest.raises(UnsupportedModuleError, match="memory is shared, and the canonical ABI"):
        componentize(world_fn)
    abort = _shared(
        _wat(f"""(module (import "env" "abort" (func (param i32 i32 i32 i32)))
          (import "{P1}" "fd_write" (func {FD_WRITE}))
          (memory (export "memory") 1) (func (export "_start")))""")
    )
    with pytest.raises(UnsupportedModuleError, match="AssemblyScript abort rule writes"):
        componentize(abort)
    trapping = Options(builtin_rules=False, import_rules=("env.abort=trap",))
    assert run_component(componentize(abort, trapping).component).exit_code == 0
    reads = _shared(
        _wat(f"""(module (import "{P1}" "fd_read" (func {FD_WRITE}))
          (import "{P1}" "path_open"
            (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (memory (export "memory") 1) (func (export "_start")))""")
    )
    # found by the fuzz run: the direct reads' lowering on a shared memory
    # was an internal error
    with pytest.raises(UnsupportedModuleError, match="the shim's file reads are lowered"):
        componentize(reads)
    with pytest.raises(UnsupportedModuleError, match="an adapter imports a memory that is not"):
        adapt(_shared(HELLO.read_bytes()), {P1: b"\0asm"}, Options())


def test_extra_imported_memories_are_defined_by_the_module() -> None:
    # the component supplies memory 0 (preview1's); memories 1 and 2 become
    # the module's own, at the same indices, with their limits and data
    module = _wat(f"""(module
      (import "{P1}" "fd_write" (func $w {FD_WRITE}))
      (import "env" "memory" (memory 1))
      (import "env" "m1" (memory 1 2))
      (import "env" "m2" (memory 2))
      (memory 3)
      (data (memory 1) (i32.const 16) "one\\n")
      (data (memory 2) (i32.const 16) "two\\n")
      (func (export "_start")
        (memory.copy 0 1 (i32.const 16) (i32.const 16) (i32.const 4))
        (memory.copy 0 2 (i32.const 20) (i32.const 16) (i32.const 4))
        (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 8))
        (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 0) (i32.add (memory.size 1) (memory.size 2)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (memory.size 3)))
        (if (i32.ne (i32.load (i32.const 0)) (i32.const 6)) (then unreachable))))""")
    result = run_component(componentize(module).component, capture=True)
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"one\ntwo\n", b"")


@pytest.mark.parametrize(
    ("imports", "toolchain", "hint"),
    [
        (
            '(import "env" "abort" (func (param i32 i32 i32 i32)))',
            "AssemblyScript",
            "@assemblyscript/wasi-shim",
        ),
        (
            '(import "env" "emscripten_notify_memory_growth" (func (param i32)))',
            "Emscripten",
            "ALLOW_MEMORY_GROWTH",
        ),
        (
            '(import "env" "emscripten_memcpy_big" (func (param i32 i32 i32) (result i32)))',
            "Emscripten",
            "STANDALONE_WASM",
        ),
        ('(import "gojs" "runtime.wasmExit" (func (param i32)))', "Go", "GOOS=wasip1"),
    ],
)
def test_runtime_imports_name_their_toolchain(imports: str, toolchain: str, hint: str) -> None:
    # (without the built-in import rules, which serve the first two)
    module = _wat(f'(module {imports} (memory (export "memory") 1) (func (export "_start")))')
    with pytest.raises(UnsupportedModuleError) as refused:
        componentize(module, Options(builtin_rules=False))
    message = str(refused.value)
    assert f"({toolchain}'s runtime)" in message and hint in message


def test_unknown_env_imports_get_the_generic_hint() -> None:
    module = _wat('(module (import "env" "helper" (func)) (func (export "_start")))')
    with pytest.raises(UnsupportedModuleError, match="link that dependency"):
        componentize(module)


def test_proc_exit_above_255_traps_with_the_reason() -> None:
    module = _wat(f"""(module (import "{P1}" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 300))))""")
    result = run_component(componentize(module).component)
    assert result.outcome == "trap"
    assert "proc exit code above 255 is not supported" in result.message


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        ("prebuilt/assemblyscript/no-wasi-shim.wasm", "@assemblyscript/wasi-shim"),
        ("real/emscripten/memory_growth.wasm", "-sALLOW_MEMORY_GROWTH"),
    ],
)
def test_real_modules_with_runtime_imports_are_refused_with_the_fix(path: str, hint: str) -> None:
    # (with --no-builtin-rules; tests/e2e/test_import_rules.py runs them served)
    with pytest.raises(UnsupportedModuleError) as refused:
        componentize((FIXTURES / path).read_bytes(), Options(builtin_rules=False))
    assert hint in str(refused.value)


def test_a_multi_memory_module_runs_and_is_told_js_hosts_refuse_it() -> None:
    module = _wat(f"""(module (import "{P1}" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1) (memory $two 1)
      (func (export "_start")
        (memory.copy $two 0 (i32.const 0) (i32.const 0) (i32.const 4))
        (call $exit (i32.load $two (i32.const 0)))))""")
    result = componentize(module)
    assert any("JS hosts" in w and "memory section" in w for w in result.warnings)
    d = differential(module, result.component)
    assert_same(d)


@pytest.mark.parametrize(
    ("export", "signature"),
    [("_start", "(param i32)"), ("_initialize", "(result i32)"), ("_start", "(result i64)")],
)
def test_entry_points_of_another_type_are_refused(export: str, signature: str) -> None:
    # Valid modules; before, they ended in an internal error at validation.
    body = "i32.const 0" if "i32)" in signature and "result" in signature else ""
    body = "i64.const 0" if "i64" in signature else body
    module = _wat(f"""(module (memory (export "memory") 1)
      (func (export "{export}") {signature} {body}))""")
    with pytest.raises(UnsupportedModuleError, match=f"exports `{export}` with type") as refused:
        componentize(module)
    assert "() -> ()" in str(refused.value)


def test_a_malformed_producers_section_is_ignored_with_a_warning() -> None:
    # hosts never read it, so the module runs: keep it, warn, go on
    from componentize.assemble.embed import custom_section

    module = (FIXTURES.parent.parent / "examples" / "hello.wasm").read_bytes()
    result = componentize(module + custom_section("producers", b"\x05garbage"))
    assert result.warnings[0].startswith("ignoring a malformed producers section")
    assert b"Hello" in (run_component(result.component).stdout or b"")


def test_a_preview1_import_typed_in_a_rec_group_is_refused() -> None:
    module = _wat(f"""(module
      (rec (type (func (param i32 i32 i32 i32) (result i32))) (type (struct)))
      (import "{P1}" "fd_write" (func (type 0)))
      (memory (export "memory") 1) (func (export "_start")))""")
    with pytest.raises(UnsupportedModuleError, match="recursive type group"):
        componentize(module)
