"""Run wasm in wasmtime: core modules under native preview1, components under WASI 0.2.

This is the execution edge used by `componentize run` and by the tests, where
the native preview1 run of a module is the oracle for its component.

Exit codes follow the wasmtime CLI on Unix, so a result reads the same as a
shell would see it:

- `proc_exit(n)` / `exit(ok|err)` / `exit-with-code(n)`: `n` (0 / 1 / `n`);
- a command that returns: 0 (preview1 `_start`, or `run` returning `ok`);
  `run` returning `err`: 1;
- a wasm trap (unreachable, out of bounds, stack exhausted ...): 134, which
  is what the wasmtime CLI exits with (128 + SIGABRT);
- any other host error (failed link, preview1 `proc_exit` with a code of
  126 or more, which wasmtime refuses): 1, the CLI's exit for an error.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import wasmtime
from wasmtime import component as wc

from componentize.engine import engine
from componentize.errors import InputError, UnsupportedModuleError
from componentize.files import read_bytes, wasm_kind

Outcome = Literal["returned", "exit", "trap", "error"]
WasmInput = bytes | bytearray | str | os.PathLike[str]
EnvInput = Mapping[str, str] | Iterable[tuple[str, str]]
DirsInput = Iterable[tuple[str | os.PathLike[str], str]]

TRAP_EXIT_CODE = 134
ERROR_EXIT_CODE = 1
DEFAULT_PROGRAM_NAME = "main.wasm"
PREVIEW1 = "wasi_snapshot_preview1"
PREVIEW0 = "wasi_unstable"


@dataclass(frozen=True)
class RunResult:
    """What a run did.  `stdout`/`stderr` are None when they were inherited.

    `message` is the cause wasmtime gave for a trap or an error (the
    "Caused by" part, without the backtrace, whose offsets differ between a
    module and its component); it is empty for `returned` and `exit`.
    """

    exit_code: int
    stdout: bytes | None
    stderr: bytes | None
    outcome: Outcome
    message: str = ""

    @property
    def trapped(self) -> bool:
        return self.outcome == "trap"


# ---------------------------------------------------------------- loading


def load_wasm(wasm: WasmInput) -> tuple[bytes, str]:
    """The bytes of `wasm` and a name for messages (file name or `<bytes>`)."""
    if isinstance(wasm, bytes | bytearray):
        return bytes(wasm), "<bytes>"
    return read_bytes(wasm), str(Path(wasm))


def _program_name(wasm: WasmInput, program_name: str | None) -> str:
    if program_name is not None:
        return program_name
    if isinstance(wasm, bytes | bytearray):
        return DEFAULT_PROGRAM_NAME
    return Path(wasm).name


def _compile_error(kind: str, where: str, error: wasmtime.WasmtimeError) -> InputError:
    return InputError(f"wasmtime cannot compile this {kind}: {cause_of(str(error))}", where=where)


# ---------------------------------------------------------------- outcomes


def cause_of(message: str) -> str:
    """The "Caused by" lines of a wasmtime error, joined; else its first line."""
    lines = message.strip().splitlines()
    if "Caused by:" in lines:
        rest = lines[lines.index("Caused by:") + 1 :]
        return "; ".join(line.strip() for line in rest if line.strip())
    return lines[0].strip() if lines else ""


# The shim traps through functions named for the reason (a code proc_exit
# cannot report, ...): their names, found in the backtrace, say why.
_SHIM_FRAME = re.compile(r"componentize-shim-preview1!(\w+_is_not_supported)\b")


def trap_reason(message: str) -> str:
    """Why the shim trapped, from a backtrace in `message` ("" if not known)."""
    found = _SHIM_FRAME.search(message)
    return found.group(1).replace("_", " ") if found else ""


def _classify(error: Exception) -> tuple[Outcome, int, str]:
    if isinstance(error, wasmtime.ExitTrap):
        return "exit", error.code, ""
    # Preview1 traps arrive as `Trap`; a component's as a WasmtimeError
    # whose cause says "wasm trap:".
    message = error.message if isinstance(error, wasmtime.Trap) else str(error)
    cause = cause_of(message)
    if isinstance(error, wasmtime.Trap) or cause.startswith("wasm trap:"):
        reason = trap_reason(message)
        return "trap", TRAP_EXIT_CODE, f"{cause} ({reason})" if reason else cause
    return "error", ERROR_EXIT_CODE, cause


# ---------------------------------------------------------------- WASI config


@dataclass(frozen=True)
class _Stdio:
    """Where the run's stdio goes; paths are files in a private temp dir."""

    stdin: str | None
    stdout: str | None
    stderr: str | None


