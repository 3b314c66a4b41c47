"""Fixtures for the component layer tests: the WIT slice from
component_support and core modules made with wat2wasm."""

from __future__ import annotations

import pytest
import wasmtime
from component_support import Wasi, build_wasi


@pytest.fixture
def wasi() -> Wasi:
    return build_wasi()


# A core module that writes a greeting through lowered WASI functions.  Its
# memory is imported: the lowered write needs a memory before the module exists.
HELLO_WAT = """
(module
  (import "env" "memory" (memory 1))
  (import "wasi:cli/stdout@0.2.0" "get-stdout" (func $get_stdout (result i32)))
  (import "wasi:io/streams@0.2.0" "[method]output-stream.blocking-write-and-flush"
    (func $write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.0" "[resource-drop]output-stream" (func $drop (param i32)))
  (data (i32.const 16) "hello from a component\\n")
  (func (export "run") (result i32)
    (local $s i32)
    (local.set $s (call $get_stdout))
    (call $write (local.get $s) (i32.const 16) (i32.const 23) (i32.const 64))
    (call $drop (local.get $s))
    ;; result<_, _>: 0 = ok; fail if the write failed
    (i32.load8_u (i32.const 64))))
"""
MEMORY_WAT = '(module (memory (export "memory") 1))'


@pytest.fixture(scope="session")
def engine() -> wasmtime.Engine:
    return wasmtime.Engine()


@pytest.fixture(scope="session")
def hello_module() -> bytes:
    return bytes(wasmtime.wat2wasm(HELLO_WAT))


@pytest.fixture(scope="session")
def memory_module() -> bytes:
    return bytes(wasmtime.wat2wasm(MEMORY_WAT))
