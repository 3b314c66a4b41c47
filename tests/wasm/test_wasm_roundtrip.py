"""Module round trips on hand-written WAT covering every section and opcode family."""

from __future__ import annotations

import pytest
import wasmtime
from wasm_support import engine, reencode_bodies, validate
from wat_modules import MODULES

from componentize.wasm import (
    Code,
    ConstExpr,
    CustomSection,
    Element,
    Export,
    FuncDesc,
    FuncType,
    Import,
    Limits,
    Module,
    NameSection,
    ProducersSection,
    const_expr,
    decode_expr,
    decode_module,
    decode_name_section,
    decode_producers_section,
    encode_module,
    encode_name_section,
    encode_producers_section,
    find_custom,
    func_type,
    func_type_indices,
    memory_space,
    name_section,
    producers_section,
    type_space,
)
from componentize.wasm.model import Instruction


@pytest.fixture(scope="module", params=sorted(MODULES))
def wat_module(request: pytest.FixtureRequest) -> tuple[str, bytes, frozenset[str], bool]:
    text, features, valid = MODULES[request.param]
    return request.param, bytes(wasmtime.wat2wasm(text)), features, valid


def test_byte_identical(wat_module: tuple[str, bytes, frozenset[str], bool]) -> None:
    _, data, _, _ = wat_module
    assert encode_module(decode_module(data)) == data


def test_canonical_encoding_decodes_equal(
    wat_module: tuple[str, bytes, frozenset[str], bool],
) -> None:
    _, data, _, _ = wat_module
    module = decode_module(data)
    canonical = encode_module(module, reuse_original=False)
    assert decode_module(canonical) == module
    # wat2wasm writes canonical binaries, so our canonical form is the same bytes.
    assert canonical == data


def test_bodies_reencoded_still_valid(
    wat_module: tuple[str, bytes, frozenset[str], bool],
) -> None:
    name, data, features, valid = wat_module
    module = decode_module(data)
    again = encode_module(reencode_bodies(module), reuse_original=False)
    decoded = decode_module(again)
    assert [decode_expr(c.code) for c in decoded.codes] == [
        decode_expr(c.code) for c in module.codes
    ]
    if valid:
        validate(data, features)
        validate(again, features)


def test_sections_decoded() -> None:
    mvp = decode_module(wasmtime.wat2wasm(MODULES["mvp"][0]))
    assert [i.kind for i in mvp.imports] == ["func", "table", "memory", "global", "global"]
    assert mvp.start == 1  # the imported function comes first
    assert func_type_indices(mvp)[0] == 1
    assert func_type(mvp, 2) == FuncType(["i32", "i32"], ["i32"])
    assert [e.kind for e in mvp.exports] == ["func", "table", "memory", "global"]
    assert mvp.datas[0].data == b"hello\x00world"
    assert mvp.elements == [
        Element("active", "funcref", [2, 3], 0, const_expr(Instruction("i32.const", (1,))))
    ]
    assert mvp.codes[3].locals[0].count == 1


def test_memories_and_limits() -> None:
    m = decode_module(wasmtime.wat2wasm(MODULES["memories"][0]))
    assert memory_space(m) == [
        Limits(1, 4, shared=True),
        Limits(1, 10, is64=True),
        Limits(1),
        Limits(2, is64=True),
        Limits(1, 100, shared=True),
        Limits(0, 65536),
    ]
    assert [(d.mode, d.memory) for d in m.datas] == [("active", 3), ("active", 2), ("passive", 0)]
    assert m.data_count == 3


def test_element_forms_and_table_inits() -> None:
    m = decode_module(wasmtime.wat2wasm(MODULES["references"][0]))
    forms = {
        (e.mode, e.table != 0 or e.type != "funcref", isinstance(e.items[0], ConstExpr))
        for e in m.elements
    }
    assert len(m.elements) == 8 and len(forms) == 8  # all eight binary forms
    assert [t.init is not None for t in m.tables] == [False, False, False, True, True, False]
    assert m.tables[5].type.limits.is64


def test_types_and_tags() -> None:
    gc = decode_module(wasmtime.wat2wasm(MODULES["gc"][0]))
    space = type_space(gc)
    assert len(space) == len(gc.types) + 1  # the rec group holds two types
    exc = decode_module(wasmtime.wat2wasm(MODULES["exceptions"][0]))
    assert [i.kind for i in exc.imports] == ["tag"]
    assert len(exc.tags) == 2
    assert exc.exports[0] == Export("tag", "tag", 1)