def _stdio(tmp: str, stdin: bytes | None, capture: bool) -> _Stdio:
    stdin_path = None
    if stdin is not None:
        stdin_path = os.path.join(tmp, "stdin")
        Path(stdin_path).write_bytes(stdin)
    if not capture:
        return _Stdio(stdin_path, None, None)
    return _Stdio(stdin_path, os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr"))


def _env_pairs(env: EnvInput) -> list[tuple[str, str]]:
    items = env.items() if isinstance(env, Mapping) else env
    return [(str(k), str(v)) for k, v in items]


def _wasi_config(
    argv: list[str], env: EnvInput, dirs: DirsInput, stdio: _Stdio, capture: bool
) -> wasmtime.WasiConfig:
    config = wasmtime.WasiConfig()
    config.argv = argv
    config.env = _env_pairs(env)
    for host, guest in dirs:
        host_path = os.fspath(host)
        if not os.path.isdir(host_path):
            raise InputError("not a directory", where=host_path, hint="--dir takes a directory")
        config.preopen_dir(host_path, guest)
    if stdio.stdin is not None:
        config.stdin_file = stdio.stdin
    elif not capture:
        config.inherit_stdin()
    if stdio.stdout is not None and stdio.stderr is not None:
        config.stdout_file = stdio.stdout
        config.stderr_file = stdio.stderr
    else:
        config.inherit_stdout()
        config.inherit_stderr()
    return config


def _read(path: str | None) -> bytes | None:
    return None if path is None else Path(path).read_bytes()


def _flush_python_stdio() -> None:
    # Inherited stdio is written by wasmtime straight to fds 1 and 2: flush
    # what Python buffered first so the order on the terminal is right.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


# ---------------------------------------------------------------- running


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
        raise _compile_error("module", where, e) from None
    argv = [_program_name(wasm, program_name), *args]
    with tempfile.TemporaryDirectory(prefix="componentize-run-") as tmp:
        stdio = _stdio(tmp, stdin, capture)
        store = wasmtime.Store(engine())
        store.set_wasi(_wasi_config(argv, env, dirs, stdio, capture))
        linker = wasmtime.Linker(engine())
        linker.define_wasi()
        if any(imp.module == PREVIEW0 for imp in module.imports):
            _define_preview0(linker, store, module)
        outcome, code, message = _call_module(linker, store, module, entry)
        store.close()
        return RunResult(code, _read(stdio.stdout), _read(stdio.stderr), outcome, message)


def _call_module(
    linker: wasmtime.Linker, store: wasmtime.Store, module: wasmtime.Module, entry: str
) -> tuple[Outcome, int, str]:
    _flush_python_stdio()
    try:
        # Inside the try: a start function may already exit or trap.
        instance = linker.instantiate(store, module)
        func = instance.exports(store).get(entry)
        if not isinstance(func, wasmtime.Func):
            return "error", ERROR_EXIT_CODE, f"module has no exported function `{entry}`"
        func(store)
    except (wasmtime.WasmtimeError, wasmtime.Trap) as e:
        return _classify(e)
    return "returned", 0, ""


def run_component(
    wasm: WasmInput,
    *,
    args: Sequence[str] = (),
    env: EnvInput = (),
    dirs: DirsInput = (),
    stdin: bytes | None = None,
    capture: bool = True,
    program_name: str | None = None,
) -> RunResult:
    """Run a command component's `wasi:cli/run@0.2.N#run` with wasmtime's WASI 0.2.

    Same parameters as `run_module`.  `run` returning `ok` gives 0 and `err`
    gives 1; `exit` and `exit-with-code` give their code.
    """
    data, where = load_wasm(wasm)
    if wasm_kind(data, where=where) != "component":
        raise InputError(
            "this is a core module, not a component",
            where=where,
            hint="run `componentize new` on it first",
        )
    try:
        component = wc.Component(engine(), data)
    except wasmtime.WasmtimeError as e:
        raise _compile_error("component", where, e) from None
    run_name = find_run_export(component)
    if run_name is None:
        raise InputError(
            "the component exports no `wasi:cli/run` instance: it is not a command",
            where=where,
        )
    argv = [_program_name(wasm, program_name), *args]
    with tempfile.TemporaryDirectory(prefix="componentize-run-") as tmp:
        stdio = _stdio(tmp, stdin, capture)
        store = wasmtime.Store(engine())
        store.set_wasi(_wasi_config(argv, env, dirs, stdio, capture))
        linker = wc.Linker(engine())
        linker.add_wasip2()
        outcome, code, message = _call_run(linker, store, component, run_name)
        store.close()
        return RunResult(code, _read(stdio.stdout), _read(stdio.stderr), outcome, message)


def find_run_export(component: wc.Component) -> str | None:
    """The name of the component's `wasi:cli/run@...` export, if any."""
    for name in component.type.exports(engine()):
        if name == "wasi:cli/run" or name.startswith("wasi:cli/run@"):
            return name
    return None


def _call_run(
    linker: wc.Linker, store: wasmtime.Store, component: wc.Component, run_name: str
) -> tuple[Outcome, int, str]:
    _flush_python_stdio()
    try:
        instance = linker.instantiate(store, component)
        iface = instance.get_export_index(store, run_name)
        index = instance.get_export_index(store, "run", iface) if iface else None
        func = instance.get_func(store, index) if index else None
        if func is None:
            return "error", ERROR_EXIT_CODE, f"`{run_name}` has no function `run`"
        result = func(store)
        func.post_return(store)
    except (wasmtime.WasmtimeError, wasmtime.Trap) as e:
        return _classify(e)
    # `run: func() -> result` comes back as Variant(tag="ok"|"err").
    tag = getattr(result, "tag", None)
    return "returned", 0 if tag == "ok" else ERROR_EXIT_CODE, ""


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
    "fd_seek", "fd_filestat_get", "path_filestat_get", "poll_oneoff", "fd_fdstat_get",
)  # fmt: skip

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
