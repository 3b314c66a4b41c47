"""Modules that import WASI 0.2 functions directly, without a world section.

Their canonical ABI names (`wasi:cli/stdout@0.2.0`.`get-stdout`, or
`cm32p2|wasi:cli/stdout@0.2`) are bound to our bundled WASI WIT at the
lowest WASI 0.2.N that has them (assemble/direct_wasi.py); `wasm-tools
component new` refuses such modules, so the expected results are stated
here.  Every component is run under wasmtime, and the printing one under
jco/Node as well.
"""

from __future__ import annotations

import pytest
import wasmtime

from componentize.assemble import Options, componentize
from componentize.component import component_imports, decode_component
from componentize.errors import ComponentizeError
from componentize.run import run_component
from tests.needs import needs
from toolchains import jco

MEMORY = '(memory (export "memory") 1)'
START = '(func (export "_start"))'

# Prints "direct\n" through wasi:cli/stdout and wasi:io/streams alone.
PRINTS = """(module
  (import "wasi:cli/stdout@0.2.0" "get-stdout" (func $get (result i32)))
  (import "wasi:io/streams@0.2.0" "[resource-drop]output-stream" (func $drop (param i32)))
  (import "wasi:io/streams@0.2.0" "[method]output-stream.blocking-write-and-flush"
    (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "direct\\n")
  (func (export "_start") (local $out i32)
    (local.set $out (call $get))
    (call $write (local.get $out) (i32.const 100) (i32.const 7) (i32.const 200))
    (call $drop (local.get $out))))"""

# The same through BuildTargets.md's names, with a preview1 proc_exit too.
PRINTS_TARGET = """(module
  (import "cm32p2|wasi:cli/stdout@0.2" "get-stdout" (func $get (result i32)))
  (import "cm32p2|wasi:io/streams@0.2" "output-stream_drop" (func $drop (param i32)))
  (import "cm32p2|wasi:io/streams@0.2" "[method]output-stream.blocking-write-and-flush"
    (func $write (param i32 i32 i32 i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "target\\n")
  (func (export "_start") (local $out i32)
    (local.set $out (call $get))
    (call $write (local.get $out) (i32.const 100) (i32.const 7) (i32.const 200))
    (call $drop (local.get $out))
    (call $exit (i32.const 5))))"""


def build(wat: str) -> bytes:
    return componentize(bytes(wasmtime.wat2wasm(wat)), Options(source="direct.wat")).component


def imported_interfaces(component: bytes) -> list[str]:
    return [name for name, _ in component_imports(decode_component(component))]


def test_a_module_printing_through_wasi_0_2_runs() -> None:
    component = build(PRINTS)
    result = run_component(component, capture=True)
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"direct\n", b"")
    # exactly what it uses, at the version it names
    assert imported_interfaces(component) == [
        "wasi:io/error@0.2.0",
        "wasi:io/streams@0.2.0",
        "wasi:cli/stdout@0.2.0",
    ]


@needs(jco.unavailable_reason() is None, f"jco/Node: {jco.unavailable_reason()}")
def test_a_module_printing_through_wasi_0_2_runs_under_jco() -> None:
    result = jco.run_component_jco(build(PRINTS))
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"direct\n", b"")


def test_build_target_names_and_preview1_share_one_import_each() -> None:
    component = build(PRINTS_TARGET)
    result = run_component(component, capture=True)
    assert (result.exit_code, result.stdout) == (5, b"target\n")
    names = imported_interfaces(component)
    assert len(names) == len(set(names))
    assert any(n.startswith("wasi:cli/stdout@") for n in names)


def test_the_lowest_version_that_has_the_function_is_taken() -> None:
    # exit-with-code is newer than 0.2.0; `@0.2` names no patch
    component = build(
        f"""(module (import "cm32p2|wasi:cli/exit@0.2" "exit-with-code" (func $e (param i32)))
          {MEMORY} (func (export "_start") (call $e (i32.const 7))))"""
    )
    assert run_component(component, capture=True).exit_code == 7
    exit_import = next(n for n in imported_interfaces(component) if n.startswith("wasi:cli/exit"))
    assert exit_import != "wasi:cli/exit@0.2.0"


def test_interfaces_named_at_different_versions() -> None:
    component = build(
        f"""(module
          (import "wasi:random/random@0.2.3" "get-random-u64" (func $r (result i64)))
          (import "wasi:clocks/monotonic-clock@0.2.0" "now" (func $n (result i64)))
          {MEMORY} (func (export "_start") (drop (call $r)) (drop (call $n))))"""
    )
    assert run_component(component, capture=True).exit_code == 0
    assert "wasi:random/random@0.2.3" in imported_interfaces(component)


@pytest.mark.parametrize(
    ("imports", "message"),
    [
        (
            '(import "wasi:random/random@0.2.0" "get-random-u64" (func (result i32)))',
            r"get-random-u64.* has core type \(\) -> \(i32\), but the world's type flattens "
            r"to \(\) -> \(i64\)",
        ),
        (
            '(import "wasi:random/random@0.2.0" "get-random-xyz" (func (result i64)))',
            r"imports `get-random-xyz` from `wasi:random/random@0\.2\.0`, which has no such "
            r"function \(up to WASI 0\.2\.12\)",
        ),
        (
            '(import "wasi:random/nope@0.2.0" "f" (func))',
            r"imports func `wasi:random/nope@0\.2\.0\.f`, which no WASI host provides",
        ),
        (
            '(import "wasi:random/random@0.2.99" "get-random-u64" (func (result i64)))',
            r"wasi:random/random@0\.2\.99\.get-random-u64",
        ),
        (
            '(import "wasi:random/random@0.2.0" "get-random-u64" (func (result i64)))'
            '(import "$root" "greet" (func))',
            r"imports `greet` from `\$root`, a function of its own world, but the module "
            r"carries no world",
        ),
    ],
    ids=["wrong-signature", "unknown-function", "unknown-interface", "newer-version", "world-fn"],
)
def test_what_cannot_be_bound_is_refused_by_name(imports: str, message: str) -> None:
    with pytest.raises(ComponentizeError, match=message) as refused:
        build(f"(module {imports} {MEMORY} {START})")
    assert "direct.wat: import " in str(refused.value)
    assert len(str(refused.value).splitlines()) <= 2
