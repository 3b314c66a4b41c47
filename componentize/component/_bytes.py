"""Byte-level helpers for the component codec: LEB128, names, vectors.

Private to this package.  The `wasm` layer has its own LEB128 code; these few
lines exist so the component codec does not wait on it (to be de-duplicated).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from componentize.errors import WasmDecodeError

T = TypeVar("T")


def uleb(value: int) -> bytes:
    """Unsigned LEB128, minimal length."""
    if value < 0:
        raise ValueError(f"unsigned LEB128 of negative value {value}")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def sleb(value: int) -> bytes:
    """Signed LEB128, minimal length."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        out.append(byte if done else byte | 0x80)
        if done:
            return bytes(out)


def name(text: str) -> bytes:
    raw = text.encode("utf-8")
    return uleb(len(raw)) + raw


def vec(items: Iterable[T], encode: Callable[[T], bytes]) -> bytes:
    parts = [encode(item) for item in items]
    return uleb(len(parts)) + b"".join(parts)


class Reader:
    """A cursor over `data[pos:end]`; offsets are absolute in the whole file,
    so errors in nested components still point at the right byte."""

    def __init__(
        self, data: bytes, pos: int = 0, end: int | None = None, section: str = "", origin: int = 0
    ) -> None:
        self.data = data
        self.origin = origin  # file offset of data[0], when data is a slice
        self.pos = pos
        self.end = len(data) if end is None else end
        self.section = section

    def error(self, what: str, offset: int | None = None) -> WasmDecodeError:
        at = self.pos if offset is None else offset
        return WasmDecodeError(what, section=self.section or "component", offset=at + self.origin)

    def at_end(self) -> bool:
        return self.pos >= self.end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise self.error("unexpected end of data")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def peek(self) -> int:
        if self.pos >= self.end:
            raise self.error("unexpected end of data")
        return self.data[self.pos]

    def bytes(self, count: int) -> bytes:
        if count < 0 or self.pos + count > self.end:
            raise self.error(f"{count} bytes needed, {self.end - self.pos} left")
        value = self.data[self.pos : self.pos + count]
        self.pos += count
        return value

    def uleb(self, bits: int = 32) -> int:
        start = self.pos
        result = shift = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift >= bits + 7:
                raise self.error(f"u{bits} LEB128 too long", start)
        if result >= 1 << bits:
            raise self.error(f"u{bits} value out of range", start)
        return result

    def sleb(self, bits: int) -> int:
        start = self.pos
        result = shift = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift >= bits + 7:
                raise self.error(f"s{bits} LEB128 too long", start)
        if byte & 0x40:
            result -= 1 << shift
        if not -(1 << (bits - 1)) <= result < 1 << (bits - 1):
            raise self.error(f"s{bits} value out of range", start)
        return result

    def name(self) -> str:
        start = self.pos
        raw = self.bytes(self.uleb())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("name is not valid UTF-8", start) from None

    def vec(self, decode: Callable[[], T]) -> list[T]:
        count = self.uleb()
        # Each item takes at least one byte: a huge count on short data is malformed,
        # and checking early avoids allocating for it.
        if count > self.end - self.pos:
            raise self.error(f"vector of {count} items in {self.end - self.pos} bytes")
        return [decode() for _ in range(count)]

    def sub(self, size: int, section: str | None = None) -> Reader:
        """A reader over the next `size` bytes; this reader skips past them."""
        if size > self.end - self.pos:
            raise self.error(f"size {size} runs past the end ({self.end - self.pos} bytes left)")
        inner = Reader(
            self.data,
            self.pos,
            self.pos + size,
            self.section if section is None else section,
            self.origin,
        )
        self.pos += size
        return inner

    def expect_end(self) -> None:
        if self.pos != self.end:
            raise self.error(f"{self.end - self.pos} unexpected trailing bytes")
