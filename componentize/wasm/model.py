"""Plain dataclasses for a WebAssembly 3.0 core module.

Names follow the core spec.  Value types are strings for number/vector types
and the abbreviated reference types (`"i32"`, `"v128"`, `"funcref"`,
`"externref"`, ...) and `RefType` for the long forms `(ref null? heaptype)`;
the two forms are kept apart because they are encoded differently.

Constant expressions are kept as their bytes (`ConstExpr.code`, ending with
the `end` opcode) and code bodies as raw instruction bytes: the module codec
never decodes instructions it does not have to.  `componentize.wasm.decode_expr`
turns either into instructions on demand.

`Module.raw` remembers the original bytes of every decoded section.  It is
ignored by `==`; the encoder reuses those bytes for each section whose model is
still equal to what they decode to, which makes `encode(decode(x)) == x` hold
even for non-canonical encodings (padded LEB128s and the like).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

# -- types -----------------------------------------------------------------

HeapType: TypeAlias = "str | int"
"""An abstract heap type name (`"func"`, `"extern"`, `"any"`, ...) or a type index."""


@dataclass(frozen=True)
class RefType:
    """The long form `(ref null? heaptype)` (opcodes 0x63/0x64)."""

    nullable: bool
    heap: HeapType


ValType: TypeAlias = "str | RefType"
StorageType: TypeAlias = "str | RefType"  # a ValType, or "i8" / "i16" in GC fields


@dataclass
class FuncType:
    params: list[ValType] = field(default_factory=list)
    results: list[ValType] = field(default_factory=list)


@dataclass
class FieldType:
    storage: StorageType
    mutable: bool = False


@dataclass
class StructType:
    fields: list[FieldType] = field(default_factory=list)


@dataclass
class ArrayType:
    element: FieldType


CompositeType: TypeAlias = "FuncType | StructType | ArrayType"


@dataclass
class SubType:
    """`sub final? supertypes comptype` (0x4F final, 0x50 open)."""

    final: bool
    supertypes: list[int]
    composite: CompositeType


@dataclass
class RecGroup:
    """`rec subtype*` (0x4E): defines `len(types)` consecutive type indices."""

    types: list[SubType] = field(default_factory=list)


TypeDef: TypeAlias = "FuncType | StructType | ArrayType | SubType | RecGroup"
"""One entry of the type section; a bare composite type defines one index."""


@dataclass
class Limits:
    """Limits of a memory or table, with the flag bits the binary format allows."""

    min: int
    max: int | None = None
    shared: bool = False
    is64: bool = False  # memory64 / table64: limits are u64
    page_size_log2: int | None = None  # custom-page-sizes (flag bit 3)


MemoryType: TypeAlias = Limits


@dataclass
class TableType:
    element: ValType  # a reference type
    limits: Limits


@dataclass
class GlobalType:
    type: ValType
    mutable: bool = False


@dataclass
class TagType:
    type_index: int
    attribute: int = 0  # 0 = exception, the only one defined


@dataclass(frozen=True)
class ConstExpr:
    """A constant expression as its bytes, including the final `end` (0x0B)."""

    code: bytes


# -- imports and exports -----------------------------------------------------

ExternKind: TypeAlias = Literal["func", "table", "memory", "global", "tag"]
EXTERN_KINDS: tuple[ExternKind, ...] = ("func", "table", "memory", "global", "tag")


@dataclass
class FuncDesc:
    """An imported function: the index of its type."""

    type_index: int


ImportDesc: TypeAlias = "FuncDesc | TableType | MemoryType | GlobalType | TagType"


@dataclass
class Import:
    module: str
    name: str
    desc: ImportDesc

    @property
    def kind(self) -> ExternKind:
        return desc_kind(self.desc)


def desc_kind(desc: ImportDesc) -> ExternKind:
    if isinstance(desc, FuncDesc):
        return "func"
    if isinstance(desc, TableType):
        return "table"
    if isinstance(desc, Limits):
        return "memory"
    if isinstance(desc, GlobalType):
        return "global"
    return "tag"


@dataclass
class Export:
    name: str
    kind: ExternKind
    index: int


# -- definitions -------------------------------------------------------------


@dataclass
class Table:
    type: TableType
    init: ConstExpr | None = None  # the `0x40 0x00 tabletype expr` form


@dataclass
class Global:
    type: GlobalType
    init: ConstExpr


SegmentMode: TypeAlias = Literal["active", "passive", "declarative"]


@dataclass
class Element:
    """An element segment; `items` are function indices or constant expressions.

    The binary form (0..7) is derived on encoding: function-index forms when
    `items` holds ints and the type is `funcref`, table-0 forms when possible.
    """

    mode: SegmentMode
    type: ValType = "funcref"
    items: list[int] | list[ConstExpr] = field(default_factory=list)
    table: int = 0
    offset: ConstExpr | None = None  # active segments only


@dataclass(frozen=True)
class Local:
    """`count` locals of one type (frozen: the decoder shares equal instances)."""

    count: int
    type: ValType


@dataclass(frozen=True)
class Code:
    """A function body: its local declarations and its raw instruction bytes.

    `code` is everything after the locals, up to and including the final `end`.
    Frozen (its locals are not changed in place either), so an encoder that
    finds the very objects it decoded knows the code section is unchanged.
    """

    locals: list[Local]
    code: bytes
    offset: int = field(default=0, compare=False)  # of `code` in the original file


@dataclass(frozen=True, slots=True)
class Data:
    """A data segment.  Frozen (every field is immutable too), so an encoder
    that finds the very objects it decoded knows the section is unchanged."""

    mode: Literal["active", "passive"]
    data: bytes
    memory: int = 0
    offset: ConstExpr | None = None  # active segments only


@dataclass
class CustomSection:
    """A custom section, kept byte for byte.

    `after` is where it sits: the id of the standard section it follows (0 for
    the start of the module, None for the end).  The name and producers
    sections are custom sections too; see `decode_name_section` and
    `decode_producers_section` for their decoded forms.
    """

    name: str
    data: bytes
    after: int | None = None
    offset: int = field(default=0, compare=False)  # of `data` in the original file
    raw: RawSection | None = field(default=None, compare=False, repr=False)


@dataclass
class RawSection:
    """Where a decoded section's bytes were: `source[start:end]` is id, size and payload."""

    source: bytes
    start: int
    payload: int
    end: int
    # The items as decoded, for sections whose items are immutable (function
    # type indices, bodies, data segments): the encoder reuses the bytes when the
    # module still holds exactly these objects, without decoding them again.
    items: tuple[object, ...] | None = field(default=None, compare=False, repr=False)


