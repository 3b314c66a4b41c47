"""Property tests for the encoders: random models encode, then decode to the same model."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from componentize.wasm import (
    Catch,
    Code,
    CustomSection,
    Data,
    Element,
    Export,
    FuncDesc,
    FuncType,
    Global,
    GlobalType,
    Import,
    Instruction,
    Limits,
    Local,
    MemArg,
    Module,
    RecGroup,
    RefType,
    SubType,
    Table,
    TableType,
    TagType,
    const_expr,
    decode_expr,
    decode_module,
    encode_expr,
    encode_module,
)
from componentize.wasm.decode import SECTION_ORDER, SECTIONS
from componentize.wasm.model import ArrayType, FieldType, StructType
from componentize.wasm.opcodes import OPS
from componentize.wasm.types import ABSTRACT_HEAP, NUM_TYPES, SHORT_REF

u32 = st.integers(0, 2**32 - 1)
small = st.integers(0, 300)
heap = st.one_of(st.sampled_from(sorted(ABSTRACT_HEAP.values())), st.integers(0, 2**20))
reftype = st.one_of(
    st.sampled_from(sorted(SHORT_REF.values())), st.builds(RefType, st.booleans(), heap)
)
valtype = st.one_of(st.sampled_from(sorted(NUM_TYPES.values())), reftype)
blocktype = st.one_of(st.none(), valtype, st.integers(0, 2**32 - 1))
memarg = st.builds(MemArg, st.integers(0, 63), st.integers(0, 2**64 - 1), u32)
catch = st.one_of(
    st.builds(Catch, st.sampled_from(["catch", "catch_ref"]), u32, u32),
    st.builds(Catch, st.sampled_from(["catch_all", "catch_all_ref"]), u32),
)

IMMEDIATES: dict[str, Any] = {
    "": st.just(()),
    "block": st.tuples(blocktype),
    "br_table": st.tuples(st.lists(u32, max_size=5).map(tuple), u32),
    "memarg": st.tuples(memarg),
    "memlane": st.tuples(memarg, st.integers(0, 255)),
    "lane": st.tuples(st.integers(0, 255)),
    "s32": st.tuples(st.integers(-(2**31), 2**31 - 1)),
    "s64": st.tuples(st.integers(-(2**63), 2**63 - 1)),
    "f32": st.tuples(st.binary(min_size=4, max_size=4)),
    "f64": st.tuples(st.binary(min_size=8, max_size=8)),
    "v128": st.tuples(st.binary(min_size=16, max_size=16)),
    "shuffle": st.tuples(st.binary(min_size=16, max_size=16)),
    "select": st.one_of(st.just(()), st.tuples(st.lists(valtype, max_size=3).map(tuple))),
    "heap": st.tuples(heap),
    "cast": st.tuples(st.builds(RefType, st.booleans(), heap)),
    "br_cast": st.tuples(
        u32, st.builds(RefType, st.booleans(), heap), st.builds(RefType, st.booleans(), heap)
    ),
    "try_table": st.tuples(blocktype, st.lists(catch, max_size=4).map(tuple)),
    "zero": st.just(()),
}
# Immediates made of u32s (indices of every space, fields, counts): one u32 each.
IMMEDIATES.update({op.imm: st.tuples(*[u32] * len(op.u32_kinds)) for op in OPS if op.u32_kinds})
# Structure-changing opcodes are left out: the random sequence is closed by one `end`.
STRUCTURAL = {"block", "loop", "if", "try", "try_table", "end", "delegate"}
instruction = st.sampled_from([op for op in OPS if op.name not in STRUCTURAL]).flatmap(
    lambda op: IMMEDIATES[op.imm].map(lambda imm: Instruction(op.name, imm))
)


@settings(max_examples=300, deadline=None)
@given(st.lists(instruction, max_size=40))
def test_instructions_round_trip(instrs: list[Instruction]) -> None:
    code = encode_expr([*instrs, Instruction("end")])
    assert decode_expr(code) == [*instrs, Instruction("end")]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([op for op in OPS if op.name in {"block", "loop", "if"}])))
def test_nested_blocks_round_trip(openers: list[Any]) -> None:
    instrs = [Instruction(op.name, (None,)) for op in openers]
    instrs += [Instruction("end")] * (len(openers) + 1)
    assert decode_expr(encode_expr(instrs)) == instrs


limits = st.builds(
    Limits,
    u32,
    st.one_of(st.none(), u32),
    st.booleans(),
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 16)),
)
i32_const = st.integers(-(2**31), 2**31 - 1).map(
    lambda v: const_expr(Instruction("i32.const", (v,)))
)
names = st.text(max_size=8)
field = st.builds(FieldType, st.one_of(valtype, st.sampled_from(["i8", "i16"])), st.booleans())
composite = st.one_of(
    st.builds(FuncType, st.lists(valtype, max_size=3), st.lists(valtype, max_size=3)),
    st.builds(StructType, st.lists(field, max_size=3)),
    st.builds(ArrayType, field),
)
subtype = st.builds(SubType, st.booleans(), st.lists(small, max_size=2), composite)
typedef = st.one_of(composite, subtype, st.builds(RecGroup, st.lists(subtype, max_size=3)))
import_desc = st.one_of(
    st.builds(FuncDesc, small),
    st.builds(TableType, reftype, limits),
    limits,
    st.builds(GlobalType, valtype, st.booleans()),
    st.builds(TagType, small),
)
element = st.one_of(
    st.builds(
        Element,
        st.just("active"),
        st.just("funcref"),
        st.lists(small, max_size=3),
        small,
        i32_const,
    ),
    st.builds(
        Element,
        st.sampled_from(["passive", "declarative"]),
        reftype,
        st.lists(i32_const, max_size=3),
    ),
    st.builds(
        Element,
        st.sampled_from(["passive", "declarative"]),
        st.just("funcref"),
        st.lists(small, max_size=3),
    ),
)
data_segment = st.one_of(
    st.builds(Data, st.just("active"), st.binary(max_size=20), small, i32_const),
    st.builds(Data, st.just("passive"), st.binary(max_size=20)),
)
custom = st.builds(
    CustomSection,
    names,
    st.binary(max_size=10),
    st.sampled_from([0, *SECTION_ORDER, None]),
)


@st.composite
def modules(draw: st.DrawFn) -> Module:
    n_funcs = draw(st.integers(0, 3))
    datas = draw(st.lists(data_segment, max_size=3))
    customs = draw(st.lists(custom, max_size=3))
    # Equal models need the customs in the order the encoder places them.
    order = [0, *SECTION_ORDER, None]
    customs.sort(key=lambda c: order.index(c.after))
    return Module(
        types=draw(st.lists(typedef, max_size=3)),
        imports=draw(st.lists(st.builds(Import, names, names, import_desc), max_size=4)),
        functions=[draw(small) for _ in range(n_funcs)],
        tables=draw(
            st.lists(
                st.builds(
                    Table, st.builds(TableType, reftype, limits), st.one_of(st.none(), i32_const)
                ),
                max_size=2,
            )
        ),
        memories=draw(st.lists(limits, max_size=2)),
        tags=draw(st.lists(st.builds(TagType, small), max_size=2)),
        globals=draw(
            st.lists(
                st.builds(Global, st.builds(GlobalType, valtype, st.booleans()), i32_const),
                max_size=2,
            )
        ),
        exports=draw(
            st.lists(
                st.builds(
                    Export,
                    names,
                    st.sampled_from(["func", "table", "memory", "global", "tag"]),
                    small,
                ),
                max_size=3,
            )
        ),
        start=draw(st.one_of(st.none(), small)),
        elements=draw(st.lists(element, max_size=3)),
        data_count=draw(st.one_of(st.none(), st.just(len(datas)))),
        codes=[Code([Local(1, "i32")] * draw(st.integers(0, 2)), b"\x0b") for _ in range(n_funcs)],
        datas=datas,
        customs=customs,
    )


def placed_after(module: Module, after: int | None) -> int:
    """Where a custom section ends up: after the last present section up to `after`."""
    last = 0
    if after == 0:
        return 0
    for sid in SECTION_ORDER:
        value = getattr(module, SECTIONS[sid][0])
        if value is not None and value != []:
            if after is not None and SECTION_ORDER.index(sid) > SECTION_ORDER.index(after):
                break
            last = sid
        if sid == after:
            break
    return last


@settings(max_examples=300, deadline=None)
@given(modules())
def test_modules_round_trip(module: Module) -> None:
    data = encode_module(module)
    back = decode_module(data)
    for c in module.customs:
        c.after = placed_after(module, c.after)
    assert back == module
    assert encode_module(back) == data
