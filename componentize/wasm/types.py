"""Decode and encode types: value, heap, reference, limits, table, global, rec/sub types."""

from __future__ import annotations

from componentize.errors import InternalError

from .leb128 import Reader, encode_sleb, encode_uleb
from .model import (
    ArrayType,
    BlockType,
    CompositeType,
    FieldType,
    FuncType,
    GlobalType,
    HeapType,
    Limits,
    RecGroup,
    RefType,
    StorageType,
    StructType,
    SubType,
    TableType,
    TypeDef,
    ValType,
)

NUM_TYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}

# Abstract heap types and the one-byte reference types that abbreviate
# `(ref null <heap>)`: both use the same byte.
ABSTRACT_HEAP = {
    0x70: "func",
    0x6F: "extern",
    0x6E: "any",
    0x6D: "eq",
    0x6C: "i31",
    0x6B: "struct",
    0x6A: "array",
    0x69: "exn",
    0x71: "none",
    0x72: "noextern",
    0x73: "nofunc",
    0x74: "noexn",
}
SHORT_REF = {
    0x70: "funcref",
    0x6F: "externref",
    0x6E: "anyref",
    0x6D: "eqref",
    0x6C: "i31ref",
    0x6B: "structref",
    0x6A: "arrayref",
    0x69: "exnref",
    0x71: "nullref",
    0x72: "nullexternref",
    0x73: "nullfuncref",
    0x74: "nullexnref",
}
VAL_BYTES: dict[int, str] = {**NUM_TYPES, **SHORT_REF}
VAL_CODES: dict[str, int] = {v: k for k, v in VAL_BYTES.items()}
HEAP_CODES: dict[str, int] = {v: k for k, v in ABSTRACT_HEAP.items()}
PACKED = {0x78: "i8", 0x77: "i16"}
PACKED_CODES = {v: k for k, v in PACKED.items()}
REF_NULL, REF = 0x63, 0x64


def bad_model(what: str) -> InternalError:
    return InternalError(f"cannot encode wasm model: {what}")


# -- decoding ------------------------------------------------------------------


def read_heaptype(r: Reader) -> HeapType:
    b = r.peek()
    if b in ABSTRACT_HEAP:
        r.pos += 1
        return ABSTRACT_HEAP[b]
    start = r.pos
    index = r.s33()
    if index < 0:
        raise r.error(f"unknown heap type 0x{b:02x}", start)
    return index


def read_valtype(r: Reader) -> ValType:
    start = r.pos
    b = r.u8()
    name = VAL_BYTES.get(b)
    if name is not None:
        return name
    if b in (REF_NULL, REF):
        return RefType(b == REF_NULL, read_heaptype(r))
    raise r.error(f"unknown value type 0x{b:02x}", start)


def read_reftype(r: Reader) -> ValType:
    start = r.pos
    t = read_valtype(r)
    if isinstance(t, str) and t in NUM_TYPES.values():
        raise r.error(f"expected a reference type, found {t}", start)
    return t


def read_storagetype(r: Reader) -> StorageType:
    b = r.peek()
    if b in PACKED:
        r.pos += 1
        return PACKED[b]
    return read_valtype(r)


def read_blocktype(r: Reader) -> BlockType:
    b = r.peek()
    if b == 0x40:
        r.pos += 1
        return None
    if b in VAL_BYTES or b in (REF_NULL, REF):
        return read_valtype(r)
    start = r.pos
    index = r.s33()
    if index < 0:
        raise r.error(f"unknown block type 0x{b:02x}", start)
    return index


def read_limits(r: Reader) -> Limits:
    start = r.pos
    flags = r.u8()
    if flags & ~0x0F:
        raise r.error(f"unknown limits flags 0x{flags:02x}", start)
    is64 = bool(flags & 0x04)
    read = r.u64 if is64 else r.u32
    minimum = read()
    maximum = read() if flags & 0x01 else None
    page = r.u32() if flags & 0x08 else None
    return Limits(minimum, maximum, bool(flags & 0x02), is64, page)


def read_tabletype(r: Reader) -> TableType:
    element = read_reftype(r)
    return TableType(element, read_limits(r))


def read_globaltype(r: Reader) -> GlobalType:
    t = read_valtype(r)
    start = r.pos
    m = r.u8()
    if m > 1:
        raise r.error(f"invalid mutability 0x{m:02x}", start)
    return GlobalType(t, m == 1)


def _read_fieldtype(r: Reader) -> FieldType:
    storage = read_storagetype(r)
    start = r.pos
    m = r.u8()
    if m > 1:
        raise r.error(f"invalid mutability 0x{m:02x}", start)
    return FieldType(storage, m == 1)


