"""The shim takes no byte of the module's memory.

A module fills its memory with a known pattern, calls preview1 functions
that write out-params and buffers (all inside [OUT_START, OUT_END)), then
hashes every other byte of its memory and prints the hash and memory.size.
Under native preview1 and as a component (wasmtime, and jco/Node) the hash
must be the pattern's, computed here independently:
nothing outside what preview1 says a call writes was written, and memory
never grew.
"""

from __future__ import annotations

import pytest
import wasmtime
from harness import assert_same, differential

from componentize.assemble import componentize
from componentize.run import run_component
from toolchains import jco

P1 = "wasi_snapshot_preview1"
PAGES = 2
OUT_START, OUT_END = 0x100, 0x3000  # out-params, iovecs, buffers, paths
FNV_OFFSET, FNV_PRIME = 0x811C9DC5, 0x01000193

IMPORTS = {
    "args_sizes_get": "(param i32 i32) (result i32)",
    "args_get": "(param i32 i32) (result i32)",
    "environ_sizes_get": "(param i32 i32) (result i32)",
    "environ_get": "(param i32 i32) (result i32)",
    "clock_time_get": "(param i32 i64 i32) (result i32)",
    "random_get": "(param i32 i32) (result i32)",
    "fd_write": "(param i32 i32 i32 i32) (result i32)",
    "fd_read": "(param i32 i32 i32 i32) (result i32)",
    "fd_prestat_get": "(param i32 i32) (result i32)",
    "fd_prestat_dir_name": "(param i32 i32 i32) (result i32)",
    "path_open": "(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)",
    "fd_readdir": "(param i32 i32 i32 i64 i32) (result i32)",
    "fd_filestat_get": "(param i32 i32) (result i32)",
    "fd_close": "(param i32) (result i32)",
    "poll_oneoff": "(param i32 i32 i32 i32) (result i32)",
}

CALLS = """
  (drop (call $args_sizes_get (i32.const 0x100) (i32.const 0x104)))
  (drop (call $args_get (i32.const 0x200) (i32.const 0x400)))
  (drop (call $environ_sizes_get (i32.const 0x108) (i32.const 0x10c)))
  (drop (call $environ_get (i32.const 0x600) (i32.const 0x800)))
  (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 0x110)))
  (drop (call $random_get (i32.const 0xa00) (i32.const 64)))
  ;; stdin -> 0xb00, 32 bytes
  (i32.store (i32.const 0x120) (i32.const 0xb00)) (i32.store (i32.const 0x124) (i32.const 32))
  (drop (call $fd_read (i32.const 0) (i32.const 0x120) (i32.const 1) (i32.const 0x128)))
  (drop (call $fd_prestat_get (i32.const 3) (i32.const 0x130)))
  (drop (call $fd_prestat_dir_name (i32.const 3) (i32.const 0xc00) (i32.const 1)))
  ;; create f.txt, write the stdin bytes to it, stat it, close it
  (i32.store8 (i32.const 0xc80) (i32.const 102)) (i32.store8 (i32.const 0xc81) (i32.const 46))
  (i32.store8 (i32.const 0xc82) (i32.const 116)) (i32.store8 (i32.const 0xc83) (i32.const 120))
  (i32.store8 (i32.const 0xc84) (i32.const 116))
  (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 0xc80) (i32.const 5)
    (i32.const 1) (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 0x140)))
  (i32.store (i32.const 0x150) (i32.const 0xb00)) (i32.store (i32.const 0x154) (i32.const 5))
  (drop (call $fd_write (i32.load (i32.const 0x140)) (i32.const 0x150) (i32.const 1)
    (i32.const 0x158)))
  (drop (call $fd_filestat_get (i32.load (i32.const 0x140)) (i32.const 0xd00)))
  (drop (call $fd_close (i32.load (i32.const 0x140))))
  (drop (call $fd_readdir (i32.const 3) (i32.const 0x1000) (i32.const 0x1000) (i64.const 0)
    (i32.const 0x160)))
  ;; one clock subscription (48 bytes at 0xe00), 1 ns relative; event at 0xe80
  (i64.store (i32.const 0xe00) (i64.const 7)) (i32.store8 (i32.const 0xe08) (i32.const 0))
  (i32.store (i32.const 0xe10) (i32.const 1)) (i64.store (i32.const 0xe18) (i64.const 1))
  (i64.store (i32.const 0xe20) (i64.const 0)) (i32.store16 (i32.const 0xe28) (i32.const 0))
  (drop (call $poll_oneoff (i32.const 0xe00) (i32.const 0xe80) (i32.const 1) (i32.const 0x168)))
"""


