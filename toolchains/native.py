"""The tests' oracle: a preview1 core module run under wasmtime's native preview1.

Dev wing only (not in the wheel): `componentize run` runs components, never
modules.  The differential tests and the corpus run a module here and its
component with `componentize.run.run_component`, then compare; both share
the loading, WASI set-up and outcome classification of `componentize.run`,
so a result reads the same either way (exit codes as the wasmtime CLI's).

`wasi_unstable` (preview0) has no native wasmtime host: it is served by
aliasing preview1 and a small bridge module for the five functions whose
ABI differs (see `_define_preview0`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence

import wasmtime

from componentize.engine import engine
from componentize.errors import InputError, UnsupportedModuleError
from componentize.files import wasm_kind
from componentize.run import (
    ERROR_EXIT_CODE,
    DirsInput,
    EnvInput,
    Outcome,
    RunResult,
    WasmInput,
    classify,
    compile_error,
    finish,
    flush_python_stdio,
    load_wasm,
    program_argv,
    wasi_store,
)

PREVIEW1 = "wasi_snapshot_preview1"
PREVIEW0 = "wasi_unstable"


def run_module(
    wasm: WasmInput,
    *,
    args: Sequence[str] = (),
    env: EnvInput = (),
    dirs: DirsInput = (),
    stdin: bytes | None = None,
    capture: bool = True,
    program_name: str | None = None,
    entry: str = "_start",
) -> RunResult:
    """Run a preview1 core module's `entry` under wasmtime's native preview1.

    argv is `[program_name, *args]` (default name: the file name, or
    `main.wasm` for bytes).  `dirs` are (host, guest) preopens, writable.
    With `capture`, stdout and stderr are collected and stdin is `stdin` or
    empty; without it, all three are inherited (unless `stdin` is given).
    A module importing `wasi_unstable` is served by aliasing the preview1
    functions whose ABI is the same in both (see `_define_preview0`).
    """
    data, where = load_wasm(wasm)
    if wasm_kind(data, where=where) != "module":
        raise InputError(
            "this is a component, not a core module", where=where, hint="use run_component"
        )
    try:
        module = wasmtime.Module(engine(), data)
    except wasmtime.WasmtimeError as e:
        raise compile_error("module", where, e) from None
    argv = program_argv(wasm, program_name, args)
    with tempfile.TemporaryDirectory(prefix="componentize-run-") as tmp:
        store, stdio = wasi_store(tmp, argv, env=env, dirs=dirs, stdin=stdin, capture=capture)
        linker = wasmtime.Linker(engine())
        linker.define_wasi()
        if any(imp.module == PREVIEW0 for imp in module.imports):
            _define_preview0(linker, store, module)
        return finish(store, stdio, _call_module(linker, store, module, entry))


def _call_module(
    linker: wasmtime.Linker, store: wasmtime.Store, module: wasmtime.Module, entry: str
) -> tuple[Outcome, int, str]:
    flush_python_stdio()
    try:
        # Inside the try: a start function may already exit or trap.
        instance = linker.instantiate(store, module)
        func = instance.exports(store).get(entry)
        if not isinstance(func, wasmtime.Func):
            return "error", ERROR_EXIT_CODE, f"module has no exported function `{entry}`"
        func(store)
    except (wasmtime.WasmtimeError, wasmtime.Trap) as e:
        return classify(e)
    return "returned", 0, ""


# ---------------------------------------------------------------- wasi_unstable

# wasmtime has no native `wasi_unstable`.  Most preview0 functions have the
# preview1 ABI and are served by the preview1 host function itself: a host
# function finds "memory" on whichever instance calls it, so an alias works.
# Five differ (fd_seek's whence numbering; filestat's u32 nlink; the clock
# subscription's extra `identifier` field in poll_oneoff; preview0 rights
# have no `sock_accept`, bit 29, which fd_fdstat_get must not report) and go
# through a small bridge module that converts and calls preview1.  The
# bridge re-exports the main module's memory, because preview1 host
# functions read the calling instance's "memory" export.
_PREVIEW0_BRIDGED = (
    "fd_seek",
    "fd_filestat_get",
    "path_filestat_get",
    "poll_oneoff",
    "fd_fdstat_get",
)

_PREVIEW0_BRIDGE_WAT = """
(module
  (import "env" "memory" (memory $main 0))
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $pstat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (export "memory" (memory $main))
  ;; private scratch (multi-memory): never takes a byte of the module's memory
  (memory $scratch 0)
  ;; preview0 whence: cur=0 end=1 set=2; preview1: set=0 cur=1 end=2
  (func (export "fd_seek") (param i32 i64 i32 i32) (result i32)
    (call $seek (local.get 0) (local.get 1)
      (select (i32.rem_u (i32.add (local.get 2) (i32.const 1)) (i32.const 3))
              (local.get 2) (i32.lt_u (local.get 2) (i32.const 3)))
      (local.get 3)))
  ;; preview1's filestat is 64 bytes, preview0's 56 (nlink is u32): let
  ;; preview1 write into the caller's buffer, keeping the 8 bytes after it,
  ;; then pack nlink into u32 and move size/atim/mtim/ctim down 8 bytes.
  (func $pack (param $p i32) (param $errno i32) (param $saved i64) (result i32)
    (if (i32.eqz (local.get $errno)) (then
      (i32.store offset=20 (local.get $p) (i32.wrap_i64 (i64.load offset=24 (local.get $p))))
      (memory.copy (i32.add (local.get $p) (i32.const 24))
                   (i32.add (local.get $p) (i32.const 32)) (i32.const 32))))
    (i64.store offset=56 (local.get $p) (local.get $saved))
    (local.get $errno))
  (func (export "fd_filestat_get") (param i32 i32) (result i32)
    (local $saved i64)
    (local.set $saved (i64.load offset=56 (local.get 1)))
    (call $pack (local.get 1) (call $fstat (local.get 0) (local.get 1)) (local.get $saved)))
  (func (export "path_filestat_get") (param i32 i32 i32 i32 i32) (result i32)
    (local $saved i64)
    (local.set $saved (i64.load offset=56 (local.get 4)))
    (call $pack (local.get 4)
      (call $pstat (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4))
      (local.get $saved)))
  ;; fdstat: rights_base at 8, rights_inheriting at 16; drop bit 29 from both
  (func (export "fd_fdstat_get") (param i32 i32) (result i32)
    (local $errno i32)
    (local.set $errno (call $fdstat (local.get 0) (local.get 1)))
    (if (i32.eqz (local.get $errno)) (then
      (i64.store offset=8 (local.get 1)
        (i64.and (i64.load offset=8 (local.get 1)) (i64.const 0xffffffffdfffffff)))
      (i64.store offset=16 (local.get 1)
        (i64.and (i64.load offset=16 (local.get 1)) (i64.const 0xffffffffdfffffff)))))
    (local.get $errno))
  ;; preview0 subscriptions are 56 bytes (clock: identifier u64 at 16, then
  ;; id, timeout, precision, flags at 24..); preview1's are 48 (clock at 16).
  ;; Keep the originals in scratch, rewrite them in place as preview1, call,
  ;; then put the originals back: the caller's input is left untouched.
  (func (export "poll_oneoff") (param $in i32) (param $out i32) (param $n i32) (param $nout i32)
    (result i32)
    (local $size i32) (local $i i32) (local $src i32) (local $dst i32) (local $errno i32)
    (local.set $size (i32.mul (local.get $n) (i32.const 56)))
    (if (i32.gt_u (local.get $size) (i32.shl (memory.size $scratch) (i32.const 16))) (then
      (drop (memory.grow $scratch (i32.sub
        (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1))
        (memory.size $scratch))))))
    (memory.copy $scratch $main (i32.const 0) (local.get $in) (local.get $size))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $src (i32.mul (local.get $i) (i32.const 56)))
      (local.set $dst (i32.add (local.get $in) (i32.mul (local.get $i) (i32.const 48))))
      (memory.copy $main $scratch (local.get $dst) (local.get $src) (i32.const 16))
      (memory.copy $main $scratch (i32.add (local.get $dst) (i32.const 16))
        (i32.add (local.get $src)
          (select (i32.const 24) (i32.const 16)
            (i32.eqz (i32.load8_u $scratch offset=8 (local.get $src)))))
        (i32.const 32))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.set $errno
      (call $poll (local.get $in) (local.get $out) (local.get $n) (local.get $nout)))
    (memory.copy $main $scratch (local.get $in) (i32.const 0) (local.get $size))
    (local.get $errno))
)
"""


def _define_preview0(
    linker: wasmtime.Linker, store: wasmtime.Store, module: wasmtime.Module
) -> None:
    names = [imp.name for imp in module.imports if imp.module == PREVIEW0 and imp.name]
    for name in names:
        if name in _PREVIEW0_BRIDGED:
            continue
        item = linker.get(store, PREVIEW1, name)
        if item is None:
            raise UnsupportedModuleError(f"unknown import `{PREVIEW0}.{name}`")
        linker.define(store, PREVIEW0, name, item)
    bridged = [name for name in names if name in _PREVIEW0_BRIDGED]
    if bridged:
        _define_bridge(linker, store, module, bridged)


def _define_bridge(
    linker: wasmtime.Linker, store: wasmtime.Store, module: wasmtime.Module, names: list[str]
) -> None:
    if not any(exp.name == "memory" for exp in module.exports):
        raise UnsupportedModuleError(
            f"cannot run `{PREVIEW0}.{names[0]}` natively for a module without a `memory` export"
        )
    # The bridge needs the main module's memory, which exists only once the
    # module is instantiated: the host functions bind to it on first call.
    bridge_module = wasmtime.Module(engine(), bytes(wasmtime.wat2wasm(_PREVIEW0_BRIDGE_WAT)))
    bridge: dict[str, wasmtime.Func] = {}

    def bind(caller: wasmtime.Caller) -> None:
        if bridge:
            return
        memory = caller.get("memory")
        if not isinstance(memory, wasmtime.Memory):
            raise wasmtime.WasmtimeError("wasi_unstable bridge: caller has no memory export")
        env = wasmtime.Linker(engine())
        env.define_wasi()
        env.define(store, "env", "memory", memory)
        exports = env.instantiate(store, bridge_module).exports(store)
        for key in _PREVIEW0_BRIDGED:
            func = exports[key]
            assert isinstance(func, wasmtime.Func)
            bridge[key] = func

    for name in names:
        ty = next(e.type for e in bridge_module.exports if e.name == name)
        assert isinstance(ty, wasmtime.FuncType)

        def call(caller: wasmtime.Caller, *params: int, _name: str = name) -> int:
            bind(caller)
            result = bridge[_name](caller, *params)
            assert isinstance(result, int)
            return result

        linker.define_func(PREVIEW0, name, ty, call, access_caller=True)