def _read_composite(r: Reader) -> CompositeType:
    start = r.pos
    form = r.u8()
    if form == 0x60:
        params = [read_valtype(r) for _ in range(r.count("parameter"))]
        return FuncType(params, [read_valtype(r) for _ in range(r.count("result"))])
    if form == 0x5F:
        return StructType([_read_fieldtype(r) for _ in range(r.count("field"))])
    if form == 0x5E:
        return ArrayType(_read_fieldtype(r))
    raise r.error(f"unknown type form 0x{form:02x}", start)


def _read_subtype(r: Reader) -> SubType | CompositeType:
    b = r.peek()
    if b in (0x4F, 0x50):
        r.pos += 1
        supers = [r.u32() for _ in range(r.count("supertype"))]
        return SubType(b == 0x4F, supers, _read_composite(r))
    return _read_composite(r)


def read_typedef(r: Reader) -> TypeDef:
    if r.peek() == 0x4E:
        r.pos += 1
        group = []
        for _ in range(r.count("recursive type")):
            sub = _read_subtype(r)
            # Inside `rec` a bare composite type means `sub final` with no supertypes.
            group.append(sub if isinstance(sub, SubType) else SubType(True, [], sub))
        return RecGroup(group)
    return _read_subtype(r)


def typedef_entries(t: TypeDef) -> list[CompositeType]:
    """The composite types one type-section entry defines, in index order."""
    if isinstance(t, RecGroup):
        return [s.composite for s in t.types]
    if isinstance(t, SubType):
        return [t.composite]
    return [t]


# -- encoding ------------------------------------------------------------------


def write_heaptype(out: bytearray, h: HeapType) -> None:
    if isinstance(h, int):
        encode_sleb(h, out)
        return
    code = HEAP_CODES.get(h)
    if code is None:
        raise bad_model(f"unknown heap type {h!r}")
    out.append(code)


def write_valtype(out: bytearray, t: ValType) -> None:
    if isinstance(t, RefType):
        out.append(REF_NULL if t.nullable else REF)
        write_heaptype(out, t.heap)
        return
    code = VAL_CODES.get(t)
    if code is None:
        raise bad_model(f"unknown value type {t!r}")
    out.append(code)


def write_storagetype(out: bytearray, t: StorageType) -> None:
    if isinstance(t, str) and t in PACKED_CODES:
        out.append(PACKED_CODES[t])
    else:
        write_valtype(out, t)


def write_blocktype(out: bytearray, t: BlockType) -> None:
    if t is None:
        out.append(0x40)
    elif isinstance(t, int):
        encode_sleb(t, out)
    else:
        write_valtype(out, t)


def write_limits(out: bytearray, lim: Limits) -> None:
    flags = (
        (lim.max is not None)
        | lim.shared << 1
        | lim.is64 << 2
        | (lim.page_size_log2 is not None) << 3
    )
    out.append(flags)
    encode_uleb(lim.min, out)
    if lim.max is not None:
        encode_uleb(lim.max, out)
    if lim.page_size_log2 is not None:
        encode_uleb(lim.page_size_log2, out)


def write_tabletype(out: bytearray, t: TableType) -> None:
    write_valtype(out, t.element)
    write_limits(out, t.limits)


def write_globaltype(out: bytearray, t: GlobalType) -> None:
    write_valtype(out, t.type)
    out.append(1 if t.mutable else 0)


def _write_fieldtype(out: bytearray, f: FieldType) -> None:
    write_storagetype(out, f.storage)
    out.append(1 if f.mutable else 0)


def _write_composite(out: bytearray, c: CompositeType) -> None:
    if isinstance(c, FuncType):
        out.append(0x60)
        encode_uleb(len(c.params), out)
        for t in c.params:
            write_valtype(out, t)
        encode_uleb(len(c.results), out)
        for t in c.results:
            write_valtype(out, t)
    elif isinstance(c, StructType):
        out.append(0x5F)
        encode_uleb(len(c.fields), out)
        for f in c.fields:
            _write_fieldtype(out, f)
    elif isinstance(c, ArrayType):
        out.append(0x5E)
        _write_fieldtype(out, c.element)
    else:
        raise bad_model(f"unknown composite type {c!r}")


def _write_subtype(out: bytearray, s: SubType, in_rec: bool) -> None:
    # `sub final` without supertypes is written bare inside rec groups only when
    # that decodes back to the same model; outside, a SubType always keeps its prefix.
    if in_rec and s.final and not s.supertypes:
        _write_composite(out, s.composite)
        return
    out.append(0x4F if s.final else 0x50)
    encode_uleb(len(s.supertypes), out)
    for i in s.supertypes:
        encode_uleb(i, out)
    _write_composite(out, s.composite)


def write_typedef(out: bytearray, t: TypeDef) -> None:
    if isinstance(t, RecGroup):
        out.append(0x4E)
        encode_uleb(len(t.types), out)
        for s in t.types:
            _write_subtype(out, s, True)
    elif isinstance(t, SubType):
        _write_subtype(out, t, False)
    else:
        _write_composite(out, t)