def _module() -> bytes:
    imports = "\n".join(f'(import "{P1}" "{n}" (func ${n} {s}))' for n, s in IMPORTS.items())
    text = f"""(module {imports}
      (memory (export "memory") {PAGES})
      (func $fill (local $i i32)
        (loop $l
          (i32.store8 (local.get $i)
            (i32.and (i32.add (i32.mul (local.get $i) (i32.const 31)) (i32.const 7))
                     (i32.const 255)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const {PAGES * 65536})))))
      (func $hash (result i32) (local $i i32) (local $h i32)
        (local.set $h (i32.const {FNV_OFFSET}))
        (local.set $i (i32.const 0))
        (loop $l
          (if (i32.or (i32.lt_u (local.get $i) (i32.const {OUT_START}))
                      (i32.ge_u (local.get $i) (i32.const {OUT_END})))
            (then (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i)))
                                         (i32.const {FNV_PRIME})))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const {PAGES * 65536}))))
        (local.get $h))
      ;; print "<hash hex> <pages>\\n" from the out area
      (func $hex (param $v i32) (param $at i32) (local $n i32) (local $d i32)
        (loop $l
          (local.set $d (i32.and (i32.shr_u (local.get $v) (i32.sub (i32.const 28)
            (i32.mul (local.get $n) (i32.const 4)))) (i32.const 15)))
          (i32.store8 (i32.add (local.get $at) (local.get $n))
            (i32.add (local.get $d) (select (i32.const 48) (i32.const 87)
                                            (i32.lt_u (local.get $d) (i32.const 10)))))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $n) (i32.const 8)))))
      (func (export "_start") (local $h i32)
        (call $fill)
        {CALLS}
        (local.set $h (call $hash))
        (call $hex (local.get $h) (i32.const 0x2000))
        (i32.store8 (i32.const 0x2008) (i32.const 32))
        (call $hex (memory.size) (i32.const 0x2009))
        (i32.store8 (i32.const 0x2011) (i32.const 10))
        (i32.store (i32.const 0x2100) (i32.const 0x2000))
        (i32.store (i32.const 0x2104) (i32.const 18))
        (drop (call $fd_write (i32.const 1) (i32.const 0x2100) (i32.const 1)
                              (i32.const 0x2108)))))"""
    return bytes(wasmtime.wat2wasm(text))


def expected_line() -> bytes:
    h = FNV_OFFSET
    for i in range(PAGES * 65536):
        if not OUT_START <= i < OUT_END:
            h = ((h ^ ((i * 31 + 7) & 255)) * FNV_PRIME) & 0xFFFFFFFF
    return f"{h:08x} {PAGES:08x}\n".encode()


@pytest.fixture(scope="module")
def module_and_component() -> tuple[bytes, bytes]:
    module = _module()
    return module, componentize(module).component


@pytest.mark.parametrize("host", ["wasmtime", "jco"])
def test_no_byte_outside_what_preview1_writes(
    module_and_component: tuple[bytes, bytes], host: str, request: pytest.FixtureRequest
) -> None:
    runner = run_component
    if host == "jco":
        request.getfixturevalue("jco_available")
        runner = jco.run_component_jco
    module, component = module_and_component
    d = differential(
        module,
        component,
        args=["a", "bb"],
        env=[("K", "v")],
        files={},
        stdin=b"hello world, 32 bytes of input!!",
        component_runner=runner,
    )
    assert_same(d)
    assert d.component.stdout == expected_line()
