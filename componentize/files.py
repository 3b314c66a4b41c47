"""File edges: reading a .wasm input and writing an output atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

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


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write via a temp file in the same directory and rename: all or nothing."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise InputError(f"cannot write here: {e.strerror}", where=str(target)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
