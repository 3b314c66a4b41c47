"""Type definitions (Binary.md: Type Definitions): core types usable at the
component level, component value/function/resource types, component and
instance types with their declarators, and extern descriptors.

All classes are frozen, so structurally equal types compare and hash equal;
the builder uses that to define each anonymous type once per scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from componentize.component.sorts import Alias, ExternName

# --------------------------------------------------------------------------
# core types (`core:type`)

CoreValType = int | tuple[int, int]
"""A core value type: one byte (0x7f i32 ... 0x70 funcref, 0x6f externref ...)
or `(0x63|0x64, heaptype)` for `ref null? ht` with an s33 heap type."""

I32, I64, F32, F64, V128 = 0x7F, 0x7E, 0x7D, 0x7C, 0x7B


@dataclass(frozen=True)
class CoreFuncType:
    params: tuple[CoreValType, ...]
    results: tuple[CoreValType, ...]


@dataclass(frozen=True)
class Limits:
    """Core limits: `flags` bit 0 = has max, bit 1 = shared, bit 2 = 64-bit."""

    flags: int
    minimum: int
    maximum: int | None = None


@dataclass(frozen=True)
class CoreFuncExtern:
    type: int


@dataclass(frozen=True)
class CoreTableExtern:
    element: CoreValType
    limits: Limits


@dataclass(frozen=True)
class CoreMemoryExtern:
    limits: Limits


@dataclass(frozen=True)
class CoreGlobalExtern:
    valtype: CoreValType
    mutability: int  # the `mut` byte as written (0 const, 1 var; other bits kept)


@dataclass(frozen=True)
class CoreTagExtern:
    type: int


CoreExternType = (
    CoreFuncExtern | CoreTableExtern | CoreMemoryExtern | CoreGlobalExtern | CoreTagExtern
)


@dataclass(frozen=True)
class CoreImportDecl:
    module: str
    name: str
    desc: CoreExternType


@dataclass(frozen=True)
class CoreExportDecl:
    name: str
    desc: CoreExternType


@dataclass(frozen=True)
class CoreModuleType:
    """`(module md*)`: decls are CoreImportDecl, CoreFuncType (a `type` decl),
    AliasOuter of sort CORE_TYPE, or CoreExportDecl."""

    decls: tuple[CoreModuleDecl, ...]


CoreType = CoreFuncType | CoreModuleType

# --------------------------------------------------------------------------
# component value types (`defvaltype`)

PRIMITIVE_CODES: dict[str, int] = {
    "bool": 0x7F,
    "s8": 0x7E,
    "u8": 0x7D,
    "s16": 0x7C,
    "u16": 0x7B,
    "s32": 0x7A,
    "u32": 0x79,
    "s64": 0x78,
    "u64": 0x77,
    "f32": 0x76,
    "f64": 0x75,
    "char": 0x74,
    "string": 0x73,
    "error-context": 0x64,
}
PRIMITIVE_BY_CODE: dict[int, str] = {code: n for n, code in PRIMITIVE_CODES.items()}

ValType = int | str
"""A `valtype`: a type index, or a primitive by its name (`"u32"`, `"string"`)."""


@dataclass(frozen=True)
class PrimValType:
    """A primitive used as a type definition: `(type u32)`."""

    name: str


@dataclass(frozen=True)
class RecordType:
    fields: tuple[tuple[str, ValType], ...]


@dataclass(frozen=True)
class VariantType:
    cases: tuple[tuple[str, ValType | None], ...]


@dataclass(frozen=True)
class ListType:
    element: ValType
    size: int | None = None  # fixed-size list (0x67) when set


@dataclass(frozen=True)
class TupleType:
    types: tuple[ValType, ...]


@dataclass(frozen=True)
class FlagsType:
    names: tuple[str, ...]


@dataclass(frozen=True)
class EnumType:
    names: tuple[str, ...]


@dataclass(frozen=True)
class OptionType:
    inner: ValType


@dataclass(frozen=True)
class ResultType:
    ok: ValType | None = None
    err: ValType | None = None


@dataclass(frozen=True)
class OwnType:
    resource: int


@dataclass(frozen=True)
class BorrowType:
    resource: int


@dataclass(frozen=True)
class StreamType:
    element: ValType | None = None


@dataclass(frozen=True)
class FutureType:
    element: ValType | None = None


@dataclass(frozen=True)
class MapType:
    key: ValType
    value: ValType


DefValType = (
    PrimValType
    | RecordType
    | VariantType
    | ListType
    | TupleType
    | FlagsType
    | EnumType
    | OptionType
    | ResultType
    | OwnType
    | BorrowType
    | StreamType
    | FutureType
    | MapType
)

# --------------------------------------------------------------------------
# function, resource, component and instance types


@dataclass(frozen=True)
class FuncType:
    params: tuple[tuple[str, ValType], ...]
    result: ValType | None = None
    is_async: bool = False


@dataclass(frozen=True)
class ResourceType:
    """`(resource (rep i32) (dtor f)?)`; only in component scope."""

    rep: CoreValType = I32
    dtor: int | None = None


@dataclass(frozen=True)
class ModuleExtern:
    """`(core module (type i))`: `type` is a core type index."""

    type: int


@dataclass(frozen=True)
class FuncExtern:
    type: int


@dataclass(frozen=True)
class ValueExtern:
    """`(value b)`: `eq` is a value index when `is_eq`, else `valtype` is set."""

    is_eq: bool
    eq: int = 0
    valtype: ValType = 0


@dataclass(frozen=True)
class TypeExtern:
    """`(type (eq i))`, or `(type (sub resource))` when `eq` is None."""

    eq: int | None = None


@dataclass(frozen=True)
class ComponentExtern:
    type: int


@dataclass(frozen=True)
class InstanceExtern:
    type: int


ExternDesc = ModuleExtern | FuncExtern | ValueExtern | TypeExtern | ComponentExtern | InstanceExtern
SUB_RESOURCE = TypeExtern(None)


@dataclass(frozen=True)
class ImportDecl:
    name: ExternName
    desc: ExternDesc


@dataclass(frozen=True)
class ExportDecl:
    name: ExternName
    desc: ExternDesc


@dataclass(frozen=True)
class InstanceType:
    """`(instance id*)`: decls are core types (0x00), types (0x01), aliases
    (0x02) and ExportDecl (0x04)."""

    decls: tuple[InstanceDecl, ...]


@dataclass(frozen=True)
class ComponentType:
    """`(component cd*)`: instance declarators plus ImportDecl (0x03)."""

    decls: tuple[ComponentDecl, ...]


DefType = DefValType | FuncType | ComponentType | InstanceType | ResourceType
CoreModuleDecl = CoreImportDecl | CoreFuncType | Alias | CoreExportDecl
InstanceDecl = CoreType | DefType | Alias | ExportDecl
ComponentDecl = InstanceDecl | ImportDecl

DEF_VAL_TYPES = (
    PrimValType,
    RecordType,
    VariantType,
    ListType,
    TupleType,
    FlagsType,
    EnumType,
    OptionType,
    ResultType,
    OwnType,
    BorrowType,
    StreamType,
    FutureType,
    MapType,
)
DEF_TYPES = (*DEF_VAL_TYPES, FuncType, ComponentType, InstanceType, ResourceType)
CORE_TYPES = (CoreFuncType, CoreModuleType)
