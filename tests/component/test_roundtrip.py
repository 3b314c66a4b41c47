"""Encode -> decode -> encode is byte-identical, for random type sections and
for every other kind of definition; malformed input raises WasmDecodeError."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from componentize.component import decode_component, encode_component
from componentize.component import model as m
from componentize.component import typedefs as t
from componentize.component.binary import BUILTIN_SHAPES
from componentize.component.encode import encode_section
from componentize.component.sorts import (
    AliasCoreExport,
    AliasExport,
    AliasOuter,
    ExternName,
    NameAttribute,
    Sort,
    SortIdx,
)
from componentize.errors import WasmDecodeError

labels = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z][a-z0-9]{0,4}){0,2}", fullmatch=True)
# indices around the 64/128 LEB128 boundaries matter: valtype indices are signed LEB128
indices = st.one_of(st.integers(0, 200), st.integers(0, 2**32 - 1))
valtypes: st.SearchStrategy[t.ValType] = st.one_of(
    st.sampled_from(list(t.PRIMITIVE_CODES)), indices
)
opt_valtypes = st.one_of(st.none(), valtypes)
core_valtypes: st.SearchStrategy[t.CoreValType] = st.one_of(
    st.sampled_from([0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F]),
    st.tuples(st.sampled_from([0x63, 0x64]), st.integers(-(2**32), 2**32 - 1)),
)
names = st.builds(
    ExternName,
    st.text(max_size=12),
    st.just(0x02),
    st.lists(st.builds(NameAttribute, st.integers(0, 2), st.text(max_size=8)), max_size=2).map(
        tuple
    ),
) | st.builds(ExternName, st.text(max_size=12), st.sampled_from([0x00, 0x01]))
sorts = st.sampled_from(list(Sort))

defvaltypes: st.SearchStrategy[t.DefValType] = st.one_of(
    st.builds(t.PrimValType, st.sampled_from(list(t.PRIMITIVE_CODES))),
    st.builds(t.RecordType, st.lists(st.tuples(labels, valtypes), max_size=4).map(tuple)),
    st.builds(t.VariantType, st.lists(st.tuples(labels, opt_valtypes), max_size=4).map(tuple)),
    st.builds(t.ListType, valtypes, st.none() | st.integers(1, 2**32 - 1)),
    st.builds(t.TupleType, st.lists(valtypes, max_size=4).map(tuple)),
    st.builds(t.FlagsType, st.lists(labels, max_size=4).map(tuple)),
    st.builds(t.EnumType, st.lists(labels, max_size=4).map(tuple)),
    st.builds(t.OptionType, valtypes),
    st.builds(t.ResultType, opt_valtypes, opt_valtypes),
    st.builds(t.OwnType, indices),
    st.builds(t.BorrowType, indices),
    st.builds(t.StreamType, opt_valtypes),
    st.builds(t.FutureType, opt_valtypes),
    st.builds(t.MapType, valtypes, valtypes),
)
functypes = st.builds(
    t.FuncType,
    st.lists(st.tuples(labels, valtypes), max_size=4).map(tuple),
    opt_valtypes,
    st.booleans(),
)
externdescs: st.SearchStrategy[t.ExternDesc] = st.one_of(
    st.builds(t.ModuleExtern, indices),
    st.builds(t.FuncExtern, indices),
    st.builds(t.ValueExtern, st.just(True), indices),
    st.builds(t.ValueExtern, st.just(False), st.just(0), valtypes),
    st.builds(t.TypeExtern, st.none() | indices),
    st.builds(t.ComponentExtern, indices),
    st.builds(t.InstanceExtern, indices),
)
limits = st.builds(
    lambda flags, lo, hi: t.Limits(flags, lo, hi if flags & 1 else None),
    st.integers(0, 7),
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
)
core_externs: st.SearchStrategy[t.CoreExternType] = st.one_of(
    st.builds(t.CoreFuncExtern, indices),
    st.builds(t.CoreTableExtern, core_valtypes, limits),
    st.builds(t.CoreMemoryExtern, limits),
    st.builds(t.CoreGlobalExtern, core_valtypes, st.integers(0, 1)),
    st.builds(t.CoreTagExtern, indices),
)
core_functypes = st.builds(
    t.CoreFuncType,
    st.lists(core_valtypes, max_size=3).map(tuple),
    st.lists(core_valtypes, max_size=3).map(tuple),
)
core_moduletypes = st.builds(
    t.CoreModuleType,
    st.lists(
        st.one_of(
            st.builds(t.CoreImportDecl, st.text(max_size=5), st.text(max_size=5), core_externs),
            core_functypes,
            st.builds(AliasOuter, st.just(Sort.CORE_TYPE), indices, indices),
            st.builds(t.CoreExportDecl, st.text(max_size=5), core_externs),
        ),
        max_size=4,
    ).map(tuple),
)
core_types = st.one_of(core_functypes, core_moduletypes)
aliases = st.one_of(
    st.builds(AliasExport, sorts, indices, st.text(max_size=8)),
    st.builds(AliasCoreExport, sorts, indices, st.text(max_size=8)),
    st.builds(AliasOuter, sorts, indices, indices),
)


def _decls(
    children: st.SearchStrategy[t.DefType], imports: bool
) -> st.SearchStrategy[tuple[Any, ...]]:
    items: list[st.SearchStrategy[Any]] = [
        core_types,
        children,
        aliases,
        st.builds(t.ExportDecl, names, externdescs),
    ]
    if imports:
        items.append(st.builds(t.ImportDecl, names, externdescs))
    return st.lists(st.one_of(*items), max_size=4).map(tuple)


deftypes: st.SearchStrategy[t.DefType] = st.recursive(
    st.one_of(
        defvaltypes, functypes, st.builds(t.ResourceType, core_valtypes, st.none() | indices)
    ),
    lambda children: st.one_of(
        st.builds(t.InstanceType, _decls(children, False)),
        st.builds(t.ComponentType, _decls(children, True)),
    ),
    max_leaves=12,
)


def round_trip(component: m.Component) -> bytes:
    data = encode_component(component)
    decoded = decode_component(data)
    assert decoded == component
    assert encode_component(decoded) == data
    return data


@settings(max_examples=300, deadline=None)
@given(st.lists(deftypes, max_size=6))
def test_type_sections_round_trip(types: list[t.DefType]) -> None:
    round_trip(m.Component([m.TypeSection(types)]))


@settings(max_examples=100, deadline=None)
@given(st.lists(core_types, max_size=4))
def test_core_type_sections_round_trip(types: list[t.CoreType]) -> None:
    round_trip(m.Component([m.CoreTypeSection(types)]))


canonopts = st.one_of(
    st.builds(m.StringEncodingOpt, st.sampled_from(list(m.STRING_ENCODINGS))),
    st.builds(m.MemoryOpt, indices),
    st.builds(m.ReallocOpt, indices),
    st.builds(m.PostReturnOpt, indices),
    st.just(m.AsyncOpt()),
    st.builds(m.CallbackOpt, indices),
)
opts = st.lists(canonopts, max_size=4).map(tuple)


def _builtin(opcode: int) -> st.SearchStrategy[m.CanonBuiltin]:
    parts = {
        "u": indices,
        "b": st.integers(0, 1),
        "v": core_valtypes,
        "r": opt_valtypes,
        "o": opts,
    }
    return st.tuples(*(parts[k] for k in BUILTIN_SHAPES[opcode])).map(
        lambda imms: m.CanonBuiltin(opcode, imms)
    )


canons = st.one_of(
    st.builds(m.CanonLift, indices, indices, opts),
    st.builds(m.CanonLower, indices, opts),
    st.builds(m.CanonResourceNew, indices),
    st.builds(m.CanonResourceDrop, indices),
    st.builds(m.CanonResourceRep, indices),
    st.sampled_from(sorted(BUILTIN_SHAPES)).flatmap(_builtin),
)
core_sortidx = st.builds(SortIdx, st.sampled_from([s for s in Sort if s.is_core]), indices)
sortidx = st.builds(SortIdx, sorts, indices)
sections = st.one_of(
    st.builds(m.CustomSection, st.text(max_size=8), st.binary(max_size=16)),
    st.builds(
        m.CoreModuleSection, st.binary(max_size=8).map(lambda b: b"\x00asm\x01\x00\x00\x00" + b)
    ),
    st.builds(
        m.CoreInstanceSection,
        st.lists(
            st.one_of(
                st.builds(
                    m.CoreInstantiate,
                    indices,
                    st.lists(st.tuples(st.text(max_size=5), indices), max_size=3).map(tuple),
                ),
                st.builds(
                    m.CoreInlineExports,
                    st.lists(st.tuples(st.text(max_size=5), core_sortidx), max_size=3).map(tuple),
                ),
            ),
            max_size=3,
        ),
    ),
    st.builds(
        m.InstanceSection,
        st.lists(
            st.one_of(
                st.builds(
                    m.Instantiate,
                    indices,
                    st.lists(st.tuples(st.text(max_size=5), sortidx), max_size=3).map(tuple),
                ),
                st.builds(
                    m.InlineExports, st.lists(st.tuples(names, sortidx), max_size=3).map(tuple)
                ),
            ),
            max_size=3,
        ),
    ),
    st.builds(m.AliasSection, st.lists(aliases, max_size=4)),
    st.builds(m.CanonSection, st.lists(canons, max_size=4)),
    st.builds(
        m.StartSection,
        st.builds(m.Start, indices, st.lists(indices, max_size=3).map(tuple), indices),
    ),
    st.builds(m.ImportSection, st.lists(st.builds(m.Import, names, externdescs), max_size=3)),
    st.builds(
        m.ExportSection,
        st.lists(st.builds(m.Export, names, sortidx, st.none() | externdescs), max_size=3),
    ),
    st.builds(m.ValueSection, st.binary(max_size=8)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(sections, max_size=6))
def test_all_sections_round_trip(items: list[m.Section]) -> None:
    round_trip(m.Component(items))


@settings(max_examples=30, deadline=None)
@given(st.lists(sections, max_size=3), st.lists(sections, max_size=3))
def test_nested_components_round_trip(inner: list[m.Section], outer: list[m.Section]) -> None:
    round_trip(m.Component([*outer, m.ComponentSection(m.Component(inner)), *outer]))


def test_valtype_indices_are_signed_leb128() -> None:
    """Index 100 as unsigned LEB128 would be 0x64, the code of error-context."""
    data = encode_component(m.Component([m.TypeSection([t.OptionType(100)])]))
    assert data.endswith(b"\x6b\xe4\x00")
    assert decode_component(data).sections[0] == m.TypeSection([t.OptionType(100)])


# --------------------------------------------------------------------------
# malformed input


def _sample_component() -> bytes:
    return encode_component(
        m.Component(
            [
                m.TypeSection(
                    [
                        t.InstanceType(
                            (
                                t.ExportDecl(ExternName("r"), t.SUB_RESOURCE),
                                t.OwnType(0),
                                t.FuncType((("a", "string"),), 1),
                            )
                        )
                    ]
                ),
                m.ImportSection([m.Import(ExternName("wasi:x/y@0.2.0"), t.InstanceExtern(0))]),
                m.CoreModuleSection(b"\x00asm\x01\x00\x00\x00"),
                m.CoreInstanceSection([m.CoreInstantiate(0, (("a", 0),))]),
                m.AliasSection(
                    [AliasCoreExport(Sort.CORE_FUNC, 0, "f"), AliasExport(Sort.FUNC, 0, "g")]
                ),
                m.CanonSection(
                    [
                        m.CanonLift(0, 1, (m.StringEncodingOpt("utf8"), m.MemoryOpt(0))),
                        m.CanonLower(0, (m.ReallocOpt(1),)),
                        m.CanonResourceDrop(2),
                    ]
                ),
                m.ComponentSection(
                    m.Component(
                        [m.ExportSection([m.Export(ExternName("e"), SortIdx(Sort.FUNC, 0))])]
                    )
                ),
                m.ExportSection(
                    [m.Export(ExternName("run"), SortIdx(Sort.INSTANCE, 0), t.InstanceExtern(0))]
                ),
                m.CustomSection("component-name", b"\x00\x02\x01x"),
            ]
        )
    )


def _decode_or_error(data: bytes) -> None:
    try:
        decode_component(data)
    except WasmDecodeError as err:
        assert err.offset is not None and 0 <= err.offset <= len(data), err
        assert err.section, err


def test_every_truncation_is_a_decode_error() -> None:
    data = _sample_component()
    boundaries = {8}
    for section in decode_component(data).sections:
        boundaries.add(max(boundaries) + len(encode_section(section)))
    for end in range(len(data)):
        if end in boundaries:  # a whole number of sections is a valid component
            assert encode_component(decode_component(data[:end])) == data[:end]
            continue
        with pytest.raises(WasmDecodeError):
            decode_component(data[:end])


def test_bit_flips_raise_only_decode_errors() -> None:
    data = _sample_component()
    rng = random.Random(1234)
    for _ in range(3000):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
        _decode_or_error(bytes(mutated))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64))
def test_random_payloads_raise_only_decode_errors(payload: bytes) -> None:
    _decode_or_error(b"\x00asm\x0d\x00\x01\x00" + payload)


def test_error_names_section_and_offset() -> None:
    data = encode_component(
        m.Component([m.CustomSection("a", b""), m.TypeSection([t.OptionType(3)])])
    )
    bad = data[:-2] + b"\x99" + data[-1:]  # 0x99: not a type opcode
    with pytest.raises(WasmDecodeError) as info:
        decode_component(bad)
    assert info.value.section == "type"
    assert info.value.offset == len(data) - 2
    assert "type section" in str(info.value) and hex(len(data) - 2) in str(info.value)


def test_not_a_component() -> None:
    with pytest.raises(WasmDecodeError, match="not a component"):
        decode_component(b"\x00asm\x01\x00\x00\x00")
    with pytest.raises(WasmDecodeError):
        decode_component(b"")
