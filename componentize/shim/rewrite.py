"""Index bookkeeping over decoded instructions: what a body references, and
renumbering of function, global, table and type indices.

Which immediate is an index of which space is the opcode table's business
(`componentize.wasm.reindex` walks them).  Memories, locals and labels are
left as they are.  The shim is our own code and has no element or data
segments, no tags and no typed references: an element, data or tag index,
or a type index inside a heap type, is an internal error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from componentize.errors import InternalError
from componentize.wasm.model import HeapType, Instruction
from componentize.wasm.opcodes import IndexSpace
from componentize.wasm.reindex import OP_SPACES, Reindex


@dataclass
class Refs:
    """Indices referenced by some code."""

    funcs: set[int] = field(default_factory=set)
    globals: set[int] = field(default_factory=set)
    tables: set[int] = field(default_factory=set)
    types: set[int] = field(default_factory=set)

    def update(self, other: Refs) -> None:
        """Add `other`'s indices to these."""
        self.funcs |= other.funcs
        self.globals |= other.globals
        self.tables |= other.tables
        self.types |= other.types


@dataclass
class Renumber:
    """Old index -> new index per space; a space left empty is unchanged."""

    funcs: Mapping[int, int] = field(default_factory=dict)
    globals: Mapping[int, int] = field(default_factory=dict)
    tables: Mapping[int, int] = field(default_factory=dict)
    types: Mapping[int, int] = field(default_factory=dict)


# The spaces tracked: their field in Refs and Renumber, and their name in errors.
_TRACKED: dict[IndexSpace, tuple[str, str]] = {
    "func": ("funcs", "function"),
    "global": ("globals", "global"),
    "table": ("tables", "table"),
    "type": ("types", "type"),
}
_UNSUPPORTED: frozenset[IndexSpace] = frozenset(("elem", "data", "tag"))


class _ShimIndices(Reindex):
    """The walk shared by `collect` and `renumber`: refuses what shim gc does not handle."""

    op = ""

    def instruction(self, ins: Instruction) -> Instruction:
        self.op = ins.op
        return super().instruction(ins)

    def _unsupported(self) -> InternalError:
        return InternalError(f"shim code uses `{self.op}`, which shim gc does not handle")

    def heap_type(self, heap: HeapType) -> HeapType:
        if isinstance(heap, int):
            raise self._unsupported()
        return heap

    def index(self, space: IndexSpace, index: int) -> int:
        if space in _UNSUPPORTED:
            raise self._unsupported()
        tracked = _TRACKED.get(space)
        return index if tracked is None else self.tracked(tracked[0], tracked[1], index)

    def tracked(self, field_name: str, what: str, index: int) -> int:
        raise NotImplementedError


class _Collect(_ShimIndices):
    def __init__(self, refs: Refs) -> None:
        self.refs = refs
        self.hit = False  # whether a tracked index was seen since last reset

    def tracked(self, field_name: str, what: str, index: int) -> int:
        getattr(self.refs, field_name).add(index)
        self.hit = True
        return index


class _Renumber(_ShimIndices):
    def __init__(self, r: Renumber) -> None:
        self.r = r

    def tracked(self, field_name: str, what: str, index: int) -> int:
        space: Mapping[int, int] = getattr(self.r, field_name)
        if not space:
            return index
        if index not in space:
            raise InternalError(f"{what} {index} is referenced but was not kept")
        return space[index]


def collect(instructions: Iterable[Instruction], refs: Refs) -> None:
    """Add every index the instructions reference to `refs`."""
    walk = _Collect(refs)
    for ins in instructions:
        walk.instruction(ins)


# The spaces the walk tracks or refuses: an instruction holding none of them
# (locals, labels, memories only, or no index at all) is skipped unwalked.
_WALKED: frozenset[IndexSpace] = frozenset(_TRACKED) | _UNSUPPORTED
_SKIPPED = frozenset(op for op, spaces in OP_SPACES.items() if not spaces & _WALKED)


def referencing(instructions: Iterable[Instruction], refs: Refs) -> list[bool]:
    """Like `collect`; and for each instruction, whether it references an index."""
    walk = _Collect(refs)
    out = []
    for ins in instructions:
        if ins.op in _SKIPPED or ins.op not in OP_SPACES:
            out.append(False)
            continue
        walk.hit = False
        walk.instruction(ins)
        out.append(walk.hit)
    return out


def renumber(instructions: Iterable[Instruction], r: Renumber) -> list[Instruction]:
    return _Renumber(r).instructions(instructions)
