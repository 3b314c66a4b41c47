"""`decode_module(..., lazy_data=True)`: the data section's segments are
decoded only when read (`LazyItems`), a module written back unchanged keeps
their bytes, and what they decode to is what the eager decoder gives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import wasmtime

from componentize import wasm
from componentize.errors import WasmDecodeError
from componentize.wasm.decode import LazyItems

GO = Path(__file__).parent.parent / "fixtures" / "real" / "go" / "main.wasm"

SEGMENTS = """
(module
  (memory 1)
  (data (i32.const 8) "ab")
  (data "passive")
  (data (i32.const 100) "xyz"))
"""


def test_lazy_segments_decode_as_the_eager_ones() -> None:
    data = wasmtime.wat2wasm(SEGMENTS)
    lazy, eager = wasm.decode_module(data, lazy_data=True), wasm.decode_module(data)
    assert isinstance(lazy.datas, LazyItems) and len(lazy.datas) == 3
    assert lazy.datas._items is None  # counted, not decoded
    assert list(lazy.datas) == list(eager.datas) and lazy.datas == eager.datas
    assert lazy.datas[2].data == b"xyz" and lazy.datas[1].mode == "passive"


def test_an_unchanged_module_keeps_its_bytes_without_reading_the_segments() -> None:
    data = GO.read_bytes()
    module = wasm.decode_module(data, lazy_data=True)
    renamed = replace(module, exports=[*module.exports, wasm.Export("extra", "memory", 0)])
    assert wasm.encode_module(module) == data
    out = wasm.encode_module(renamed)
    assert isinstance(module.datas, LazyItems) and module.datas._items is None
    assert wasm.decode_module(out).datas == wasm.decode_module(data).datas


def test_segments_replaced_by_a_list_are_written() -> None:
    data = wasmtime.wat2wasm(SEGMENTS)
    module = wasm.decode_module(data, lazy_data=True)
    fewer = replace(module, datas=list(module.datas)[:1])
    assert [d.data for d in wasm.decode_module(wasm.encode_module(fewer)).datas] == [b"ab"]


def test_a_malformed_segment_is_found_when_read() -> None:
    data = bytearray(wasmtime.wat2wasm(SEGMENTS))
    at = data.index(b"\x00\x41\x08\x0b")  # the first segment: flags 0, i32.const 8, end
    data[at] = 7  # no such segment form
    with pytest.raises(WasmDecodeError):
        wasm.decode_module(bytes(data))
    lazy = wasm.decode_module(bytes(data), lazy_data=True)
    assert len(lazy.datas) == 3
    with pytest.raises(WasmDecodeError, match="unknown data segment form 7"):
        list(lazy.datas)
