"""The jco driver's value encoding (`toolchains.jco`, `jco_driver.mjs`): Python
values reach JavaScript as the types jco's bindings take, and come back as
they went, through a host module's methods on a real instance."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from toolchains import jco
from toolchains.errors import ToolchainError
from toolchains.jco import BigInt, Call, HostCall

from . import oracle
from .oracle import API

HOST_MODULE = Path(__file__).resolve().parent / "jco_host.mjs"

# (sent, what comes back, its JavaScript type)
VALUES = [
    (True, True, "boolean"),
    (2**53 - 1, 2**53 - 1, "number"),
    (-1.5, -1.5, "number"),
    (math.inf, math.inf, "number"),
    (-math.inf, -math.inf, "number"),
    (-0.0, -0.0, "number"),
    (BigInt(2**64 - 1), 2**64 - 1, "bigint"),
    (BigInt(-(2**63)), -(2**63), "bigint"),
    (b"\x00\xff", b"\x00\xff", "Uint8Array"),
    (None, None, "undefined"),
    ("\U0001f600\u00e9", "\U0001f600\u00e9", "string"),
    ([1, [b"", None], {"a": BigInt(1)}], [1, [b"", None], {"a": 1}], "object"),
]


@pytest.fixture(scope="module")
def report(jco_available: None) -> jco.CallReport:
    component = oracle.ours(oracle.embedded_module("zig-legacy-reactor", "wasm-tools"))
    steps: list[jco.Step] = [
        HostCall(method, [sent]) for sent, _, _ in VALUES for method in ("echo", "typeOf")
    ]
    steps += [HostCall("echo", [math.nan]), Call(API, "no-such-function"), HostCall("nope")]
    return jco.call_component_jco(component, HOST_MODULE, steps)


def test_values_round_trip(report: jco.CallReport) -> None:
    outcomes = report.outcomes
    for i, (sent, back, js_type) in enumerate(VALUES):
        echoed, typed = outcomes[2 * i], outcomes[2 * i + 1]
        assert (echoed.kind, typed.kind) == ("ok", "ok"), (sent, echoed, typed)
        assert echoed.value == back and typed.value == js_type, sent
        if isinstance(back, float):
            assert math.copysign(1, echoed.value) == math.copysign(1, back)  # type: ignore[arg-type]
    nan = outcomes[2 * len(VALUES)]
    assert nan.kind == "ok" and isinstance(nan.value, float) and math.isnan(nan.value)


def test_failures_are_reported(report: jco.CallReport) -> None:
    """A step naming no export is the driver's complaint, not a trap; a host
    method that does not exist is a JavaScript TypeError."""
    missing, no_method = report.outcomes[-2:]
    assert (missing.kind, missing.message) == ("driver", "no function no-such-function")
    assert no_method.kind == "error" and no_method.message.startswith("TypeError")


def test_unsafe_integers_are_refused() -> None:
    """A Python int beyond 2**53 would lose digits as a JavaScript number."""
    with pytest.raises(ToolchainError, match="BigInt"):
        jco.to_json([2**53])
