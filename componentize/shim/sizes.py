"""What the shim costs, in bytes: gc'd to a set of exports, and per export.

`componentize inspect` shows the per-export sizes of the shim inside a
component; `benches/bench_shim.py` measures the prebuilt shim the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from componentize.shim.catalog import REALLOC_EXPORT
from componentize.shim.gc import gc, shim_exports
from componentize.wasm.decode import decode_module
from componentize.wasm.encode import encode_module
from componentize.wasm.model import Module
from componentize.wasm.query import export_map, name_section


def gc_size(module: Module, keep_exports: Iterable[str]) -> int:
    """Bytes of `module` gc'd to `keep_exports` (plus what gc always keeps:
    start-up and `cabi_realloc`)."""
    return len(encode_module(gc(module, set(keep_exports))))


def function_sizes(shim: bytes | Module) -> dict[str, int]:
    """What each shim export costs, by the bundled shim's name for it: the
    shim gc'd to that export alone, less the shim gc'd to nothing (start-up
    and `cabi_realloc`).  Shared code is counted in every export that
    reaches it."""
    module = decode_module(shim) if isinstance(shim, bytes) else shim
    base = gc_size(module, ())
    named = bundled_names(module)
    exports = [e for e in shim_exports(module) if e != REALLOC_EXPORT]
    return {named.get(e, e): gc_size(module, (e,)) - base for e in exports}


def bundled_names(module: Module) -> dict[str, str]:
    """Each export of `module` -> the bundled shim's export of the same
    function, matched by the function's name in the name section.  A shim
    inside a component exports what the stubs stand for by slot numbers
    (the layout links them so); the name section, which gc and the layout
    keep, still says which preview1 function each is."""
    names = _function_names(module)
    bundled = _bundled_exports_by_function_name()
    by_name = export_map(module)
    return {
        export: bundled.get(names.get(by_name[export].index, ""), export)
        for export in shim_exports(module)
    }


def _function_names(module: Module) -> dict[int, str]:
    ns = name_section(module)
    return {} if ns is None else ns.functions


@cache
def _bundled_exports_by_function_name() -> dict[str, str]:
    from componentize.shim import bundled_module  # decoded once per process

    module = bundled_module()
    names = _function_names(module)
    by_name = export_map(module)
    out: dict[str, str] = {}
    for export in sorted(shim_exports(module)):  # several names for one function: the first
        out.setdefault(names.get(by_name[export].index, ""), export)
    out.pop("", None)
    return out
