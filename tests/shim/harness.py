"""A host for the shim core module alone, without the assembler: its WASI 0.2
imports are faked in Python and the guest's memory is a plain memory.

Tests call the shim's preview1 exports directly and check errno values and
memory contents (`test_behaviour.py`; `test_open_flags.py` subclasses `Shim`
to fake `open-at`).  The shim's own imports are served as the assembler's
provider module would: its memory, the stack pointer (a mut i32 global) and
`memory-grow` (grows the private memory); `componentize_init` is called once
after instantiation (the shim has no start function).  The WASI import
`iface.fn` is served by the method
`w_<iface>_<fn>` (`[method]a.b` becomes `method_a_b`; resource drops are
recorded in `Host.dropped`).  The fakes cover wasi:cli (arguments,
environment, stdio, terminals, exit), the stdio streams of wasi:io, the
wall and monotonic clocks, random bytes and the preopens list.  A shim that
imports anything else cannot be instantiated (`AttributeError`), so each
test gcs the shim down to the functions it calls (`Shim(keep)`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import wasmtime

from componentize.shim import gc, load_shim_module
from componentize.shim.contract import (
    INIT_EXPORT,
    SHIM_MEMORY_GROW_IMPORT,
    SHIM_MEMORY_IMPORT,
    SHIM_STACK_POINTER_IMPORT,
)
from componentize.wasm.encode import encode_module


class Exit(Exception):
    def __init__(self, code: int | str) -> None:
        super().__init__(f"exit {code}")
        self.code = code


@dataclass
class Host:
    args: list[str] = field(default_factory=lambda: ["prog"])
    env: list[tuple[str, str]] = field(default_factory=list)
    preopens: list[str] = field(default_factory=list)
    stdin: bytes = b""
    terminal: bool = False
    out: dict[int, bytearray] = field(default_factory=lambda: {1: bytearray(), 2: bytearray()})
    dropped: list[tuple[str, int]] = field(default_factory=list)
    write_sizes: list[int] = field(default_factory=list)
    random_u64s: int = 0  # get-random-u64 calls so far


class Shim:
    def __init__(self, keep: set[str] | None = None, host: Host | None = None) -> None:
        module = load_shim_module()
        if keep is not None:
            module = gc(module, keep)
        self.host = host or Host()
        cfg = wasmtime.Config()
        cfg.wasm_multi_memory = True
        self.engine = wasmtime.Engine(cfg)
        self.store = wasmtime.Store(self.engine)
        self.module = wasmtime.Module(self.engine, encode_module(module))
        self.private = wasmtime.Memory(self.store, wasmtime.MemoryType(wasmtime.Limits(0, None)))
        self.guest = wasmtime.Memory(self.store, wasmtime.MemoryType(wasmtime.Limits(1, None)))
        self.stack_pointer = wasmtime.Global(
            self.store, wasmtime.GlobalType(wasmtime.ValType.i32(), True), wasmtime.Val.i32(0)
        )
        self.grows: list[int] = []
        self.started: list[bool] = []
        self.instance = wasmtime.Instance(self.store, self.module, self._imports())
        self.exports = self.instance.exports(self.store)
        self.call(INIT_EXPORT)

    # ---- plumbing
    def _imports(self) -> list[Any]:
        out: list[Any] = []
        for imp in self.module.imports:
            if (imp.module, imp.name) == SHIM_MEMORY_IMPORT:
                out.append(self.private)
            elif (imp.module, imp.name) == SHIM_STACK_POINTER_IMPORT:
                out.append(self.stack_pointer)
            elif (imp.module, imp.name) == SHIM_MEMORY_GROW_IMPORT:
                assert isinstance(imp.type, wasmtime.FuncType)
                out.append(wasmtime.Func(self.store, imp.type, self._memory_grow))
            elif imp.name == "memory":
                out.append(self.guest)
            elif imp.name == "start-table":
                kind = wasmtime.TableType(wasmtime.ValType.funcref(), wasmtime.Limits(1, None))
                table = wasmtime.Table(self.store, kind, None)
                start = wasmtime.Func(self.store, wasmtime.FuncType([], []), self._start)
                table.set(self.store, 0, start)
                out.append(table)
            else:
                iface = imp.module.partition("@")[0].split("/")[1]
                name = f"w_{iface}_{imp.name}".replace("[", "").replace("]", "_")
                impl = getattr(self, name.replace("-", "_").replace(".", "_"))
                assert isinstance(imp.type, wasmtime.FuncType)
                out.append(wasmtime.Func(self.store, imp.type, impl))
        return out

    def _memory_grow(self, pages: int) -> int:
        """memory.grow on the private memory: the old size in pages, or -1."""
        self.grows.append(pages)
        try:
            return int(self.private.grow(self.store, pages & 0xFFFFFFFF))
        except wasmtime.WasmtimeError:
            return -1

    def _start(self) -> None:
        self.started.append(True)

    def call(self, name: str, *args: int) -> Any:
        func = self.exports[name]
        assert isinstance(func, wasmtime.Func)
        return func(self.store, *args)

    def pw(self, addr: int, data: bytes) -> None:
        self.private.write(self.store, data, addr)

    def pr(self, addr: int, n: int) -> bytes:
        return bytes(self.private.read(self.store, addr, addr + n))

    def gw(self, addr: int, data: bytes) -> None:
        self.guest.write(self.store, data, addr)

    def gr(self, addr: int, n: int) -> bytes:
        return bytes(self.guest.read(self.store, addr, addr + n))

    def alloc(self, data: bytes, align: int = 1) -> int:
        p = int(self.call("cabi_realloc", 0, 0, align, len(data)))
        self.pw(p, data)
        return p

    def _list(self, items: list[bytes], elem: int = 8, align: int = 4) -> tuple[int, int]:
        arr = self.alloc(b"".join(items), align)
        return arr, len(items)

    def _string(self, s: str) -> bytes:
        b = s.encode()
        return struct.pack("<II", self.alloc(b), len(b))

    # ---- fakes: wasi:cli
    def w_environment_get_arguments(self, ret: int) -> None:
        self.pw(ret, struct.pack("<II", *self._list([self._string(a) for a in self.host.args])))

    def w_environment_get_environment(self, ret: int) -> None:
        items = [self._string(k) + self._string(v) for k, v in self.host.env]
        self.pw(ret, struct.pack("<II", *self._list(items)))

    def w_stdout_get_stdout(self) -> int:
        return 1

    def w_stderr_get_stderr(self) -> int:
        return 2

    def w_stdin_get_stdin(self) -> int:
        return 3

    def w_exit_exit_with_code(self, code: int) -> None:
        raise Exit(code)

    def w_exit_exit(self, status: int) -> None:
        raise Exit("ok" if status == 0 else "err")

    def _terminal(self, ret: int) -> None:
        self.pw(ret, struct.pack("<II", 1, 77) if self.host.terminal else b"\0" * 8)

    w_terminal_stdin_get_terminal_stdin = _terminal
    w_terminal_stdout_get_terminal_stdout = _terminal
    w_terminal_stderr_get_terminal_stderr = _terminal

    def _drop(self, what: str) -> Any:
        return lambda h: self.host.dropped.append((what, h))

    def __getattr__(self, name: str) -> Any:
        if "resource_drop" in name:
            return self._drop(name.split("resource_drop_")[1])
        raise AttributeError(name)

    # ---- wasi:io/streams
    def w_streams_method_output_stream_blocking_write_and_flush(
        self, h: int, ptr: int, n: int, ret: int
    ) -> None:
        assert n <= 4096, "blocking-write-and-flush traps above 4096 bytes"
        self.host.write_sizes.append(n)
        self.host.out[h] += self.pr(ptr, n)
        self.pw(ret, b"\0" * 12)

    def _read(self, h: int, n: int, ret: int, blocking: bool) -> None:
        assert h == 3
        if not self.host.stdin:
            if blocking:
                self.pw(ret, struct.pack("<BxxxBxxxI", 1, 1, 0))  # err(closed)
            else:
                self.pw(ret, struct.pack("<BxxxII", 0, 0, 0))
            return
        data, self.host.stdin = self.host.stdin[:n], self.host.stdin[n:]
        self.pw(ret, struct.pack("<BxxxII", 0, self.alloc(data), len(data)))

    def w_streams_method_input_stream_blocking_read(self, h: int, n: int, ret: int) -> None:
        self._read(h, n, ret, True)

    def w_streams_method_input_stream_read(self, h: int, n: int, ret: int) -> None:
        self._read(h, n, ret, False)

    # ---- clocks, random, preopens
    def w_wall_clock_now(self, ret: int) -> None:
        self.pw(ret, struct.pack("<QI", 1_700_000_000, 123))

    def w_wall_clock_resolution(self, ret: int) -> None:
        self.pw(ret, struct.pack("<QI", 0, 1))

    def w_monotonic_clock_now(self) -> int:
        return 42_000

    def w_monotonic_clock_resolution(self) -> int:
        return 7

    def w_random_get_random_bytes(self, n: int, ret: int) -> None:
        data = bytes(i % 251 for i in range(n))
        self.pw(ret, struct.pack("<II", self.alloc(data), n))

    def w_random_get_random_u64(self) -> int:
        self.host.random_u64s += 1
        return 0x0807060504030201 * self.host.random_u64s & 0xFFFFFFFFFFFFFFFF

    def w_preopens_get_directories(self, ret: int) -> None:
        items = [
            struct.pack("<I", 100 + i) + self._string(p) for i, p in enumerate(self.host.preopens)
        ]
        self.pw(ret, struct.pack("<II", *self._list(items)))
