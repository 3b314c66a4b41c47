"""The generated WASI import header: up to date, and its signatures and
layouts are the canonical ABI's (expected values worked out by hand from
CanonicalABI.md)."""

from __future__ import annotations

import re

import pytest

from toolchains.shim.bindgen import c_ident
from toolchains.shim.build import HEADER, header_text


@pytest.fixture(scope="module")
def header() -> str:
    return header_text()


def defines(text: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"^#define (\w+) (-?\d+)$", text, re.M)}


def test_committed_header_is_up_to_date(header: str) -> None:
    assert HEADER.read_text() == header, "run `python -m toolchains.shim`"


def test_declarations(header: str) -> None:
    assert (
        '__attribute__((import_module("wasi:cli/stdout@0.2.12"), import_name("get-stdout")))\n'
        "int32_t wasi_cli_stdout_get_stdout(void);" in header
    )
    assert (
        'import_name("[method]descriptor.read")))\n'
        "void wasi_filesystem_types_method_descriptor_read("
        "int32_t p0, int64_t p1, int64_t p2, int32_t ret);" in header
    )
    assert "int64_t wasi_clocks_monotonic_clock_now(void);" in header
    assert "void wasi_io_streams_resource_drop_output_stream(int32_t handle);" in header
    assert "void wasi_cli_exit_exit_with_code(int32_t p0);" in header


def test_layouts(header: str) -> None:
    d = defines(header)
    read = "WASI_IO_STREAMS_METHOD_INPUT_STREAM_BLOCKING_READ_RET"
    # result<list<u8>, stream-error>: u8 tag, payload at 4; stream-error: u8 tag, handle at 8
    assert [
        d[f"{read}_{k}"]
        for k in (
            "SIZEOF",
            "ALIGNOF",
            "TAG",
            "OK_PTR",
            "OK_LEN",
            "ERR_TAG",
            "ERR_LAST_OPERATION_FAILED",
        )
    ] == [12, 4, 0, 4, 8, 4, 8]
    fread = "WASI_FILESYSTEM_TYPES_METHOD_DESCRIPTOR_READ_RET"
    # result<tuple<list<u8>, bool>, error-code>
    assert [d[f"{fread}_{k}"] for k in ("SIZEOF", "OK_F0_PTR", "OK_F0_LEN", "OK_F1", "ERR")] == [
        16,
        4,
        8,
        12,
        4,
    ]
    assert d["WASI_CLOCKS_WALL_CLOCK_DATETIME_SIZEOF"] == 16
    assert d["WASI_CLOCKS_WALL_CLOCK_DATETIME_NANOSECONDS"] == 8
    assert d["WASI_FILESYSTEM_PREOPENS_GET_DIRECTORIES_RET_ELEM_SIZEOF"] == 12
    assert d["WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_DIRECTORY"] == 3
    assert d["WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_WRITE"] == 2
    assert d["WASI_IO_STREAMS_STREAM_ERROR_CLOSED"] == 1
    assert "WASI_CLI_STDOUT_GET_STDOUT_RET_SIZEOF" not in d  # one flat result: no return area


def test_c_ident() -> None:
    assert c_ident("[method]output-stream.check-write") == "method_output_stream_check_write"
    assert c_ident("[resource-drop]input-stream") == "resource_drop_input_stream"
