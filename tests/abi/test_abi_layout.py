"""Sizes, alignments and offsets, figures derived by hand from the rules of
CanonicalABI.md ("Alignment", "Element Size")."""

from __future__ import annotations

import pytest

from componentize.abi import (
    alignment,
    discriminant_size,
    elem_size,
    field_offsets,
    payload_offset,
    record_layout,
    variant_payload_offset,
)
from componentize.errors import UnsupportedModuleError
from componentize.wit.model import Borrow, FutureType, Own, StreamType, Type, TypeRef

from .models import (
    BOOL,
    CHAR,
    DATETIME,
    DESCRIPTOR,
    DESCRIPTOR_STAT,
    ERROR_CONTEXT,
    F32,
    F64,
    FS_ERROR_CODE,
    IP_SOCKET_ADDRESS,
    IPV4_SOCKET_ADDRESS,
    IPV6_SOCKET_ADDRESS,
    NEW_TIMESTAMP,
    S8,
    S16,
    S32,
    S64,
    STREAM_ERROR,
    STRING,
    U8,
    U16,
    U32,
    U64,
    alias,
    enum,
    flags,
    lst,
    option,
    record,
    resource,
    result,
    tup,
    variant,
)

R = resource("r")

# (type, elem_size, alignment)
SIZES: list[tuple[str, Type, int, int]] = [
    ("bool", BOOL, 1, 1),
    ("s8", S8, 1, 1),
    ("u8", U8, 1, 1),
    ("s16", S16, 2, 2),
    ("u16", U16, 2, 2),
    ("s32", S32, 4, 4),
    ("u32", U32, 4, 4),
    ("s64", S64, 8, 8),
    ("u64", U64, 8, 8),
    ("f32", F32, 4, 4),
    ("f64", F64, 8, 8),
    ("char", CHAR, 4, 4),
    ("string", STRING, 8, 4),
    ("error-context", ERROR_CONTEXT, 4, 4),
    ("list<u8>", lst(U8), 8, 4),
    ("list<u64>", lst(U64), 8, 4),
    ("list<u8, 3>", lst(U8, 3), 3, 1),
    ("list<u64, 2>", lst(U64, 2), 16, 8),
    ("list<string, 2>", lst(STRING, 2), 16, 4),
    ("own<r>", Own(R), 4, 4),
    ("borrow<r>", Borrow(R), 4, 4),
    ("bare resource name", TypeRef(R), 4, 4),
    ("future", FutureType(), 4, 4),
    ("stream<u8>", StreamType(U8), 4, 4),
    ("tuple<u8, u32>", tup(U8, U32), 8, 4),
    ("tuple<u8, u16, u8>", tup(U8, U16, U8), 6, 2),
    ("tuple<u32, u8>", tup(U32, U8), 8, 4),
    ("tuple<u8, u8, u8>", tup(U8, U8, U8), 3, 1),
    ("tuple<u64, u8>", tup(U64, U8), 16, 8),
    ("option<u8>", option(U8), 2, 1),
    ("option<u32>", option(U32), 8, 4),
    ("option<u64>", option(U64), 16, 8),
    ("option<string>", option(STRING), 12, 4),
    ("option<option<u8>>", option(option(U8)), 3, 1),
    ("result", result(), 1, 1),
    ("result<u8>", result(U8), 2, 1),
    ("result<_, u16>", result(None, U16), 4, 2),
    ("result<u8, u64>", result(U8, U64), 16, 8),
    ("result<string, tuple<u8,u8,u8>>", result(STRING, tup(U8, U8, U8)), 12, 4),
    ("enum 1 case", enum("e", "a"), 1, 1),
    ("enum 256 cases", enum("e", *(f"c{i}" for i in range(256))), 1, 1),
    ("enum 257 cases", enum("e", *(f"c{i}" for i in range(257))), 2, 2),
    ("enum 65536 cases", enum("e", *(f"c{i}" for i in range(65536))), 2, 2),
    ("enum 65537 cases", enum("e", *(f"c{i}" for i in range(65537))), 4, 4),
    (
        "variant 257 cases, u8 payload",
        variant("v", *((f"c{i}", U8 if i == 0 else None) for i in range(257))),
        4,
        2,
    ),
    ("flags 1", flags("f", "a"), 1, 1),
    ("flags 8", flags("f", *"abcdefgh"), 1, 1),
    ("flags 9", flags("f", *"abcdefghi"), 2, 2),
    ("flags 16", flags("f", *(f"f{i}" for i in range(16))), 2, 2),
    ("flags 17", flags("f", *(f"f{i}" for i in range(17))), 4, 4),
    ("flags 32", flags("f", *(f"f{i}" for i in range(32))), 4, 4),
    ("flags 33 (pre-limit rule)", flags("f", *(f"f{i}" for i in range(33))), 8, 4),
    ("flags 65 (pre-limit rule)", flags("f", *(f"f{i}" for i in range(65))), 12, 4),
    ("record {u8, string}", record("x", ("a", U8), ("b", STRING)), 12, 4),
    ("alias of u16", alias("a", U16), 2, 2),
    ("alias of alias of record", alias("b", alias("a", record("y", ("a", F64)))), 8, 8),
    # WASI 0.2 types
    ("wall-clock datetime", DATETIME, 16, 8),
    ("descriptor-stat", DESCRIPTOR_STAT, 96, 8),
    ("new-timestamp", NEW_TIMESTAMP, 24, 8),
    ("result<descriptor-stat, error-code>", result(DESCRIPTOR_STAT, FS_ERROR_CODE), 104, 8),
    ("result<own<descriptor>, error-code>", result(Own(DESCRIPTOR), FS_ERROR_CODE), 8, 4),
    ("result<tuple<list<u8>, bool>, error-code>", result(tup(lst(U8), BOOL), FS_ERROR_CODE), 16, 4),
    ("stream-error", STREAM_ERROR, 8, 4),
    ("result<_, stream-error>", result(None, STREAM_ERROR), 12, 4),
    ("ipv4-socket-address", IPV4_SOCKET_ADDRESS, 6, 2),
    ("ipv6-socket-address", IPV6_SOCKET_ADDRESS, 28, 4),
    ("ip-socket-address", IP_SOCKET_ADDRESS, 32, 4),
    ("list<tuple<string, string>> element", tup(STRING, STRING), 16, 4),
    ("tuple<own<descriptor>, string>", tup(Own(DESCRIPTOR), STRING), 12, 4),
    ("insecure-seed result", tup(U64, U64), 16, 8),
]


