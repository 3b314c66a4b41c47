"""Index rewriting of instructions, driven by the opcode table.

`Reindex` has one hook per index space (`type_index`, `func_index`, ...,
`tag_index`); every index an instruction holds goes through the hook of its
space, whether it is a plain u32 immediate (`call f`, `memory.init d m`) or
part of a composite one (a block type, a memarg's memory, `br_table` labels,
heap types, `try_table` catch clauses).  The hooks return the index unchanged;
a subclass overrides those of the spaces it renumbers, or records what it sees.
Which immediate belongs to which space is read from `opcodes.OPS`, so no list
of opcode names is needed here or in the callers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .model import BlockType, Catch, HeapType, Instruction, MemArg, RefType, ValType
from .opcodes import COMPOSITE_SPACES, OPS, PLAIN_U32_KINDS, IndexSpace


class Reindex:
    """Maps the indices of instructions; see the module docs."""

    def index(self, space: IndexSpace, index: int) -> int:
        """What every hook does unless overridden: here, keep the index."""
        return index

    # -- one hook per index space ----------------------------------------------------

    def type_index(self, index: int) -> int:
        return self.index("type", index)

    def func_index(self, index: int) -> int:
        return self.index("func", index)

    def table_index(self, index: int) -> int:
        return self.index("table", index)

    def memory_index(self, index: int) -> int:
        return self.index("memory", index)

    def global_index(self, index: int) -> int:
        return self.index("global", index)

    def elem_index(self, index: int) -> int:
        return self.index("elem", index)

    def data_index(self, index: int) -> int:
        return self.index("data", index)

    def local_index(self, index: int) -> int:
        return self.index("local", index)

    def label_index(self, index: int) -> int:
        return self.index("label", index)

    def tag_index(self, index: int) -> int:
        return self.index("tag", index)

    # -- composite immediates ----------------------------------------------------------

    def heap_type(self, heap: HeapType) -> HeapType:
        return self.type_index(heap) if isinstance(heap, int) else heap

    def ref_type(self, t: RefType) -> RefType:
        return RefType(t.nullable, self.heap_type(t.heap))

    def val_type(self, t: ValType) -> ValType:
        return self.ref_type(t) if isinstance(t, RefType) else t

    def block_type(self, t: BlockType) -> BlockType:
        if isinstance(t, int):
            return self.type_index(t)
        return t if t is None else self.val_type(t)

    def memarg(self, m: MemArg) -> MemArg:
        return MemArg(m.align, m.offset, self.memory_index(m.memory))

    def catch(self, c: Catch) -> Catch:
        tag = None if c.tag is None else self.tag_index(c.tag)
        return Catch(c.kind, self.label_index(c.label), tag)

    # -- instructions ------------------------------------------------------------------

    def instruction(self, ins: Instruction) -> Instruction:
        """`ins` with every index mapped through the hook of its space."""
        plan = _PLANS.get(ins.op)
        if plan is None:
            return ins  # no index (or an opcode unknown to the table: the encoder says so)
        imm = ins.imm
        if isinstance(plan, str):
            return Instruction(ins.op, _COMPOSITE[plan](self, imm))
        new = tuple(
            v if hook is None else getattr(self, hook)(_int(v))
            for v, hook in zip(imm, plan, strict=False)
        )
        return Instruction(ins.op, new + imm[len(new) :])

    def instructions(self, instructions: Iterable[Instruction]) -> list[Instruction]:
        return [self.instruction(ins) for ins in instructions]


def _int(value: object) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected an index, got {value!r}")
    return value


def _select(r: Reindex, imm: tuple[object, ...]) -> tuple[object, ...]:
    if not imm:
        return imm
    types = imm[0]
    assert isinstance(types, tuple | list)
    return (tuple(r.val_type(t) for t in types), *imm[1:])


def _br_table(r: Reindex, imm: tuple[object, ...]) -> tuple[object, ...]:
    labels, default = imm
    assert isinstance(labels, tuple | list)
    return (tuple(r.label_index(_int(v)) for v in labels), r.label_index(_int(default)))


def _br_cast(r: Reindex, imm: tuple[object, ...]) -> tuple[object, ...]:
    label, first, second = imm
    assert isinstance(first, RefType) and isinstance(second, RefType)
    return (r.label_index(_int(label)), r.ref_type(first), r.ref_type(second))


def _try_table(r: Reindex, imm: tuple[object, ...]) -> tuple[object, ...]:
    blocktype, catches = imm
    assert isinstance(catches, tuple | list)
    return (r.block_type(blocktype), tuple(r.catch(c) for c in catches))  # type: ignore[arg-type]


def _memarg(r: Reindex, imm: tuple[object, ...]) -> tuple[object, ...]:
    m = imm[0]
    assert isinstance(m, MemArg)
    return (r.memarg(m), *imm[1:])


def _ref(r: Reindex, imm: tuple[object, ...]) -> tuple[object, ...]:
    t = imm[0]
    assert isinstance(t, RefType)
    return (r.ref_type(t),)


_COMPOSITE: dict[str, Callable[[Reindex, tuple[object, ...]], tuple[object, ...]]] = {
    "block": lambda r, imm: (r.block_type(imm[0]), *imm[1:]),  # type: ignore[arg-type]
    "br_table": _br_table,
    "memarg": _memarg,
    "memlane": _memarg,
    "select": _select,
    "heap": lambda r, imm: (r.heap_type(imm[0]),),  # type: ignore[arg-type]
    "cast": _ref,
    "br_cast": _br_cast,
    "try_table": _try_table,
}
assert _COMPOSITE.keys() == {k for k, spaces in COMPOSITE_SPACES.items() if spaces}


# Per opcode with an index: the hook of each u32 immediate (None: a field or a
# count), or the composite kind whose function walks its immediate.
_PLANS: dict[str, tuple[str | None, ...] | str] = {}
for _op in OPS:
    if _op.u32_kinds:
        if set(_op.u32_kinds) - PLAIN_U32_KINDS:
            _PLANS[_op.name] = tuple(
                None if k in PLAIN_U32_KINDS else f"{k}_index" for k in _op.u32_kinds
            )
    elif COMPOSITE_SPACES[_op.imm]:
        _PLANS[_op.name] = _op.imm


# Per opcode: the index spaces its immediates may hold (none: absent).  A
# walk that cares about some spaces only can skip every other instruction.
OP_SPACES: dict[str, frozenset[IndexSpace]] = {
    op.name: frozenset(k for k in op.u32_kinds if k not in PLAIN_U32_KINDS)  # type: ignore[misc]
    if op.u32_kinds
    else frozenset(COMPOSITE_SPACES[op.imm])
    for op in OPS
    if op.name in _PLANS
}


class References(Reindex):
    """Records every (space, index) the instructions it sees hold, in order."""

    def __init__(self) -> None:
        self.found: list[tuple[IndexSpace, int]] = []

    def index(self, space: IndexSpace, index: int) -> int:
        self.found.append((space, index))
        return index


def references(instructions: Iterable[Instruction]) -> list[tuple[IndexSpace, int]]:
    """Every (space, index) the instructions hold, in order."""
    seen = References()
    for ins in instructions:
        seen.instruction(ins)
    return seen.found
