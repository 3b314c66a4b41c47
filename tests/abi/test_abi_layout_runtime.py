"""Our layout (sizes, alignment, field and payload offsets, discriminants,
flags bits) against the bytes wasmtime actually stores (layout_oracle.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from componentize.abi import elem_size
from componentize.wit.model import Type

from .layout_oracle import encode, pointer_free_types, stored_bytes, values
from .models import DATETIME, DESCRIPTOR_TYPE, IP_SOCKET_ADDRESS, NEW_TIMESTAMP, U8, U64, tup


def _ours(t: Type, value: Any) -> bytes:
    out = bytearray(elem_size(t))
    encode(t, value, out, 0)
    return bytes(out)


@st.composite
def typed_values(draw: st.DrawFn) -> tuple[Type, Any]:
    t = draw(pointer_free_types())
    return t, draw(values(t))


@settings(max_examples=150, deadline=None)
@given(typed_values())
def test_wasmtime_stores_what_our_layout_says(tv: tuple[Type, Any]) -> None:
    t, value = tv
    assert stored_bytes(t, value) == _ours(t, value)


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_wasi_types_in_memory(data: st.DataObject) -> None:
    for t in (DATETIME, NEW_TIMESTAMP, IP_SOCKET_ADDRESS, tup(U8, DESCRIPTOR_TYPE, U64)):
        value = data.draw(values(t))
        assert stored_bytes(t, value) == _ours(t, value)
