"""The data section's inline reader (`decode._datas`) reads exactly what the
general one (`decode._data` per segment) reads, on any bytes: same segments,
same end, same error or none."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from componentize.errors import WasmDecodeError
from componentize.wasm.decode import _data, _datas
from componentize.wasm.leb128 import Reader, encode_sleb, encode_uleb


def _general(r: Reader) -> list[object]:
    return [_data(r) for _ in range(r.count("data segment"))]


def _outcome(reader: object, payload: bytes) -> tuple[object, ...]:
    r = Reader(payload, 0, len(payload), "data")
    try:
        return ("ok", reader(r), r.pos)  # type: ignore[operator]
    except WasmDecodeError as e:
        return ("error", str(e))


def _uleb(n: int) -> bytes:
    return bytes(encode_uleb(n))


def _sleb(n: int) -> bytes:
    return bytes(encode_sleb(n))


# A segment in the usual form (flags 0, i32.const, end, size, bytes), with
# offsets and sizes around every LEB length the inline reader distinguishes.
offsets = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, 63, 64, 8191, 2**27]))
segment = st.builds(
    lambda off, body, pad: b"\x00\x41" + _sleb(off) + pad + b"\x0b" + _uleb(len(body)) + body,
    offsets,
    st.binary(max_size=300),
    st.sampled_from([b"", b"", b"", b"\x0b", b"\x41\x00"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(segment, st.binary(max_size=8)), max_size=6), st.data())
def test_inline_and_general_readers_agree(segments: list[bytes], data: st.DataObject) -> None:
    count = data.draw(st.integers(0, len(segments) + 1))
    payload = _uleb(count) + b"".join(segments)
    cut = data.draw(st.integers(0, len(payload)))  # truncations too
    for candidate in (payload, payload[:cut]):
        assert _outcome(_datas, candidate) == _outcome(_general, candidate)


def test_a_go_sized_section_reads_the_same() -> None:
    payload = _uleb(3000) + b"".join(
        b"\x00\x41" + _sleb(65536 + 40 * i) + b"\x0b" + _uleb(i % 200) + bytes(i % 200)
        for i in range(3000)
    )
    assert _outcome(_datas, payload) == _outcome(_general, payload)
