"""LEB128 integers and a bounds-checked byte reader for the core binary format.

Every read checks its bounds against the end of the current section, so a
truncated or lying input raises `WasmDecodeError` with the absolute byte offset
instead of an `IndexError`.  Offsets are absolute because the reader always
works on the whole file buffer and only moves `pos`/`end`.
"""

from __future__ import annotations

from componentize.errors import WasmDecodeError

# (bits, signed) -> (maximum byte count, mask of the allowed bits in the last byte)
_U32_MAX = (1 << 32) - 1
_U64_MAX = (1 << 64) - 1


def _max_len(bits: int) -> int:
    return (bits + 6) // 7


def decode_uleb(data: bytes, pos: int, end: int, bits: int, section: str = "") -> tuple[int, int]:
    """Decode an unsigned LEB128 of at most `bits` bits at `pos`; return (value, new pos)."""
    if pos + 1 < end:
        b = data[pos]
        if b < 0x80:  # the overwhelmingly common one-byte case
            return b, pos + 1
        b2 = data[pos + 1]
        if b2 < 0x80:  # two bytes: sizes and indices below 16384
            return (b & 0x7F) | b2 << 7, pos + 2
    elif pos < end and data[pos] < 0x80:
        return data[pos], pos + 1
    return _decode(data, pos, end, bits, False, section)


def decode_sleb(data: bytes, pos: int, end: int, bits: int, section: str = "") -> tuple[int, int]:
    """Decode a signed LEB128 of at most `bits` bits at `pos`; return (value, new pos)."""
    if pos < end:
        b = data[pos]
        if b < 0x40:  # one byte, positive
            return b, pos + 1
        if b < 0x80:  # one byte, negative
            return b - 0x80, pos + 1
    return _decode(data, pos, end, bits, True, section)


def _kind(bits: int, signed: bool) -> str:
    return f"{'s' if signed else 'u'}{bits}"


def _decode(
    data: bytes, pos: int, end: int, bits: int, signed: bool, section: str
) -> tuple[int, int]:
    """The general case of both decoders: any length, with the limits checked."""
    start = pos
    limit = _max_len(bits)
    result = 0
    shift = 0
    for i in range(limit):
        if pos >= end:
            raise WasmDecodeError(
                "unexpected end of data in LEB128 integer", section=section, offset=pos
            )
        b = data[pos]
        pos += 1
        if i == limit - 1:
            # Last allowed byte: no continuation, and no bits beyond `bits`.
            if b & 0x80:
                raise WasmDecodeError(
                    f"LEB128 integer too long (more than {limit} bytes for {_kind(bits, signed)})",
                    section=section,
                    offset=start,
                )
            used = bits - 7 * i  # value bits in this byte (sign bit included)
            # Unsigned: the unused high bits are zero; signed: they copy the sign bit.
            high = b >> (used - 1) if signed else b >> used
            if high not in ((0, 0x7F >> (used - 1)) if signed else (0,)):
                raise WasmDecodeError(
                    f"LEB128 integer too large for {_kind(bits, signed)}",
                    section=section,
                    offset=start,
                )
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if signed and b & 0x40:
                result -= 1 << shift
            return result, pos
    raise AssertionError("unreachable")  # pragma: no cover


def encode_uleb(value: int, out: bytearray | None = None) -> bytearray:
    """Append the canonical unsigned LEB128 of `value` to `out` (new buffer if None)."""
    if out is None:
        out = bytearray()
    if value < 0:
        raise ValueError(f"unsigned LEB128 of negative value {value}")
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return out


def encode_sleb(value: int, out: bytearray | None = None) -> bytearray:
    """Append the canonical signed LEB128 of `value` to `out` (new buffer if None)."""
    if out is None:
        out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if (value == 0 and not b & 0x40) or (value == -1 and b & 0x40):
            out.append(b)
            return out
        out.append(b | 0x80)


def encode_name(text: str, out: bytearray | None = None) -> bytearray:
    """Append a name (LEB128 byte length, then UTF-8) to `out` (new buffer if None)."""
    raw = text.encode("utf-8")
    out = encode_uleb(len(raw), out)
    out += raw
    return out


def u32(value: int) -> bytes:
    if not 0 <= value <= _U32_MAX:
        raise ValueError(f"{value} does not fit in u32")
    return bytes(encode_uleb(value))


def u64(value: int) -> bytes:
    if not 0 <= value <= _U64_MAX:
        raise ValueError(f"{value} does not fit in u64")
    return bytes(encode_uleb(value))


def s32(value: int) -> bytes:
    if not -(1 << 31) <= value < (1 << 31):
        raise ValueError(f"{value} does not fit in s32")
    return bytes(encode_sleb(value))


def s33(value: int) -> bytes:
    if not -(1 << 32) <= value < (1 << 32):
        raise ValueError(f"{value} does not fit in s33")
    return bytes(encode_sleb(value))


def s64(value: int) -> bytes:
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError(f"{value} does not fit in s64")
    return bytes(encode_sleb(value))


class Reader:
    """A cursor over `data[pos:end]`; all offsets it reports are indices into `data`."""

    __slots__ = ("data", "pos", "end", "section")

    def __init__(
        self, data: bytes, pos: int = 0, end: int | None = None, section: str = ""
    ) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end
        self.section = section

    def error(self, what: str, offset: int | None = None) -> WasmDecodeError:
        return WasmDecodeError(
            what, section=self.section, offset=self.pos if offset is None else offset
        )

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def at_end(self) -> bool:
        return self.pos >= self.end

    def u8(self) -> int:
        pos = self.pos
        if pos >= self.end:
            raise self.error("unexpected end of data")
        self.pos = pos + 1
        return self.data[pos]

    def peek(self) -> int:
        if self.pos >= self.end:
            raise self.error("unexpected end of data")
        return self.data[self.pos]

    def u32(self) -> int:
        value, self.pos = decode_uleb(self.data, self.pos, self.end, 32, self.section)
        return value

    def u64(self) -> int:
        value, self.pos = decode_uleb(self.data, self.pos, self.end, 64, self.section)
        return value

    def s32(self) -> int:
        value, self.pos = decode_sleb(self.data, self.pos, self.end, 32, self.section)
        return value

    def s33(self) -> int:
        value, self.pos = decode_sleb(self.data, self.pos, self.end, 33, self.section)
        return value

    def s64(self) -> int:
        value, self.pos = decode_sleb(self.data, self.pos, self.end, 64, self.section)
        return value

    def bytes(self, n: int) -> bytes:
        pos = self.pos
        if n > self.end - pos:
            raise self.error(f"unexpected end of data: need {n} bytes, {self.end - pos} left")
        self.pos = pos + n
        return self.data[pos : pos + n]

    def count(self, what: str = "items") -> int:
        """A vector length; refused when it could not fit in the remaining bytes.

        Every vector element takes at least one byte, so this bounds allocation
        by the input size before any element is read.
        """
        start = self.pos
        n = self.u32()
        if n > self.end - self.pos:
            raise self.error(
                f"{what} count {n} exceeds the {self.end - self.pos} bytes left", start
            )
        return n

    def name(self) -> str:
        start = self.pos
        raw = self.bytes(self.u32())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise self.error(f"invalid UTF-8 in name: {e.reason}", start) from None

    def expect_end(self) -> None:
        if self.pos != self.end:
            raise self.error(f"{self.end - self.pos} unexpected bytes at end of section")
