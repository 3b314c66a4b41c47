"""The `shim` layer: the prebuilt preview1 shim and what is done with it.

Public API:
    load_shim() -> bytes                      the post-processed shim (package data)
    load_shim_module() -> Module              the same, decoded (a fresh copy)
    bundled_module() -> Module                the same, decoded once per process (read-only)
    gc(module, keep_exports) -> Module        keep exports + cabi_realloc + start + reached code
    wasi_imports(module) -> list[(interface, function)]
    shim_exports(module) -> list[str]
    available_exports() -> frozenset[str]     the bundled shim's exports
    wasi_calls(keep, deny) -> list[(interface, function)]
                                              what the bundled shim gc'd to `keep` calls
                                              (without the `deny` interfaces)
    prepare(keep, version, deny) -> Module    the bundled shim gc'd to `keep`, its WASI
                                              imports named at `version`, the `deny`
                                              interfaces trimmed (deny.py)
    deny: expand(names), deniable(), apply(module, denied)
    retarget(module, version) -> Module       name a shim's WASI imports at `version`
    rename_exports(module, names) -> Module   exports renamed (the names the layout links by)
    catalog: PREVIEW1_FUNCTIONS, PREVIEW0_FUNCTIONS, signature(), shim_export()
    contract: the names the shim, its post-processor and the assembler share
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache, lru_cache
from importlib import resources

from componentize.shim import deny as deny
from componentize.shim.catalog import (
    PREVIEW0,
    PREVIEW0_FUNCTIONS,
    PREVIEW1,
    PREVIEW1_FUNCTIONS,
    Signature,
    shim_export,
    signature,
)
from componentize.shim.contract import (
    PROC_EXIT_OK_ERR_EXPORT,
    REALLOC_EXPORT,
    RUN_EXPORT,
    SHIM_GUEST_MEMORY_IMPORT,
)
from componentize.shim.gc import gc, shim_exports, wasi_imports
from componentize.wasm.decode import decode_module
from componentize.wasm.encode import encode_module
from componentize.wasm.model import Limits, Module
from componentize.wit.model import Version

SHIM_RESOURCE = "shim_preview1.wasm"


def load_shim() -> bytes:
    """The prebuilt, post-processed shim module."""
    return resources.files("componentize").joinpath("data", SHIM_RESOURCE).read_bytes()


def load_shim_module() -> Module:
    return decode_module(load_shim())


@cache
def bundled_module() -> Module:
    """The bundled shim, decoded once per process and shared: read it, never
    change it (gc builds a new module; `load_shim_module` gives a copy to change)."""
    return load_shim_module()


@cache
def available_exports() -> frozenset[str]:
    """The names of the bundled shim's function exports."""
    return frozenset(shim_exports(bundled_module()))


def wasi_calls(keep: frozenset[str], denied: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The WASI 0.2 functions the bundled shim gc'd to `keep` imports, as
    (interface, function) named at the shim's own version, in import order;
    `denied`: interfaces trimmed away (unversioned, as deny.expand gives)."""
    return wasi_imports(decode_module(_kept(keep, denied)))


def prepare(keep: frozenset[str], version: Version, denied: frozenset[str] = frozenset()) -> Module:
    """The bundled shim gc'd to `keep`, `denied` trimmed, its WASI imports
    named at `version`."""
    return retarget(decode_module(_kept(keep, denied)), version)


def retarget(module: Module, version: Version) -> Module:
    """`module` with its WASI imports (`wasi:*/*@0.2.12`) named at `version`."""
    imports = [
        replace(imp, module=f"{imp.module.partition('@')[0]}@{version}")
        if imp.module.startswith("wasi:")
        else imp
        for imp in module.imports
    ]
    return replace(module, imports=imports)


def rename_exports(module: Module, names: Mapping[str, str]) -> Module:
    """`module` with each export named in `names` renamed: the layout links
    the shim's preview1 exports by short names, and nothing else reads them
    (a trap names functions from the name section, which keeps them)."""
    exports = [replace(e, name=names.get(e.name, e.name)) for e in module.exports]
    return replace(module, exports=exports)


MAX_PAGES_32 = 65536  # a 32-bit memory's largest maximum, in 64 KiB pages


def share_guest_memory(module: Module) -> Module:
    """`module` (a prepared shim) importing the guest's memory as a shared
    one: a shared memory is only given for an import declared shared, with a
    maximum at least the memory's."""
    shared = Limits(0, MAX_PAGES_32, shared=True)
    imports = [
        replace(imp, desc=shared) if (imp.module, imp.name) == SHIM_GUEST_MEMORY_IMPORT else imp
        for imp in module.imports
    ]
    return replace(module, imports=imports)


@lru_cache(maxsize=16)
def _kept(keep: frozenset[str], denied: frozenset[str] = frozenset()) -> bytes:
    """The bundled shim gc'd to `keep` (`denied` trimmed), encoded: planning
    asks what it calls, then the assembler takes it, and gc is the costly
    part of both."""
    return encode_module(deny.apply(gc(bundled_module(), set(keep)), denied))


__all__ = [
    "PREVIEW0",
    "PREVIEW0_FUNCTIONS",
    "PREVIEW1",
    "PREVIEW1_FUNCTIONS",
    "PROC_EXIT_OK_ERR_EXPORT",
    "REALLOC_EXPORT",
    "RUN_EXPORT",
    "Signature",
    "available_exports",
    "bundled_module",
    "deny",
    "gc",
    "load_shim",
    "load_shim_module",
    "prepare",
    "rename_exports",
    "retarget",
    "share_guest_memory",
    "shim_export",
    "shim_exports",
    "signature",
    "wasi_calls",
    "wasi_imports",
]
