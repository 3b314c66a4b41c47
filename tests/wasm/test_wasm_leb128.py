"""LEB128: round trips, padded forms, and the overflow / too-long / truncation checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from componentize.errors import WasmDecodeError
from componentize.wasm.leb128 import (
    Reader,
    decode_sleb,
    decode_uleb,
    encode_sleb,
    encode_uleb,
    s32,
    s33,
    s64,
    u32,
    u64,
)

UNSIGNED = {32: u32, 64: u64}
SIGNED = {32: s32, 33: s33, 64: s64}


def pad(value: int, width: int) -> bytes:
    """`value` written with exactly `width` bytes (valid but non-canonical when padded).

    Python's `>>` on negative ints sign-extends, so this serves both signednesses.
    """
    out = bytearray()
    for i in range(width):
        b = (value >> (7 * i)) & 0x7F
        out.append(b | (0x80 if i < width - 1 else 0))
    return bytes(out)


@given(st.integers(0, 2**32 - 1))
def test_u32_round_trip(v: int) -> None:
    data = u32(v)
    assert decode_uleb(data, 0, len(data), 32) == (v, len(data))
    assert len(data) == max(1, (v.bit_length() + 6) // 7)


@given(st.integers(0, 2**64 - 1))
def test_u64_round_trip(v: int) -> None:
    data = u64(v)
    assert decode_uleb(data, 0, len(data), 64) == (v, len(data))


@given(st.sampled_from([32, 33, 64]), st.data())
def test_signed_round_trip(bits: int, data: st.DataObject) -> None:
    v = data.draw(st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1))
    enc = SIGNED[bits](v)
    assert decode_sleb(enc, 0, len(enc), bits) == (v, len(enc))
    # Canonical: dropping the last byte never still encodes the value.
    assert len(enc) <= (bits + 6) // 7


@given(st.integers(0, 2**32 - 1), st.integers(1, 5))
def test_padded_u32_accepted(v: int, extra: int) -> None:
    width = min(5, max(1, (v.bit_length() + 6) // 7) + extra - 1)
    enc = pad(v, width)
    assert decode_uleb(enc, 0, len(enc), 32) == (v, width)


@given(st.integers(-(2**31), 2**31 - 1))
def test_padded_s32_accepted(v: int) -> None:
    enc = pad(v, 5)
    assert decode_sleb(enc, 0, len(enc), 32) == (v, 5)


@given(st.integers(-(2**32), 2**32 - 1))
def test_padded_s33_accepted(v: int) -> None:
    enc = pad(v, 5)
    assert decode_sleb(enc, 0, len(enc), 33) == (v, 5)


@given(st.integers(-(2**63), 2**63 - 1))
def test_padded_s64_accepted(v: int) -> None:
    enc = pad(v, 10)
    assert decode_sleb(enc, 0, len(enc), 64) == (v, 10)


@given(st.integers(2**32, 2**35 - 1))
def test_u32_overflow_rejected(v: int) -> None:
    enc = pad(v, 5)
    with pytest.raises(WasmDecodeError, match="too large"):
        decode_uleb(enc, 0, len(enc), 32)


@given(st.sampled_from([(32, 5), (33, 5), (64, 10)]), st.data())
def test_signed_overflow_rejected(spec: tuple[int, int], data: st.DataObject) -> None:
    bits, width = spec
    span = 7 * width
    # Values that fit the padded width but not `bits`.
    v = data.draw(
        st.one_of(
            st.integers(2 ** (bits - 1), 2 ** (span - 1) - 1),
            st.integers(-(2 ** (span - 1)), -(2 ** (bits - 1)) - 1),
        )
    )
    enc = pad(v, width)
    with pytest.raises(WasmDecodeError, match="too large"):
        decode_sleb(enc, 0, len(enc), bits)


@pytest.mark.parametrize("bits,width", [(32, 5), (64, 10)])
def test_too_long_rejected(bits: int, width: int) -> None:
    enc = b"\x80" * width + b"\x00"
    with pytest.raises(WasmDecodeError, match="too long"):
        decode_uleb(enc, 0, len(enc), bits)
    with pytest.raises(WasmDecodeError, match="too long"):
        decode_sleb(enc, 0, len(enc), bits)


@given(st.integers(0, 2**64 - 1))
def test_truncated_rejected(v: int) -> None:
    enc = u64(v)
    for cut in range(len(enc)):
        with pytest.raises(WasmDecodeError, match="end of data"):
            decode_uleb(enc, 0, cut, 64)


def test_error_carries_absolute_offset() -> None:
    data = b"\x00\x00\x00" + b"\xff" * 5 + b"\x7f"
    r = Reader(data, 3, len(data), "type")
    with pytest.raises(WasmDecodeError) as e:
        r.u32()
    assert e.value.offset == 3
    assert "type section" in str(e.value) and "0x3" in str(e.value)


def test_encode_range_checks() -> None:
    with pytest.raises(ValueError):
        u32(2**32)
    with pytest.raises(ValueError):
        s32(2**31)
    with pytest.raises(ValueError):
        encode_uleb(-1)
    assert bytes(encode_sleb(-1)) == b"\x7f"
    assert bytes(encode_sleb(64)) == b"\xc0\x00"
    assert bytes(encode_uleb(624485)) == b"\xe5\x8e\x26"


def test_reader_count_guards_allocation() -> None:
    # A vector claiming 2**32-1 items in a 10-byte section fails before reading any.
    data = u32(2**32 - 1) + b"\x00" * 5
    r = Reader(data, 0, len(data), "import")
    with pytest.raises(WasmDecodeError, match="exceeds"):
        r.count()


def test_reader_name_utf8() -> None:
    r = Reader(b"\x02\xc3\x28", 0, 3, "export")
    with pytest.raises(WasmDecodeError, match="UTF-8"):
        r.name()
    # Surrogates are not Unicode scalar values.
    r = Reader(b"\x03\xed\xa0\x80", 0, 4, "export")
    with pytest.raises(WasmDecodeError, match="UTF-8"):
        r.name()
    assert Reader(b"\x05" + "é☃".encode()).name() == "é☃"
