"""File reads that the host writes straight into the guest's buffer.

A `fd_read` of 256 bytes or more is lowered on the guest's memory: the host
writes the bytes into the buffer itself, and the 16-byte result record into
guest bytes next to it (after it, or before it at the end of memory), which
the shim saves and restores (shims/preview1/file.c `read_direct`).  Here a
module reads into buffers where the record must go after, before, or
nowhere (the copying path), then writes its whole memory to stdout: native
preview1 and the component, under wasmtime and jco, must leave every byte
the same.
"""

from __future__ import annotations

import pytest
import wasmtime
from harness import assert_same, differential

from componentize.assemble import componentize
from tests.needs import needs
from toolchains import jco

P1 = "wasi_snapshot_preview1"
END = 2 * 65536  # two pages
FILE = bytes(range(256)) * 4  # 1,024 bytes

PROGRAM = f"""(module
  (import "{P1}" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "{P1}" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "{P1}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; one iovec at 0x9000: (ptr, len); counts and the fd at 0x9010..
  (func $read_into (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0x9000) (local.get $ptr))
    (i32.store (i32.const 0x9004) (local.get $len))
    (if (call $read (local.get $fd) (i32.const 0x9000) (i32.const 1) (i32.const 0x9010))
      (then unreachable)))
  (func (export "_start") (local $fd i32)
    ;; a pattern everywhere, so a stray or unrestored write shows
    (memory.fill (i32.const 0) (i32.const 0xa5) (i32.const {END}))
    (i64.store (i32.const 0x8000) (i64.const 0x6e69622e61746164))  ;; "data.bin"
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 0x8000) (i32.const 8) (i32.const 0)
          (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x9020))
      (then unreachable))
    (local.set $fd (i32.load (i32.const 0x9020)))
    ;; the record fits after the buffer
    (call $read_into (local.get $fd) (i32.const 0x1000) (i32.const 300))
    ;; the buffer ends at the end of memory: the record goes before it
    (call $read_into (local.get $fd) (i32.const {END - 400}) (i32.const 400))
    ;; neither: from address 4 to the end (the copying path); 324 bytes left
    (call $read_into (local.get $fd) (i32.const 4) (i32.const {END - 4}))
    ;; everything, to stdout (the iovec, counts and fd were overwritten alike)
    (i32.store (i32.const 0x9000) (i32.const 0))
    (i32.store (i32.const 0x9004) (i32.const {END}))
    (drop (call $write (i32.const 1) (i32.const 0x9000) (i32.const 1) (i32.const 0x9010)))))"""


@pytest.fixture(scope="module")
def module() -> bytes:
    return bytes(wasmtime.wat2wasm(PROGRAM))


def test_direct_reads_leave_memory_as_natively(module: bytes) -> None:
    d = differential(module, componentize(module).component, files={"data.bin": FILE})
    assert_same(d)
    memory = d.component.stdout
    assert len(memory) == END and d.component.exit_code == 0
    assert memory[0x1000 : 0x1000 + 300] == FILE[:300]
    assert memory[END - 400 :] == FILE[300:700]
    assert memory[0x1000 + 300 : 0x1000 + 316] == b"\xa5" * 16  # the record's bytes restored


@needs(jco.unavailable_reason() is None, f"jco/Node: {jco.unavailable_reason()}")
def test_direct_reads_under_jco(module: bytes) -> None:
    d = differential(
        module,
        componentize(module).component,
        files={"data.bin": FILE},
        component_runner=jco.run_component_jco,
    )
    assert_same(d)


def test_a_path_that_is_not_utf8_is_eilseq_as_natively() -> None:
    # a WIT string must be UTF-8: the shim answers EILSEQ (25) before the host
    # sees it, as native preview1 does, instead of the component failing
    module = bytes(
        wasmtime.wat2wasm(
            f"""(module
          (import "{P1}" "path_open"
            (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "{P1}" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
          (import "{P1}" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
          (import "{P1}" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "\\ff\\fe")  ;; not UTF-8
          (data (i32.const 32) "\\ed\\a0\\80")  ;; a surrogate
          (data (i32.const 48) "ok")
          (func (export "_start")
            (if (i32.ne (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 2)
                  (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100))
                  (i32.const 25)) (then unreachable))
            (if (i32.ne (call $mkdir (i32.const 3) (i32.const 32) (i32.const 3)) (i32.const 25))
              (then unreachable))
            (call $exit (call $rename (i32.const 3) (i32.const 48) (i32.const 2)
              (i32.const 3) (i32.const 32) (i32.const 3)))))"""
        )
    )
    d = differential(module, componentize(module).component, files={"ok": b""})
    assert_same(d)
    assert d.component.exit_code == 25