def test_custom_sections_keep_their_place() -> None:
    data = wasmtime.wat2wasm(MODULES["custom_and_names"][0])
    m = decode_module(data)
    placed = {c.name: c.after for c in m.customs}
    assert placed["first"] == 0
    assert placed["middle"] == 3  # after the function section
    assert placed["last"] == 11 or placed["last"] == 10
    assert find_custom(m, "last") == CustomSection("last", b"\x00\x01\x02", placed["last"])
    names = name_section(m)
    assert names is not None and names.module == "named"
    assert names.functions == {0: "named_fn"}
    assert names.locals == {0: {0: "p", 1: "l"}}
    producers = producers_section(m)
    assert producers == ProducersSection({"language": {"C": "11"}, "processed-by": {"hand": "1.0"}})
    # Moving a custom section re-encodes it in its new place only.
    m.customs[0].after = None
    moved = decode_module(encode_module(m))
    assert moved.customs[-1].name == "first"


def test_name_and_producers_round_trip() -> None:
    ns = NameSection("m", {0: "f", 7: "g"}, {7: {0: "x", 2: "y"}}, [(4, b"\x01\x00\x01t")])
    assert decode_name_section(encode_name_section(ns)) == ns
    p = ProducersSection({"language": {"Rust": ""}, "sdk": {"wasi-sdk": "25"}})
    assert decode_producers_section(encode_producers_section(p)) == p


def test_edit_and_reencode_validates() -> None:
    data = wasmtime.wat2wasm(MODULES["mvp"][0])
    m = decode_module(data)
    m.exports.append(Export("sub", "func", 5))
    m.imports.insert(0, Import("env", "extra_mem", Limits(1, None, False, False)))
    m.imports.remove(next(i for i in m.imports if i.name == "m"))
    out = encode_module(m)
    validate(out, ())
    back = decode_module(out)
    assert back == m
    # Untouched sections were copied, the edited ones re-encoded.
    assert (
        back.raw[10].source[back.raw[10].start : back.raw[10].end]
        == data[m.raw[10].start : m.raw[10].end]
    )


def _section(sid: int, payload: bytes, width: int) -> bytes:
    """A section whose size field is padded to `width` bytes."""
    size = bytes(
        (len(payload) >> (7 * i)) & 0x7F | (0x80 if i < width - 1 else 0) for i in range(width)
    )
    return bytes([sid]) + size + payload


def test_non_canonical_encodings_survive() -> None:
    """Padded LEB128s in section sizes, counts and indices are kept byte for byte."""
    module = b"\x00asm\x01\x00\x00\x00" + b"".join(
        [
            _section(1, b"\x01\x60\x00\x00", 5),
            _section(3, b"\x81\x80\x00\x80\x00", 3),  # padded count and type index
            _section(7, b"\x01\x01f\x00\x80\x00", 2),  # padded function index
            _section(10, b"\x01\x02\x00\x0b", 5),
            _section(0, b"\x83\x00abc!", 5),  # padded name length
        ]
    )
    validate(module, ())
    m = decode_module(module)
    assert encode_module(m) == module
    canonical = encode_module(m, reuse_original=False)
    assert canonical != module and decode_module(canonical) == m
    assert len(canonical) < len(module)
    # Editing one section leaves the others' padding alone.
    m.exports[0].name = "g"
    edited = encode_module(m)
    assert edited[:27] == module[:27] and edited.endswith(module[-11:])


def test_new_module_from_scratch() -> None:
    m = Module(
        types=[FuncType([], ["i32"])],
        imports=[Import("wasi_snapshot_preview1", "sched_yield", FuncDesc(0))],
        functions=[0],
        memories=[Limits(1)],
        exports=[Export("f", "func", 1), Export("memory", "memory", 0)],
    )
    m.codes = [Code([], b"\x41\x2a\x0b")]
    m.customs.append(CustomSection("note", b"hi", after=0))
    data = encode_module(m)
    wasmtime.Module(engine(()), data)
    assert decode_module(data) == m
    assert data[8:9] == b"\x00"  # the custom section placed first
