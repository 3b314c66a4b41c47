"""The component codec's spelling of the wasm layer's LEB128, names and vectors.

Private to this package.  The bytes are the core format's (Binary.md reuses
them), so the work is done by `componentize.wasm.leb128`; what is left here is
the shape the component codec wants: writers that return `bytes`, and a
`Reader` with `uleb(bits)`, `vec(decode)`, `sub(size)` and an `origin` for
readers over a slice of the file (a custom section's payload).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from componentize.errors import WasmDecodeError
from componentize.wasm import leb128

T = TypeVar("T")


def uleb(value: int) -> bytes:
    """Unsigned LEB128, minimal length."""
    return bytes(leb128.encode_uleb(value))


def sleb(value: int) -> bytes:
    """Signed LEB128, minimal length."""
    return bytes(leb128.encode_sleb(value))


def name(text: str) -> bytes:
    return bytes(leb128.encode_name(text))


def vec(items: Iterable[T], encode: Callable[[T], bytes]) -> bytes:
    parts = [encode(item) for item in items]
    return uleb(len(parts)) + b"".join(parts)


class Reader(leb128.Reader):
    """The core Reader, with offsets in errors made absolute in the whole file.

    `origin` is the file offset of `data[0]` when `data` is a slice; readers
    over the whole file (nested components included) have origin 0.
    """

    __slots__ = ("origin",)

    def __init__(
        self, data: bytes, pos: int = 0, end: int | None = None, section: str = "", origin: int = 0
    ) -> None:
        super().__init__(data, pos, end, section or "component")
        self.origin = origin

    def error(self, what: str, offset: int | None = None) -> WasmDecodeError:
        at = self.pos if offset is None else offset
        return WasmDecodeError(what, section=self.section, offset=at + self.origin)

    def _relocated(self, error: WasmDecodeError) -> WasmDecodeError:
        # The LEB128 decoders report offsets into `data`; shift them to the file.
        if not self.origin or error.offset is None:
            return error
        return WasmDecodeError(
            error.what, section=error.section, offset=error.offset + self.origin, hint=error.hint
        )

    byte = leb128.Reader.u8

    def uleb(self, bits: int = 32) -> int:
        try:
            value, self.pos = leb128.decode_uleb(self.data, self.pos, self.end, bits, self.section)
        except WasmDecodeError as e:
            raise self._relocated(e) from None
        return value

    def sleb(self, bits: int) -> int:
        try:
            value, self.pos = leb128.decode_sleb(self.data, self.pos, self.end, bits, self.section)
        except WasmDecodeError as e:
            raise self._relocated(e) from None
        return value

    def u32(self) -> int:
        # The inherited `name` and `count` read through this: keep `origin` in their errors.
        return self.uleb(32)

    def vec(self, decode: Callable[[], T]) -> list[T]:
        return [decode() for _ in range(self.count())]

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