@dataclass
class Module:
    types: list[TypeDef] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    functions: list[int] = field(default_factory=list)  # type index per defined function
    tables: list[Table] = field(default_factory=list)
    memories: list[MemoryType] = field(default_factory=list)
    tags: list[TagType] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    start: int | None = None
    elements: list[Element] = field(default_factory=list)
    data_count: int | None = None
    codes: list[Code] = field(default_factory=list)
    datas: Sequence[Data] = field(default_factory=list)  # decode.LazyItems until read, when lazy
    customs: list[CustomSection] = field(default_factory=list)
    raw: dict[int, RawSection] = field(default_factory=dict, compare=False, repr=False)


# -- name and producers sections ------------------------------------------------


@dataclass
class NameSection:
    """The `name` custom section: module, function and local names decoded.

    Other subsections (labels, types, tables, ... from the extended-name
    proposal) are kept as (id, bytes) in their original order.
    """

    module: str | None = None
    functions: dict[int, str] = field(default_factory=dict)
    locals: dict[int, dict[int, str]] = field(default_factory=dict)
    others: list[tuple[int, bytes]] = field(default_factory=list)


@dataclass
class ProducersSection:
    """The `producers` custom section: field name -> {value name: version}."""

    fields: dict[str, dict[str, str]] = field(default_factory=dict)


# -- instructions ----------------------------------------------------------------


@dataclass(frozen=True)
class MemArg:
    align: int  # log2 of the alignment
    offset: int
    memory: int = 0


CatchKind: TypeAlias = Literal["catch", "catch_ref", "catch_all", "catch_all_ref"]


@dataclass(frozen=True)
class Catch:
    """A `try_table` clause: `catch`, `catch_ref`, `catch_all` or `catch_all_ref`."""

    kind: CatchKind
    label: int
    tag: int | None = None


BlockType: TypeAlias = "None | str | RefType | int"
"""None for the empty block type, a value type, or a type index."""


@dataclass(frozen=True)
class Instruction:
    """One instruction: its text-format name and its immediates, in binary order.

    Immediates are ints (indices, lane numbers, integer constants), bytes (the
    bit patterns of f32/f64/v128 constants and shuffle lanes), `MemArg`,
    block types, value types, tuples (`br_table` labels, `select` types,
    `try_table` catches).
    """

    op: str
    imm: tuple[object, ...] = ()


@dataclass
class Body:
    locals: list[Local]
    instructions: list[Instruction]
