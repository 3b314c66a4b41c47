"""A world in several component-type sections, as a module linked from several
libraries carries it: `typed-api` (host imports, api exports) and `typed-root`
(`now`, `version`) of `tests/fixtures/typed/wit/typed.wit`, embedded one after
the other into the same module (by wasm-tools, or by our embed), are merged
into the world `typed`: the component works as the one-section fixture does
and has the same world.
"""

from __future__ import annotations

from functools import cache

import pytest

from componentize import wasm
from toolchains.typed import embed as wasm_tools_embed

from . import oracle
from .oracle import EMBEDDERS, PIPELINES, Guest

NAMES = ["rust-cm32p2-reactor", "zig-legacy-command"]
CASES = [(p, e, n) for p in PIPELINES for e in EMBEDDERS for n in NAMES]


@cache
def two_sections(name: str, embedder: str) -> bytes:
    module = oracle.core_module(name)
    for world in ("typed-api", "typed-root"):
        if embedder == "wasm-tools":
            module = wasm_tools_embed(module, world=world)
        else:
            module = oracle.embed_ours(module, world=world)
    return module


@pytest.mark.parametrize(("pipeline", "embedder", "name"), CASES)
def test_two_sections(pipeline: str, embedder: str, name: str, jco_adapter: None) -> None:
    kind = oracle.variant(name).kind
    component = oracle.make_component(pipeline, two_sections(name, embedder), kind)
    guest = Guest(component, env={"TYPED_VAR": "v"})
    lang = oracle.variant(name).lang
    assert guest.api("greet", "two") == f"hello, two, from pyhost ({lang})"
    assert guest.root("version") == f"typed-{lang} 42"
    oracle.every_export(guest)
    live = guest.api("live-allocations")
    oracle.every_export(guest)
    assert guest.api("live-allocations") == live
    one_section = oracle.official(oracle.embedded_module(name, "wasm-tools"), kind)
    assert oracle.normalize_world(oracle.component_wit(component)) == oracle.normalize_world(
        oracle.component_wit(one_section, cache=True)
    )


def test_sections_are_two() -> None:
    """The fixture of this file really has two component-type sections."""
    for embedder in EMBEDDERS:
        module = wasm.decode_module(two_sections("clang19-legacy-reactor", embedder))
        names = [c.name for c in module.customs]
        assert names.count("component-type") == 2, (embedder, names)
