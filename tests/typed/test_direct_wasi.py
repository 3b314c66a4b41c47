"""A WASI 0.2 interface imported directly (a wasip2-style import,
`wasi:random/random@0.2.0` through the canonical ABI, its list result lowered
with the module's realloc) beside wasi-libc's preview1 imports (getenv):
both are served by the host, in one component
(`tests/fixtures/typed/src/direct.c`, both name conventions).
"""

from __future__ import annotations

import re

import pytest
import wasmtime
import wasmtime.component as wc

from . import oracle
from .oracle import PIPELINES

NAMES = oracle.variant_names("direct")
CASES = [(p, n) for p in PIPELINES for n in NAMES]


class DirectGuest:
    def __init__(self, component: bytes) -> None:
        self.store = wasmtime.Store(oracle.engine())
        wasi = wasmtime.WasiConfig()
        wasi.env = [("DIRECT", "yes")]
        self.store.set_wasi(wasi)
        linker = wc.Linker(oracle.engine())
        linker.add_wasip2()
        self.instance = linker.instantiate(self.store, oracle.compiled(component))

    def call(self, name: str, *args: object) -> object:
        func = self.instance.get_func(self.store, name)
        assert func is not None, name
        result = func(self.store, *args)
        func.post_return(self.store)
        return result


_COMPONENTS: dict[tuple[str, str], bytes] = {}


def component(pipeline: str, name: str) -> bytes:
    if (pipeline, name) not in _COMPONENTS:
        module = oracle.embedded_module(name, "wasm-tools")
        _COMPONENTS[pipeline, name] = oracle.make_component(pipeline, module, "reactor")
    return _COMPONENTS[pipeline, name]


@pytest.mark.parametrize(("pipeline", "name"), CASES)
def test_direct_and_preview1(pipeline: str, name: str, jco_adapter: None) -> None:
    g = DirectGuest(component(pipeline, name))
    assert g.call("random-len", 0) == 0
    assert g.call("random-len", 1000) == 1000
    assert g.call("random-differs") is True
    assert g.call("env", "DIRECT") == "yes"
    assert g.call("env", "NOPE") is None
    live = g.call("live-allocations")
    for _ in range(5):
        g.call("random-len", 100)
        g.call("env", "DIRECT")
    assert g.call("live-allocations") == live


def _imports(wit: str) -> set[str]:
    return {re.sub(r"@0\.2\.\d+", "", m) for m in re.findall(r"^  import (wasi:[^;]+);", wit, re.M)}


@pytest.mark.parametrize("name", NAMES)
def test_direct_world(name: str, jco_adapter: None) -> None:
    """Both components import wasi:random/random (once) and export the same world."""
    ours = oracle.component_wit(component("ours", name))
    official = oracle.component_wit(component("official", name), cache=True)
    assert oracle.normalize_world(ours) == oracle.normalize_world(official)
    for wit in (ours, official):
        assert "wasi:random/random" in _imports(wit)
        assert len(re.findall(r"^  import wasi:random/random@", wit, re.M)) == 1
