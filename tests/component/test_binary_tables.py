"""The component format's byte tables (binary.py): bijective, disjoint where
bytes share a space, and the only place codes are spelled."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

from componentize.component import binary as b
from componentize.component import model as m
from componentize.component import typedefs as t
from componentize.component._bytes import Reader
from componentize.component.sorts import Sort
from componentize.errors import WasmDecodeError

TABLES = {name: v for name, v in vars(b).items() if isinstance(v, b.Codes)}


def test_tables_found() -> None:
    assert {"SECTIONS", "TYPE_CODES", "CANONS", "CANON_OPTS", "DECLS", "ALIAS_TARGETS"} <= set(
        TABLES
    )


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_is_a_bijection_that_reads_back(name: str) -> None:
    table = TABLES[name]
    assert len(set(table.codes.values())) == len(table.codes)
    for key, code in table.codes.items():
        assert table.byte(key) == bytes([code]) and table[key] == code
        assert table.read(Reader(bytes([code]))) == key
        assert table.get(code) == key
    unused = next(c for c in range(256) if c not in table.keys)
    with pytest.raises(WasmDecodeError) as info:
        table.read(Reader(bytes([unused])))
    assert info.value.offset == 0
    assert info.value.what == table.unknown.format(unused)
    with pytest.raises(WasmDecodeError) as info:
        table.read(Reader(bytes([7, unused]), pos=1), at=0)
    assert info.value.offset == 0


def test_a_table_refuses_a_code_twice() -> None:
    with pytest.raises(AssertionError):
        b.Codes({"a": 1, "b": 1}, "unknown {}")
    with pytest.raises(AssertionError):
        b.Codes({"a": 256}, "unknown {}")


def test_codes_sharing_a_byte_space_are_disjoint() -> None:
    # deftype opcodes and primitive value types are read from the same byte
    assert not set(b.TYPE_CODES.keys) & set(t.PRIMITIVE_BY_CODE)
    # canon lift/lower/resource.* and the other built-ins
    assert not set(b.CANONS.keys) & set(b.BUILTIN_SHAPES)
    # core value types: the long reference forms and the one-byte types
    assert not set(b.CORE_REF_FORMS.keys) & b.CORE_VALTYPE_BYTES
    # string encodings are canon options
    assert set(b.STRING_ENCODINGS) <= set(b.CANON_OPTS.codes)


def test_shared_codes_are_the_sorts() -> None:
    assert {s.value[0] for s in b.EXTERN_SORTS.codes} == set(b.EXTERN_SORTS.keys)
    core = {s.name.removeprefix("CORE_").lower(): s.core_byte for s in Sort if s.is_core}
    assert all(core[k] == v for k, v in b.CORE_EXTERN_KINDS.codes.items())


def test_every_section_class_has_an_id() -> None:
    classes = set(typing.get_args(m.Section))
    assert set(m.SECTION_KINDS) == classes
    assert sorted(m.SECTION_KINDS.values()) == sorted(b.SECTIONS.codes)


def test_preambles() -> None:
    assert b.PREAMBLE == b"\x00asm\x0d\x00\x01\x00"
    assert b.CORE_MODULE_PREAMBLE == b"\x00asm\x01\x00\x00\x00"


@pytest.mark.parametrize("module", ["encode.py", "decode.py", "names.py"])
def test_codecs_spell_no_bytes(module: str) -> None:
    path = Path(b.__file__).with_name(module)
    literals = [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, bytes) and node.value
    ]
    assert literals == [], f"{module}: byte literals at lines {literals} belong in binary.py"
