"""String encodings under jco/Node.js: a module whose world says utf8, utf16 or
latin1+utf16 (`tests/fixtures/typed/src/strings.c`, which reports the code
units it received), componentized by ours and by the official pipeline, gets
its strings in that encoding from jco as from wasmtime (`test_strings.py`):
export parameters and results, a JavaScript import's parameters and results,
and no allocation left behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from toolchains import jco
from toolchains.errors import ToolchainError
from toolchains.jco import Call, HostCall, Step

from . import oracle
from .oracle import PIPELINES
from .test_strings import SAMPLES, expected_units

HOST_MODULE = Path(__file__).resolve().parent / "jco_strings_host.mjs"
NAMES = oracle.variant_names("strings")
ROUNDS = 3
# jco 1.35 cannot transpile a component lifting or lowering latin1+utf16 strings
# (compact-utf16): js-component-bindgen panics on it, for the official
# pipeline's output as for ours
COMPACT = "compact-utf16"
JCO_NO_COMPACT = (
    "jco transpile panics on latin1+utf16 (js-component-bindgen function_bindgen.rs: "
    "assertion failed: matches!(self.encoding, StringEncoding::UTF8 | StringEncoding::UTF16))"
)
RUNNABLE = [(p, n) for p in PIPELINES for n in NAMES if oracle.variant(n).encoding != COMPACT]
# the panic is jco's whatever the compiler (and takes 3 s to reach): one
# latin1+utf16 fixture per pipeline shows it, and shows when jco lifts it
COMPACT_NAME = next(n for n in NAMES if oracle.variant(n).encoding == COMPACT)
CASES = RUNNABLE + [(p, COMPACT_NAME) for p in PIPELINES]


def steps() -> list[Step]:
    """Every sample through every export, then rounds of the same between two
    reads of the guest's live allocations."""
    calls: list[Step] = [
        Call(None, name, [s])
        for s in SAMPLES
        for name in ("echo", "units", "decorated", "decorated-units")
    ]
    count: list[Step] = [Call(None, "live-allocations")]
    return [*calls, *count, *(calls * ROUNDS), *count, HostCall("records")]


def component_for(pipeline: str, name: str) -> bytes:
    module = oracle.embedded_module(name, "wasm-tools")
    return oracle.make_component(pipeline, module, "reactor")


@pytest.fixture(scope="module")
def reports(jco_available: None) -> dict[tuple[str, str], jco.CallReport]:
    """Every case on one instance each, in one Node process."""
    oracle.adapter("reactor")  # the official pipeline's adapter comes with jco
    jobs = [jco.CallJob(component_for(*case), HOST_MODULE, steps()) for case in RUNNABLE]
    return dict(zip(RUNNABLE, jco.call_many(jobs), strict=True))


def expected(encoding: str) -> list[object]:
    """What each step returns: the strings as sent, the code units the guest saw."""
    first: list[object] = [
        value
        for s in SAMPLES
        for value in (s, expected_units(s, encoding), f"<{s}>", expected_units(f"<{s}>", encoding))
    ]
    return first * (1 + ROUNDS)


def _compact(case: tuple[str, str]) -> jco.CallReport:
    """A latin1+utf16 case: jco's transpile fails, with the panic of JCO_NO_COMPACT
    and no other error."""
    try:
        return jco.call_component_jco(component_for(*case), HOST_MODULE, steps())
    except ToolchainError as error:
        assert "StringEncoding::UTF8 | StringEncoding::UTF16" in str(error), str(error)[-800:]
        raise


def _param(case: tuple[str, str]) -> Any:  # pytest's ParameterSet
    marks = []
    if oracle.variant(case[1]).encoding == COMPACT:
        marks.append(pytest.mark.xfail(raises=ToolchainError, strict=True, reason=JCO_NO_COMPACT))
    return pytest.param(case, marks=marks, id=f"{case[0]}-{case[1]}")


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_strings_under_jco(
    case: tuple[str, str], request: pytest.FixtureRequest, jco_available: None
) -> None:
    report = request.getfixturevalue("reports")[case] if case in RUNNABLE else _compact(case)
    assert report.instantiation is None, report.instantiation
    outcomes = report.outcomes
    assert all(o.kind == "ok" for o in outcomes), [o for o in outcomes if o.kind != "ok"][:3]
    per_round = len(SAMPLES) * 4
    before, after = outcomes[per_round].value, outcomes[-2].value
    values = [o.value for o in outcomes[:per_round] + outcomes[per_round + 1 : -2]]
    assert values == expected(oracle.variant(case[1]).encoding)
    assert before == after  # post-return freed what every call allocated
    decorated = [s for s in SAMPLES for _ in range(2)] * (1 + ROUNDS)
    assert outcomes[-1].value == {"decorated": decorated}
