"""File edges: reading a .wasm input and writing an output safely (atomically
for regular files, never replacing a device, FIFO or symlink)."""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Literal

import wasmtime

from componentize.errors import InputError
from componentize.wasm.decode import COMPONENT_LAYER, CORE_VERSION, MAGIC

WasmKind = Literal["module", "component"]


def wasm_kind(data: bytes, *, where: str = "<bytes>") -> WasmKind:
    """Core module or component, from the preamble (magic, version, layer)."""
    if not data:
        raise InputError("the file is empty", where=where, hint="give a .wasm file")
    if len(data) < 8 or data[:4] != MAGIC:
        raise InputError(
            "not a WebAssembly binary (no \\0asm header)", where=where, hint="give a .wasm file"
        )
    if data[4:8] == CORE_VERSION:
        return "module"
    if data[6:8] == COMPONENT_LAYER:
        return "component"
    raise InputError(f"unknown WebAssembly version/layer bytes {data[4:8].hex(' ')}", where=where)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes; a missing file, a directory or an unreadable file is an InputError."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", where=str(p)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a .wasm file", where=str(p)) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", where=str(p)) from None


STDIO = "-"  # as an input or output path: standard input / output


def read_input(path: str) -> bytes:
    """A core module's bytes from a file or stdin (`-`), as WebAssembly text
    when it is (`.wat`, or text starting with `(`): compiled with wasmtime's
    wat2wasm, its errors located in the file."""
    data = sys.stdin.buffer.read() if path == STDIO else read_bytes(path)
    where = "<stdin>" if path == STDIO else path
    if data[:4] == MAGIC:
        return data
    if not (path.endswith(".wat") or data.lstrip()[:1] == b"("):
        return data  # wasm_kind says what is wrong with it
    try:
        return bytes(wasmtime.wat2wasm(data.decode()))
    except UnicodeDecodeError as e:
        raise InputError(
            f"WebAssembly text that is not UTF-8 (byte {e.start})", where=where
        ) from None
    except wasmtime.WasmtimeError as e:
        # wat2wasm's message: the error, then "--> <anon>:LINE:COL" and a snippet.
        lines = str(e).strip().splitlines()
        at = re.search(r"-->\s*\S*?:(\d+):(\d+)", str(e))
        where = f"{where}:{at.group(1)}:{at.group(2)}" if at else where
        raise InputError(f"invalid WebAssembly text: {lines[0]}", where=where) from None


def write_output(path: str, data: bytes) -> None:
    """`write_atomic`, or standard output for `-`."""
    if path == STDIO:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomic(path, data)


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path`, never replacing what is not a regular file.

    A regular file (new or existing) is written through a temp file in the
    same directory and renamed over: all or nothing, and an existing file
    keeps its permission bits.  A symlink is followed: its target is written
    the same way and the link stays.  A device, FIFO or socket (`/dev/null`,
    `/dev/stdout`) is written through, as a shell redirection would: renaming
    over it would replace the device itself.  A directory is an error.
    """
    target = Path(os.path.realpath(path))
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise InputError(f"cannot write here: {e.strerror}", where=str(path)) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory", where=str(path), hint="give the output file's name")
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_through(target, data, str(path))
        return
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o644
    directory = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise InputError(f"cannot write here: {e.strerror}", where=str(path)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_through(target: Path, data: bytes, where: str) -> None:
    try:
        with open(target, "wb") as f:
            f.write(data)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror}", where=where) from None