@pytest.mark.parametrize(("label", "t", "size", "align"), SIZES, ids=[s[0] for s in SIZES])
def test_size_and_alignment(label: str, t: Type, size: int, align: int) -> None:
    assert (elem_size(t), alignment(t)) == (size, align)


def test_memory64_pointers() -> None:
    assert (elem_size(STRING, ptr="i64"), alignment(STRING, ptr="i64")) == (16, 8)
    assert (elem_size(lst(U8), ptr="i64"), alignment(lst(U8), ptr="i64")) == (16, 8)
    assert elem_size(option(STRING), ptr="i64") == 24


@pytest.mark.parametrize(
    ("count", "size"), [(1, 1), (255, 1), (256, 1), (257, 2), (65536, 2), (65537, 4)]
)
def test_discriminant_size(count: int, size: int) -> None:
    assert discriminant_size(count) == size


def test_record_layout_of_descriptor_stat() -> None:
    assert field_offsets(DESCRIPTOR_STAT) == [0, 8, 16, 24, 48, 72]


def test_record_layout_packs_small_fields() -> None:
    assert record_layout([U8, U16, U8, U32, U8, U64]) == [0, 2, 4, 8, 12, 16]
    assert record_layout([]) == []


def test_ipv6_socket_address_offsets() -> None:
    assert field_offsets(IPV6_SOCKET_ADDRESS) == [0, 4, 8, 24]
    assert field_offsets(IPV4_SOCKET_ADDRESS) == [0, 2]


def test_fixed_list_offsets() -> None:
    assert field_offsets(lst(U32, 3)) == [0, 4, 8]


def test_variant_payload_offsets() -> None:
    assert variant_payload_offset([None, U8]) == 1
    assert variant_payload_offset([None, U64]) == 8
    assert variant_payload_offset([None, None]) == 1
    assert variant_payload_offset([U8] + [None] * 300) == 2
    assert payload_offset(result(DESCRIPTOR_STAT, FS_ERROR_CODE)) == 8
    assert payload_offset(result(None, STREAM_ERROR)) == 4
    assert payload_offset(IP_SOCKET_ADDRESS) == 4
    assert payload_offset(option(DATETIME)) == 8


@pytest.mark.parametrize(
    "bad",
    [record("empty"), variant("empty"), enum("empty"), flags("empty"), tup(), lst(U8, 0)],
    ids=["record", "variant", "enum", "flags", "tuple", "list<u8, 0>"],
)
def test_empty_types_are_rejected_clearly(bad: Type) -> None:
    with pytest.raises(UnsupportedModuleError, match="canonical ABI"):
        elem_size(bad)
