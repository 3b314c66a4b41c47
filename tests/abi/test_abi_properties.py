"""Property tests over random WIT types built directly as model objects."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from componentize.abi import (
    MAX_FLAT_PARAMS,
    MAX_FLAT_RESULTS,
    alignment,
    despecialize,
    discriminant_size,
    elem_size,
    flatten_functype,
    flatten_type,
    flatten_types,
    join,
    record_layout,
    variant_payload_offset,
)
from componentize.wit.model import (
    Case,
    Field,
    Function,
    Record,
    Type,
    TypeDef,
    TypeRef,
    Variant,
)

from .models import alias, enum, flags, lst, option, record, result, tup, variant
from .strategies import wit_types

types = wit_types()
ptrs = st.sampled_from(["i32", "i64"])


@settings(max_examples=400, deadline=None)
@given(types, ptrs)
def test_size_is_a_multiple_of_alignment(t: Type, ptr: str) -> None:
    size, align = elem_size(t, ptr=ptr), alignment(t, ptr=ptr)  # type: ignore[arg-type]
    assert align in (1, 2, 4, 8)
    assert size > 0
    assert size % align == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(types, min_size=1, max_size=6))
def test_record_fields_are_aligned_disjoint_and_tight(fields: list[Type]) -> None:
    t = record("r", *((f"f{i}", f) for i, f in enumerate(fields)))
    offsets = record_layout(fields)
    end = 0
    for offset, f in zip(offsets, fields, strict=True):
        assert offset % alignment(f) == 0
        assert end <= offset < end + alignment(f)  # no more padding than needed
        end = offset + elem_size(f)
    assert alignment(t) == max(alignment(f) for f in fields)
    assert end <= elem_size(t) < end + alignment(t)
    # a tuple of the same types has the same layout
    assert (elem_size(tup(*fields)), alignment(tup(*fields))) == (elem_size(t), alignment(t))
    assert flatten_type(t) == flatten_types(fields)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | types, min_size=1, max_size=8))
def test_variant_layout(cases: list[Type | None]) -> None:
    t = variant("v", *((f"c{i}", c) for i, c in enumerate(cases)))
    payloads = [c for c in cases if c is not None]
    disc = discriminant_size(len(cases))
    offset = variant_payload_offset(cases)
    case_align = max((alignment(c) for c in payloads), default=1)
    # the payload starts at the first offset after the discriminant that
    # suits every case, and the size is the end of the largest payload, padded
    assert offset % case_align == 0 and disc <= offset < disc + case_align
    end = offset + max((elem_size(c) for c in payloads), default=0)
    assert alignment(t) == max(disc, case_align)
    assert elem_size(t) % alignment(t) == 0 and end <= elem_size(t) < end + alignment(t)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.none() | types, min_size=1, max_size=8))
def test_variant_flattening_joins_case_types(cases: list[Type | None]) -> None:
    flat = flatten_type(variant("v", *((f"c{i}", c) for i, c in enumerate(cases))))
    case_flats = [flatten_type(c) for c in cases if c is not None]
    assert flat[0] == "i32"
    assert len(flat) == 1 + max((len(cf) for cf in case_flats), default=0)
    for i, core in enumerate(flat[1:]):
        at_i = {cf[i] for cf in case_flats if i < len(cf)}
        # one type is kept as is; 32-bit types share i32; anything else is i64
        if len(at_i) == 1:
            assert core == next(iter(at_i))
        elif at_i <= {"i32", "f32"}:
            assert core == "i32"
        else:
            assert core == "i64"
        assert all(join(core, c) == core for c in at_i)


@settings(max_examples=200, deadline=None)
@given(types)
def test_specialized_types_match_their_expansion(t: Type) -> None:
    expansions: list[tuple[Type, Type]] = [
        (option(t), variant("o", ("none", None), ("some", t))),
        (result(t, None), variant("r", ("ok", t), ("error", None))),
        (result(None, t), variant("r", ("ok", None), ("error", t))),
        (tup(t, t), record("t", ("0", t), ("1", t))),
        (lst(t, 3), tup(t, t, t)),
        (alias("x", t), t),
    ]
    for special, plain in expansions:
        assert flatten_type(special) == flatten_type(plain)
        assert elem_size(special) == elem_size(plain)
        assert alignment(special) == alignment(plain)


@given(st.integers(1, 300))
def test_enum_is_a_payloadless_variant(n: int) -> None:
    names = [f"c{i}" for i in range(n)]
    as_variant = TypeRef(TypeDef("v", Variant([Case(x) for x in names])))
    e = enum("e", *names)
    assert despecialize(e) == despecialize(as_variant)
    assert (elem_size(e), flatten_type(e)) == (discriminant_size(n), ["i32"])


@settings(max_examples=300, deadline=None)
@given(st.lists(types, max_size=10), st.none() | types, st.sampled_from(["lift", "lower"]))
def test_function_signature_limits(params: list[Type], res: Type | None, context: str) -> None:
    fn = Function("f", [(f"p{i}", p) for i, p in enumerate(params)], res)
    core = flatten_functype(fn, context)  # type: ignore[arg-type]
    flat_params = flatten_types(params)
    flat_results = flatten_types([res] if res is not None else [])
    assert len(core.results) <= MAX_FLAT_RESULTS
    expect_params = flat_params if len(flat_params) <= MAX_FLAT_PARAMS else ["i32"]
    if len(flat_results) <= MAX_FLAT_RESULTS:
        assert list(core.params) == expect_params and list(core.results) == flat_results
    elif context == "lower":
        assert list(core.params) == [*expect_params, "i32"] and core.results == ()
    else:
        assert list(core.params) == expect_params and core.results == ("i32",)


def test_field_docs_do_not_matter() -> None:
    plain = TypeRef(TypeDef("r", Record([Field("a", option(flags("f", "x")))])))
    documented = TypeRef(TypeDef("r", Record([Field("a", option(flags("f", "x")), docs="d")])))
    assert elem_size(plain) == elem_size(documented)
