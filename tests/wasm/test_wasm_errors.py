"""Malformed modules: each is refused with a WasmDecodeError naming section and offset."""

from __future__ import annotations

import pytest
import wasmtime

from componentize.errors import WasmDecodeError
from componentize.wasm import decode_code, decode_module, name_section, producers_section

HEADER = b"\x00asm\x01\x00\x00\x00"


def sec(sid: int, payload: bytes) -> bytes:
    assert len(payload) < 128
    return bytes([sid, len(payload)]) + payload


def fails(data: bytes, what: str, section: str, offset: int | None = None) -> WasmDecodeError:
    with pytest.raises(WasmDecodeError) as e:
        decode_module(data)
    err = e.value
    assert what in err.what, err.what
    assert err.section == section
    if offset is not None:
        assert err.offset == offset, hex(err.offset or -1)
    message = str(err)
    assert f"{section} section" in message and f"offset {err.offset:#x}" in message
    return err


def test_header_errors() -> None:
    fails(b"", "empty", "header", 0)
    fails(b"\x7fELF\x02\x01\x01\x00", "bad magic", "header", 0)
    fails(b"\x00as", "truncated", "header", 0)
    fails(HEADER[:6], "truncated", "header", 0)
    fails(b"\x00asm\x02\x00\x00\x00", "unsupported WebAssembly version", "header", 4)


def test_component_is_named() -> None:
    component = bytes(wasmtime.wat2wasm("(component)"))
    err = fails(component, "WebAssembly component, not a core module", "header", 4)
    assert "hint" in str(err)


def test_section_size_past_end() -> None:
    fails(HEADER + b"\x01\x05\x01\x60", "runs past the end", "type", 8)


def test_section_size_mismatch() -> None:
    # A type section whose payload has a spare byte after its one type.
    fails(HEADER + sec(1, b"\x01\x60\x00\x00\x00"), "unexpected bytes at end", "type", 14)
    # ... and one that is a byte short: the type runs into the end of the section.
    short = HEADER + sec(1, b"\x01\x60\x01") + sec(3, b"\x00")
    fails(short, "parameter count 1 exceeds", "type", 12)
    fails(HEADER + sec(1, b"\x01\x60\x01\x7f") + sec(3, b"\x00"), "end of data", "type", 14)


def test_section_order() -> None:
    fails(HEADER + sec(3, b"\x00") + sec(1, b"\x00"), "out-of-order type", "type", 11)
    fails(HEADER + sec(1, b"\x00") + sec(1, b"\x00"), "duplicate type", "type", 11)
    fails(HEADER + sec(10, b"\x00") + sec(12, b"\x00"), "out-of-order datacount", "datacount")
    fails(HEADER + sec(6, b"\x00") + sec(13, b"\x00"), "out-of-order tag", "tag")
    fails(HEADER + sec(14, b""), "unknown section id 14", "unknown (14)", 8)


def test_leb_overflow_in_section_size() -> None:
    fails(HEADER + b"\x01\xff\xff\xff\xff\x7f", "too large", "type", 9)
    fails(HEADER + b"\x01\x80\x80\x80\x80\x80\x00", "too long", "type", 9)


def test_huge_count_fails_before_allocating() -> None:
    fails(HEADER + sec(2, b"\xff\xff\xff\xff\x0f"), "count 4294967295 exceeds", "import", 10)


def test_invalid_utf8_name() -> None:
    payload = b"\x01\x02\xc3\x28\x01f\x00\x00"
    fails(HEADER + sec(2, payload), "invalid UTF-8", "import", 11)


def test_unknown_kinds_and_types() -> None:
    fails(HEADER + sec(1, b"\x01\x61\x00\x00"), "unknown type form 0x61", "type", 11)
    fails(HEADER + sec(1, b"\x01\x60\x01\x55\x00"), "unknown value type 0x55", "type", 13)
    fails(HEADER + sec(2, b"\x01\x01a\x01b\x05\x00"), "unknown import kind", "import", 15)
    fails(HEADER + sec(5, b"\x01\x10\x00"), "unknown limits flags", "memory", 11)
    fails(HEADER + sec(7, b"\x01\x01e\x07\x00"), "unknown export kind", "export", 13)
    fails(HEADER + sec(9, b"\x01\x08"), "unknown element segment form 8", "element", 11)
    fails(HEADER + sec(11, b"\x01\x03"), "unknown data segment form 3", "data", 11)
    fails(HEADER + sec(6, b"\x01\x7f\x02\x0b"), "invalid mutability", "global", 12)


def test_bad_const_expr() -> None:
    fails(HEADER + sec(6, b"\x01\x7f\x00\x27\x0b"), "unknown opcode 0x27", "global", 13)
    fails(HEADER + sec(6, b"\x01\x7f\x00\x41\x01"), "end of data", "global", 15)


def test_code_errors() -> None:
    types = sec(1, b"\x01\x60\x00\x00")
    funcs = sec(3, b"\x01\x00")
    fails(HEADER + types + funcs, "inconsistent lengths", "function")
    fails(HEADER + types + funcs + sec(10, b"\x01\x03\x00\x01\x01"), "end opcode", "code")
    fails(HEADER + types + funcs + sec(10, b"\x01\x09\x00\x0b"), "exceeds the section", "code")
    too_many = b"\x02\xff\xff\xff\xff\x0f\x7f\xff\xff\xff\xff\x0f\x7f\x0b"
    body = bytes([len(too_many)]) + too_many
    fails(HEADER + types + funcs + sec(10, b"\x01" + body), "too many locals", "code")


def test_datacount_mismatch() -> None:
    fails(HEADER + sec(12, b"\x02") + sec(11, b"\x01\x01\x00"), "data count 2", "data")


def test_custom_sections() -> None:
    fails(HEADER + b"\x00\x00", "end of data", "custom", 10)
    fails(HEADER + b"\x00\x03\x05abc", "end of data", "custom")
    # A malformed name section does not make the module invalid; decoding it on demand fails.
    m = decode_module(HEADER + b"\x00\x07\x04name\x01\x05")
    with pytest.raises(WasmDecodeError) as e:
        name_section(m)
    assert e.value.section == "name" and e.value.offset is not None and e.value.offset >= 15
    m = decode_module(HEADER + b"\x00\x0b\x09producers\x02")
    with pytest.raises(WasmDecodeError):
        producers_section(m)


def test_bodies_are_not_decoded_until_asked() -> None:
    types = sec(1, b"\x01\x60\x00\x00")
    funcs = sec(3, b"\x01\x00")
    code = sec(10, b"\x01\x04\x00\x01\x27\x0b")  # nop, then the unassigned opcode 0x27
    data = HEADER + types + funcs + code
    module = decode_module(data)  # fine: bodies stay bytes
    with pytest.raises(WasmDecodeError) as e:
        decode_code(module.codes[0])
    assert e.value.offset == data.index(b"\x01\x27\x0b") + 1
    assert "code section" in str(e.value) and f"{e.value.offset:#x}" in str(e.value)
