"""Every corpus program, componentized, behaves as under native preview1.

Programs that call preview1 functions the shim does not have yet must be
refused with an error naming the function; all others must match native
stdout, stderr, exit code and preopened-dir effects.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from harness import assert_same, differential

from componentize import shim
from componentize.assemble import componentize
from componentize.errors import UnsupportedModuleError
from componentize.wasm import decode_module
from toolchains import jco
from toolchains.corpus import CORPUS_OPT_LEVELS, Fixture, corpus_sources

CASES = [(name, opt) for name, _ in corpus_sources() for opt in CORPUS_OPT_LEVELS]


def _fixture(corpus: list[Fixture], name: str, opt: str) -> Fixture:
    return next(f for f in corpus if (f.name, f.opt) == (name, opt))


def _missing_functions(wasm: bytes) -> list[str]:
    available = set(shim.shim_exports(shim.load_shim_module()))
    return sorted(
        i.name
        for i in decode_module(wasm).imports
        if i.module in shim.catalog.MODULES and i.name not in available
    )


@cache
def _component(path: Path) -> bytes:
    """A fixture's component, made once for the wasmtime and the jco runs."""
    return componentize(path.read_bytes()).component


@pytest.mark.parametrize(("name", "opt"), CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_corpus_program(corpus: list[Fixture], name: str, opt: str) -> None:
    fixture = _fixture(corpus, name, opt)
    module = fixture.path.read_bytes()
    missing = _missing_functions(module)
    if missing:
        with pytest.raises(UnsupportedModuleError) as refused:
            componentize(module)
        assert any(f"`{m}`" in str(refused.value) for m in missing)
        return
    spec = fixture.run
    dirs = {guest: {} for guest in spec.preopens} or None
    component = _component(fixture.path)
    d = differential(module, component, args=spec.args, env=spec.env, dirs=dirs, stdin=spec.stdin)
    assert_same(d)
    assert d.native.exit_code == spec.exit_code


@pytest.fixture(scope="module")
def jco_components(corpus: list[Fixture], jco_available: None) -> dict[tuple[str, str], bytes]:
    """Every corpus program's component, transpiled by jco in one Node process."""
    done = {
        (f.name, f.opt): _component(f.path)
        for f in corpus
        if not _missing_functions(f.path.read_bytes())
    }
    jco.transpile_many(done.values())
    return done


@pytest.mark.parametrize(("name", "opt"), CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_corpus_program_under_jco(
    corpus: list[Fixture], jco_components: dict[tuple[str, str], bytes], name: str, opt: str
) -> None:
    """The same components under jco/Node, the way JavaScript hosts run them."""
    fixture = _fixture(corpus, name, opt)
    if (name, opt) not in jco_components:
        pytest.fail(f"{name} calls preview1 functions the shim lacks")
    spec = fixture.run
    dirs = {guest: {} for guest in spec.preopens} or None
    d = differential(
        fixture.path.read_bytes(),
        jco_components[name, opt],
        args=spec.args,
        env=spec.env,
        dirs=dirs,
        stdin=spec.stdin,
        component_runner=jco.run_component_jco,
    )
    assert_same(d)
    assert d.component.exit_code == spec.exit_code


def test_componentize_is_deterministic(corpus: list[Fixture]) -> None:
    module = _fixture(corpus, "c/stdio", "O2").path.read_bytes()
    assert componentize(module).component == componentize(module).component
