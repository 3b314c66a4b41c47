"""The `shim` layer: the prebuilt preview1 shim and what is done with it.

Public API:
    load_shim() -> bytes                      the post-processed shim (package data)
    load_shim_module() -> Module              the same, decoded
    gc(module, keep_exports) -> Module        keep exports + cabi_realloc + start + reached code
    wasi_imports(module) -> list[(interface, function)]
    shim_exports(module) -> list[str]
    catalog: PREVIEW1_FUNCTIONS, PREVIEW0_FUNCTIONS, signature(), shim_export()

Shim contract with the assembler (see shims/preview1/ and the build-time
post-processor, toolchains/shim/postprocess.py):
    imports  env/memory                       memory 0: the shim's private memory
             componentize:guest/memory        memory 1: the guest module's memory
             componentize:guest/start-table   funcref table, min 1 (only with `run`):
                                              slot 0 must hold the guest's `_start`
             wasi:*/*@0.2.12 functions        canon lower'd, memory 0 + cabi_realloc
    exports  preview1 names (`fd_write`...), `wasi_unstable#<name>` for the
             preview0 functions whose ABI differs (catalog.PREVIEW0_DIFFERS; the
             others are the preview1 export), `proc_exit_ok_err`, `run` (() -> i32,
             result<_, _> for wasi:cli/run), `cabi_realloc`
    start    sets the stack pointer, sizes memory 0, initialises state; calls no WASI
"""

from __future__ import annotations

from importlib import resources

from componentize.shim.catalog import (
    PREVIEW0,
    PREVIEW0_FUNCTIONS,
    PREVIEW1,
    PREVIEW1_FUNCTIONS,
    PROC_EXIT_OK_ERR_EXPORT,
    REALLOC_EXPORT,
    RUN_EXPORT,
    Signature,
    shim_export,
    signature,
)
from componentize.shim.gc import gc, shim_exports, wasi_imports
from componentize.wasm.decode import decode_module
from componentize.wasm.model import Module

SHIM_RESOURCE = "shim_preview1.wasm"

# The import names the post-processed shim uses for what the guest provides.
GUEST_MODULE = "componentize:guest"
GUEST_MEMORY = "memory"
START_TABLE = "start-table"


def load_shim() -> bytes:
    """The prebuilt, post-processed shim module."""
    return resources.files("componentize").joinpath("data", SHIM_RESOURCE).read_bytes()


def load_shim_module() -> Module:
    return decode_module(load_shim())


__all__ = [
    "GUEST_MEMORY", "GUEST_MODULE", "PREVIEW0", "PREVIEW0_FUNCTIONS", "PREVIEW1",
    "PREVIEW1_FUNCTIONS", "PROC_EXIT_OK_ERR_EXPORT", "REALLOC_EXPORT", "RUN_EXPORT",
    "START_TABLE", "Signature", "gc", "load_shim", "load_shim_module",
    "shim_export", "shim_exports", "signature", "wasi_imports",
]  # fmt: skip
