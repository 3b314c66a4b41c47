"""Index bookkeeping over decoded instructions: what a body references, and
renumbering of function, global, table and type indices.

Only what clang emits for the shim is supported; an instruction that would
reference an index space we do not track (GC types, element or data
segments) is an internal error, since the shim is our own code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from componentize.errors import InternalError
from componentize.wasm.model import Instruction

FUNC_OPS = frozenset(("call", "return_call", "ref.func"))
GLOBAL_OPS = frozenset(("global.get", "global.set"))
TABLE_OPS = frozenset(("table.get", "table.set", "table.size", "table.grow", "table.fill"))
INDIRECT_OPS = frozenset(("call_indirect", "return_call_indirect"))
BLOCK_OPS = frozenset(("block", "loop", "if", "try", "try_table"))
TYPE_OPS = frozenset(("call_ref", "return_call_ref"))
UNSUPPORTED_PREFIXES = ("struct.", "array.", "ref.cast", "ref.test", "br_on_cast", "table.init",
                        "table.copy", "elem.drop", "memory.init", "data.drop")  # fmt: skip


@dataclass
class Refs:
    """Indices referenced by some code."""

    funcs: set[int] = field(default_factory=set)
    globals: set[int] = field(default_factory=set)
    tables: set[int] = field(default_factory=set)
    types: set[int] = field(default_factory=set)


def _check_supported(ins: Instruction) -> None:
    if ins.op.startswith(UNSUPPORTED_PREFIXES):
        raise InternalError(f"shim code uses `{ins.op}`, which shim gc does not handle")


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def collect(instructions: Iterable[Instruction], refs: Refs) -> None:
    """Add every index the instructions reference to `refs`."""
    for ins in instructions:
        op = ins.op
        if op in FUNC_OPS:
            refs.funcs.add(_int(ins.imm[0]))
        elif op in GLOBAL_OPS:
            refs.globals.add(_int(ins.imm[0]))
        elif op in TABLE_OPS:
            refs.tables.add(_int(ins.imm[0]))
        elif op in INDIRECT_OPS:
            refs.types.add(_int(ins.imm[0]))
            refs.tables.add(_int(ins.imm[1]))
        elif op in TYPE_OPS or (op in BLOCK_OPS and isinstance(ins.imm[0], int)):
            refs.types.add(_int(ins.imm[0]))
        else:
            _check_supported(ins)


@dataclass
class Renumber:
    """Old index -> new index per space; a space left empty is unchanged."""

    funcs: Mapping[int, int] = field(default_factory=dict)
    globals: Mapping[int, int] = field(default_factory=dict)
    tables: Mapping[int, int] = field(default_factory=dict)
    types: Mapping[int, int] = field(default_factory=dict)


def _map(space: Mapping[int, int], index: object, what: str) -> int:
    i = _int(index)
    if not space:
        return i
    if i not in space:
        raise InternalError(f"{what} {i} is referenced but was not kept")
    return space[i]


def renumber(instructions: Iterable[Instruction], r: Renumber) -> list[Instruction]:
    out: list[Instruction] = []
    for ins in instructions:
        op, imm = ins.op, ins.imm
        if op in FUNC_OPS:
            ins = Instruction(op, (_map(r.funcs, imm[0], "function"),))
        elif op in GLOBAL_OPS:
            ins = Instruction(op, (_map(r.globals, imm[0], "global"),))
        elif op in TABLE_OPS:
            ins = Instruction(op, (_map(r.tables, imm[0], "table"),))
        elif op in INDIRECT_OPS:
            ins = Instruction(op, (_map(r.types, imm[0], "type"), _map(r.tables, imm[1], "table")))
        elif op in TYPE_OPS or (op in BLOCK_OPS and isinstance(imm[0], int)):
            ins = Instruction(op, (_map(r.types, imm[0], "type"), *imm[1:]))
        out.append(ins)
    return out
