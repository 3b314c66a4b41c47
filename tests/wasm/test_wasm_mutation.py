"""Mutated real modules: the decoder may succeed or raise WasmDecodeError, nothing else.

Truncations, bit flips and byte overwrites of the whole fixture corpus (the
shared `corpus` fixture when present, else our zig builds) and of the WAT
modules: 10,000 hypothesis cases plus every truncation of the WAT modules.
When a mutant still decodes, the name and producers sections and the function
body hit by the mutation are decoded too, so the instruction decoder is
exercised on corrupted code as well.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest
import wasmtime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wasm_support import Program, full_body
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


@dataclass(frozen=True)
class Sample:
    data: bytes
    spans: tuple[tuple[int, int], ...]  # (start, end) of each standard section


@pytest.fixture(scope="module")
def samples(real_modules: list[Program], wasm_programs: list[Program]) -> list[Sample]:
    """The fixture corpus (or our zig builds), our stripped builds and every WAT module."""
    blobs = {p.path.read_bytes() for p in [*real_modules, *wasm_programs]}
    blobs |= {bytes(wasmtime.wat2wasm(text)) for text, _, _ in MODULES.values()}
    out = []
    for data in sorted(blobs, key=len):
        raw = decode_module(data).raw
        out.append(Sample(data, tuple((r.start, r.end) for r in raw.values())))
    return out


def _position(sample: Sample, data: st.DataObject) -> int:
    """A byte position, half the time inside a standard section.

    Debug builds are mostly custom sections; without the bias most mutations
    would land in bytes the decoder only copies.
    """
    inside = data.draw(st.booleans())
    if sample.spans and inside:
        start, end = sample.spans[data.draw(st.integers(0, len(sample.spans) - 1))]
        return data.draw(st.integers(start, end - 1))
    return data.draw(st.integers(0, len(sample.data) - 1))


def _pick(samples: list[Sample], data: st.DataObject) -> Sample:
    return samples[data.draw(st.integers(0, len(samples) - 1))]


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
def test_truncations(samples: list[Sample], data: st.DataObject) -> None:
    sample = _pick(samples, data)
    cut = _position(sample, data)
    exercise(sample.data[:cut], cut)


@fast(4000)
@given(st.data())
def test_bit_flips(samples: list[Sample], data: st.DataObject) -> None:
    sample = _pick(samples, data)
    mutant = bytearray(sample.data)
    positions = [_position(sample, data) for _ in range(data.draw(st.integers(1, 3)))]
    for pos in positions:
        mutant[pos] ^= 1 << data.draw(st.integers(0, 7))
    exercise(bytes(mutant), positions[0])


@fast(3000)
@given(st.data())
def test_byte_overwrites(samples: list[Sample], data: st.DataObject) -> None:
    sample = _pick(samples, data)
    mutant = bytearray(sample.data)
    pos = _position(sample, data)
    # Values that make LEB128s long, counts huge and opcodes prefixed.
    mutant[pos] = data.draw(st.sampled_from([0x00, 0x0B, 0x40, 0x7F, 0x80, 0xFC, 0xFD, 0xFF]))
    exercise(bytes(mutant), pos)


def test_every_truncation_of_wat_modules() -> None:
    """Exhaustive for the small modules: every proper prefix fails cleanly or decodes."""
    cases = 0
    for text, _, _ in MODULES.values():
        data = bytes(wasmtime.wat2wasm(text))
        for cut in range(len(data)):
            exercise(data[:cut], cut)
            cases += 1
    assert cases > 1000
