"""Core signatures and canonopts checked by wasmtime's component validator
(see wat_oracle.py): for all of our WASI functions and for random ones."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from componentize.wit import resolve_dir
from componentize.wit.model import Borrow, Function

from .models import DESCRIPTOR, STRING, U32, func, method
from .strategies import RES, wit_types
from .wat_oracle import wasmtime_accepts

WIT = Path(__file__).resolve().parents[2] / "wit"


def _failures(functions: list[Function]) -> list[str]:
    if wasmtime_accepts(functions) is None:
        return []
    # find the culprits one by one for a readable failure
    return [f"{fn.name}: {err}" for fn in functions if (err := wasmtime_accepts([fn]))]


def test_wasmtime_agrees_on_every_wasi_function() -> None:
    resolved = resolve_dir(WIT, features=frozenset({"clocks-timezone", "network-error-code"}))
    functions = [
        fn
        for pkg in resolved.packages
        for i in pkg.interfaces.values()
        for fn in i.functions.values()
    ]
    assert len(functions) == 127
    assert _failures(functions) == []


def test_wasmtime_agrees_on_spilling_edges() -> None:
    functions = [
        func("sixteen", [U32] * 16),
        func("seventeen", [U32] * 17, STRING),
        func("strings", [STRING] * 8, STRING),
        func("nine-strings", [STRING] * 9),
        method(DESCRIPTOR, "fifteen", [U32] * 15, U32),
        method(DESCRIPTOR, "sixteen", [U32] * 16, U32),
    ]
    assert _failures(functions) == []


def test_oracle_rejects_a_wrong_signature() -> None:
    text_ok = wasmtime_accepts([func("f", [U32])])
    assert text_ok is None
    # an unsupported type makes the oracle itself fail, not silently pass
    assert wasmtime_accepts([func("g", [Borrow(RES)], Borrow(RES))]) is not None


safe = wit_types(component_safe=True)
random_function = st.builds(
    lambda params, res: func("f", params, res),
    st.lists(safe | st.just(Borrow(RES)), max_size=8),
    st.none() | safe,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(random_function, min_size=1, max_size=10))
def test_wasmtime_agrees_on_random_functions(functions: list[Function]) -> None:
    assert _failures(functions) == []
