"""What the shim costs, in bytes: gc'd to a set of exports, and per export.

`componentize inspect` shows the per-export sizes of the shim inside a
component; `benches/bench_shim.py` measures the prebuilt shim the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from componentize.shim.catalog import REALLOC_EXPORT
from componentize.shim.gc import gc, shim_exports
from componentize.wasm.decode import decode_module
from componentize.wasm.encode import encode_module
from componentize.wasm.model import Module


def gc_size(module: Module, keep_exports: Iterable[str]) -> int:
    """Bytes of `module` gc'd to `keep_exports` (plus what gc always keeps:
    start-up and `cabi_realloc`)."""
    return len(encode_module(gc(module, set(keep_exports))))


def function_sizes(shim: bytes | Module) -> dict[str, int]:
    """What each shim export costs: the shim gc'd to that export alone, less
    the shim gc'd to nothing (start-up and `cabi_realloc`).  Shared code is
    counted in every export that reaches it."""
    module = decode_module(shim) if isinstance(shim, bytes) else shim
    base = gc_size(module, ())
    exports = [e for e in shim_exports(module) if e != REALLOC_EXPORT]
    return {e: gc_size(module, (e,)) - base for e in exports}
