"""Mutated real modules: the decoder may succeed or raise WasmDecodeError, nothing else.

Truncations, bit flips and byte overwrites of zig-built programs and of the
WAT modules, 10,000+ cases in all.  When a mutant still decodes, the name and
producers sections and the function body hit by the mutation are decoded too,
so the instruction decoder is exercised on corrupted code as well.
"""

from __future__ import annotations

import contextlib

import pytest
import wasmtime
from conftest import Program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wasm_support import full_body
from wat_modules import MODULES

from componentize.errors import WasmDecodeError
from componentize.wasm import (
    Module,
    decode_body,
    decode_module,
    encode_module,
    name_section,
    producers_section,
)
from componentize.wasm.leb128 import decode_uleb


def fast(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


@pytest.fixture(scope="module")
def samples(wasm_programs: list[Program]) -> list[bytes]:
    """Stripped zig builds (small, mostly code) and every WAT module."""
    out = [p.path.read_bytes() for p in wasm_programs if "stripped" in p.name]
    out += [bytes(wasmtime.wat2wasm(text)) for text, _, _ in MODULES.values()]
    return out


def _body_at(module: Module, offset: int) -> int | None:
    """Index of the function body whose bytes contain `offset`, if any."""
    raw = module.raw.get(10)
    if raw is None or not raw.payload <= offset < raw.end:
        return None
    count, pos = decode_uleb(raw.source, raw.payload, raw.end, 32)
    for i in range(count):
        size, pos = decode_uleb(raw.source, pos, raw.end, 32)
        if pos <= offset < pos + size:
            return i
        pos += size
    return None


def exercise(data: bytes, offset: int) -> None:
    """Everything a tool might do with untrusted bytes; only WasmDecodeError may escape."""
    try:
        module = decode_module(data)
    except WasmDecodeError as e:
        assert e.section and e.offset is not None and 0 <= e.offset <= len(data)
        return
    assert encode_module(module) == data
    for get in (name_section, producers_section):
        with contextlib.suppress(WasmDecodeError):
            get(module)
    index = _body_at(module, offset)
    # Large bodies are skipped to keep 10,000 cases fast; the decoder path is the same.
    if index is not None and len(module.codes[index].code) < 3000:
        with contextlib.suppress(WasmDecodeError):
            decode_body(full_body(module.codes[index]))


@fast(3000)
@given(st.data())
def test_truncations(samples: list[bytes], data: st.DataObject) -> None:
    original = samples[data.draw(st.integers(0, len(samples) - 1))]
    cut = data.draw(st.integers(0, len(original) - 1))
    exercise(original[:cut], cut)


@fast(4000)
@given(st.data())
def test_bit_flips(samples: list[bytes], data: st.DataObject) -> None:
    original = bytearray(samples[data.draw(st.integers(0, len(samples) - 1))])
    flips = data.draw(st.lists(st.integers(0, 8 * len(original) - 1), min_size=1, max_size=3))
    for bit in flips:
        original[bit // 8] ^= 1 << (bit % 8)
    exercise(bytes(original), flips[0] // 8)


@fast(3000)
@given(st.data())
def test_byte_overwrites(samples: list[bytes], data: st.DataObject) -> None:
    original = bytearray(samples[data.draw(st.integers(0, len(samples) - 1))])
    pos = data.draw(st.integers(0, len(original) - 1))
    # Values that make LEB128s long, counts huge and opcodes prefixed.
    value = data.draw(st.sampled_from([0x00, 0x0B, 0x40, 0x7F, 0x80, 0xFC, 0xFD, 0xFF]))
    original[pos] = value
    exercise(bytes(original), pos)


def test_every_truncation_of_wat_modules() -> None:
    """Exhaustive for the small modules: every proper prefix fails cleanly or decodes."""
    cases = 0
    for text, _, _ in MODULES.values():
        data = bytes(wasmtime.wat2wasm(text))
        for cut in range(len(data)):
            exercise(data[:cut], cut)
            cases += 1
    assert cases > 1000
