"""String encodings: a module whose world says utf16 or latin1+utf16 (as
`wasm-tools component embed --encoding` writes it) gets its strings in that
encoding, in export parameters and results and in import parameters and
results (`tests/fixtures/typed/src/strings.c`, which reports the code units it
received).  Official pipeline and ours, checked through wasmtime-py.
"""

from __future__ import annotations

import pytest
import wasmtime
import wasmtime.component as wc

from . import oracle
from .oracle import PIPELINES

SAMPLES = [
    "",
    "abc",
    "h\u00e9llo \u00ff",  # latin1
    "\u0100x",  # beyond latin1
    "\U0001f600 grin",  # a surrogate pair in utf16
    "a\x00b",
    ("x\u00e9\u4e2d\U0001f30d" * 60),
]

NAMES = oracle.variant_names("strings")
CASES = [(p, n) for p in PIPELINES for n in NAMES]


class StringsGuest:
    def __init__(self, component: bytes) -> None:
        self.decorated: list[str] = []
        self.store = wasmtime.Store(oracle.engine())
        self.store.set_wasi(wasmtime.WasiConfig())
        linker = wc.Linker(oracle.engine())
        linker.add_wasip2()
        with linker.root() as root:
            root.add_func("decorate", self._decorate)
        self.instance = linker.instantiate(self.store, oracle.compiled(component))

    def _decorate(self, store: wasmtime.Store, s: str) -> str:
        self.decorated.append(s)
        return f"<{s}>"

    def call(self, name: str, *args: object) -> object:
        func = self.instance.get_func(self.store, name)
        assert func is not None, name
        result = func(self.store, *args)
        func.post_return(self.store)
        return result


def expected_units(s: str, encoding: str) -> list[int]:
    """The code units the guest sees (latin1+utf16: the tag first)."""
    utf16 = list(memoryview(s.encode("utf-16-le")).cast("H"))
    if encoding == "utf8":
        return list(s.encode("utf-8"))
    if encoding == "utf16":
        return utf16
    if all(ord(c) < 256 for c in s):
        return [0, *(ord(c) for c in s)]
    return [1, *utf16]


_COMPONENTS: dict[tuple[str, str], bytes] = {}


@pytest.fixture(params=CASES, ids=[f"{p}-{n}" for p, n in CASES])
def guest(request: pytest.FixtureRequest) -> tuple[StringsGuest, str]:
    pipeline, name = request.param
    if pipeline == "official":
        request.getfixturevalue("jco_adapter")
    if (pipeline, name) not in _COMPONENTS:
        module = oracle.embedded_module(name, "wasm-tools")
        _COMPONENTS[pipeline, name] = oracle.make_component(pipeline, module, "reactor")
    return StringsGuest(_COMPONENTS[pipeline, name]), oracle.variant(name).encoding


def test_export_params_and_results(guest: tuple[StringsGuest, str]) -> None:
    g, encoding = guest
    for s in SAMPLES:
        assert g.call("echo", s) == s
        assert g.call("units", s) == expected_units(s, encoding), s[:20]


def test_import_params_and_results(guest: tuple[StringsGuest, str]) -> None:
    g, encoding = guest
    for s in SAMPLES:
        assert g.call("decorated", s) == f"<{s}>"
        assert g.call("decorated-units", s) == expected_units(f"<{s}>", encoding), s[:20]
    assert g.decorated == [s for s in SAMPLES for _ in range(2)]


def test_no_leaks(guest: tuple[StringsGuest, str]) -> None:
    g, _ = guest
    for name in ("echo", "units", "decorated", "decorated-units"):
        g.call(name, SAMPLES[-1])
    live = g.call("live-allocations")
    for _ in range(5):
        for name in ("echo", "units", "decorated", "decorated-units"):
            for s in SAMPLES:
                g.call(name, s)
    assert g.call("live-allocations") == live


@pytest.mark.parametrize("name", NAMES)
def test_differential_world(name: str, jco_adapter: None) -> None:
    module = oracle.embedded_module(name, "wasm-tools")
    ours = oracle.component_wit(oracle.ours(module))
    official = oracle.component_wit(oracle.official(module), cache=True)
    assert oracle.normalize_world(ours) == oracle.normalize_world(official)
