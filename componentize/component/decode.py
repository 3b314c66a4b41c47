"""Component decoder: bytes -> model.  Mirrors encode.py function by function.

Malformed input raises WasmDecodeError naming the section and the absolute
byte offset; nothing else escapes (see `decode_component`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from componentize.component import typedefs as t
from componentize.component._bytes import Reader
from componentize.component.encode import BUILTIN_SHAPES, PREAMBLE
from componentize.component.model import (
    SECTION_NAMES,
    AliasSection,
    AsyncOpt,
    CallbackOpt,
    Canon,
    CanonBuiltin,
    CanonLift,
    CanonLower,
    CanonOpt,
    CanonResourceDrop,
    CanonResourceNew,
    CanonResourceRep,
    CanonSection,
    Component,
    ComponentSection,
    CoreInlineExports,
    CoreInstance,
    CoreInstanceSection,
    CoreInstantiate,
    CoreModuleSection,
    CoreTypeSection,
    CustomSection,
    Export,
    ExportSection,
    Import,
    ImportSection,
    InlineExports,
    Instance,
    InstanceSection,
    Instantiate,
    MemoryOpt,
    PostReturnOpt,
    ReallocOpt,
    Section,
    Start,
    StartSection,
    StringEncodingOpt,
    TypeSection,
    ValueSection,
)
from componentize.component.sorts import (
    CORE_SORT_BY_BYTE,
    SORT_BY_CODE,
    Alias,
    AliasCoreExport,
    AliasExport,
    AliasOuter,
    ExternName,
    NameAttribute,
    Sort,
    SortIdx,
)
from componentize.errors import WasmDecodeError
from componentize.wasm.decode import CORE_VERSION, MAGIC

T = TypeVar("T")
CORE_MODULE_PREAMBLE = MAGIC + CORE_VERSION
CORE_REF_SHORTHANDS = frozenset(
    {0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F, 0x6E, 0x6D, 0x6C, 0x6B, 0x6A, 0x69, 0x71,
     0x72, 0x73, 0x74}
)  # fmt: skip
ENCODING_BY_BYTE = {0x00: "utf8", 0x01: "utf16", 0x02: "latin1+utf16"}

# --------------------------------------------------------------------------
# small pieces


def read_sort(r: Reader) -> Sort:
    start = r.pos
    first = r.byte()
    code = (first, r.byte()) if first == 0x00 else (first,)
    sort = SORT_BY_CODE.get(code)
    if sort is None:
        raise r.error(f"unknown sort {bytes(code).hex()}", start)
    return sort


def read_core_sort(r: Reader) -> Sort:
    start = r.pos
    sort = CORE_SORT_BY_BYTE.get(r.byte())
    if sort is None:
        raise r.error("unknown core sort", start)
    return sort


def read_sortidx(r: Reader) -> SortIdx:
    sort = read_sort(r)
    return SortIdx(sort, r.uleb())


def read_extern_name(r: Reader) -> ExternName:
    start = r.pos
    form = r.byte()
    if form > 0x02:
        raise r.error(f"unknown name form {form:#x}", start)
    text = r.name()
    attrs: tuple[NameAttribute, ...] = ()
    if form == 0x02:
        attrs = tuple(r.vec(lambda: _read_attribute(r)))
    return ExternName(text, form, attrs)


def _read_attribute(r: Reader) -> NameAttribute:
    start = r.pos
    kind = r.byte()
    if kind > 0x02:
        raise r.error(f"unknown name attribute {kind:#x}", start)
    return NameAttribute(kind, r.name())


def read_alias(r: Reader) -> Alias:
    sort = read_sort(r)
    start = r.pos
    kind = r.byte()
    if kind == 0x00:
        return AliasExport(sort, r.uleb(), r.name())
    if kind == 0x01:
        return AliasCoreExport(sort, r.uleb(), r.name())
    if kind == 0x02:
        return AliasOuter(sort, r.uleb(), r.uleb())
    raise r.error(f"unknown alias target {kind:#x}", start)


def _optional(r: Reader, read: Callable[[], T]) -> T | None:
    start = r.pos
    flag = r.byte()
    if flag == 0x00:
        return None
    if flag == 0x01:
        return read()
    raise r.error(f"bad optional flag {flag:#x}", start)


# --------------------------------------------------------------------------
# core types


def read_core_valtype(r: Reader) -> t.CoreValType:
    start = r.pos
    code = r.byte()
    if code in (0x63, 0x64):
        return (code, r.sleb(33))
    if code not in CORE_REF_SHORTHANDS:
        raise r.error(f"unknown core value type {code:#x}", start)
    return code


def read_limits(r: Reader) -> t.Limits:
    start = r.pos
    flags = r.byte()
    if flags > 0x07:
        raise r.error(f"bad limits flags {flags:#x}", start)
    bits = 64 if flags & 0x04 else 32
    minimum = r.uleb(bits)
    maximum = r.uleb(bits) if flags & 0x01 else None
    return t.Limits(flags, minimum, maximum)


def read_core_extern(r: Reader) -> t.CoreExternType:
    start = r.pos
    kind = r.byte()
    if kind == 0x00:
        return t.CoreFuncExtern(r.uleb())
    if kind == 0x01:
        return t.CoreTableExtern(read_core_valtype(r), read_limits(r))
    if kind == 0x02:
        return t.CoreMemoryExtern(read_limits(r))
    if kind == 0x03:
        return t.CoreGlobalExtern(read_core_valtype(r), r.byte())
    if kind == 0x04:
        if r.byte() != 0x00:
            raise r.error("bad tag attribute", r.pos - 1)
        return t.CoreTagExtern(r.uleb())
    raise r.error(f"unknown core extern kind {kind:#x}", start)


def read_core_module_decl(r: Reader) -> t.CoreModuleDecl:
    start = r.pos
    kind = r.byte()
    if kind == 0x00:
        return t.CoreImportDecl(r.name(), r.name(), read_core_extern(r))
    if kind == 0x01:
        ty = read_core_type(r)
        if not isinstance(ty, t.CoreFuncType):
            raise r.error("module type inside a module type", start)
        return ty
    if kind == 0x02:
        if r.byte() != 0x10 or r.byte() != 0x01:
            raise r.error("core alias must be an outer type alias", start)
        return AliasOuter(Sort.CORE_TYPE, r.uleb(), r.uleb())
    if kind == 0x03:
        return t.CoreExportDecl(r.name(), read_core_extern(r))
    raise r.error(f"unknown module type declarator {kind:#x}", start)


def read_core_type(r: Reader) -> t.CoreType:
    start = r.pos
    form = r.byte()
    if form == 0x60:
        return t.CoreFuncType(
            tuple(r.vec(lambda: read_core_valtype(r))), tuple(r.vec(lambda: read_core_valtype(r)))
        )
    if form == 0x50:
        return t.CoreModuleType(tuple(r.vec(lambda: read_core_module_decl(r))))
    raise r.error(f"unsupported core type form {form:#x} (only func and module types)", start)


# --------------------------------------------------------------------------
# component types


def read_valtype(r: Reader) -> t.ValType:
    start = r.pos
    first = r.peek()
    if first in t.PRIMITIVE_BY_CODE:
        r.pos += 1
        return t.PRIMITIVE_BY_CODE[first]
    value = r.sleb(33)
    if value < 0 or value >= 1 << 32:
        raise r.error(f"bad value type {first:#x}", start)
    return value


def read_resultlist(r: Reader) -> t.ValType | None:
    start = r.pos
    kind = r.byte()
    if kind == 0x00:
        return read_valtype(r)
    if kind == 0x01 and r.byte() == 0x00:
        return None
    raise r.error("bad result list", start)


def _read_labelvaltype(r: Reader) -> tuple[str, t.ValType]:
    return (r.name(), read_valtype(r))


def _read_case(r: Reader) -> tuple[str, t.ValType | None]:
    label = r.name()
    ty = _optional(r, lambda: read_valtype(r))
    if r.byte() != 0x00:
        raise r.error("variant case must end with 0x00", r.pos - 1)
    return (label, ty)


def read_defvaltype(r: Reader, code: int) -> t.DefValType:  # noqa: C901 - one arm per opcode
    """The body of a defvaltype whose opcode `code` was already read."""
    if code in t.PRIMITIVE_BY_CODE:
        return t.PrimValType(t.PRIMITIVE_BY_CODE[code])
    if code == 0x72:
        return t.RecordType(tuple(r.vec(lambda: _read_labelvaltype(r))))
    if code == 0x71:
        return t.VariantType(tuple(r.vec(lambda: _read_case(r))))
    if code == 0x70:
        return t.ListType(read_valtype(r))
    if code == 0x67:
        return t.ListType(read_valtype(r), r.uleb())
    if code == 0x6F:
        return t.TupleType(tuple(r.vec(lambda: read_valtype(r))))
    if code == 0x6E:
        return t.FlagsType(tuple(r.vec(r.name)))
    if code == 0x6D:
        return t.EnumType(tuple(r.vec(r.name)))
    if code == 0x6B:
        return t.OptionType(read_valtype(r))
    if code == 0x6A:
        ok = _optional(r, lambda: read_valtype(r))
        return t.ResultType(ok, _optional(r, lambda: read_valtype(r)))
    if code == 0x69:
        return t.OwnType(r.uleb())
    if code == 0x68:
        return t.BorrowType(r.uleb())
    if code == 0x66:
        return t.StreamType(_optional(r, lambda: read_valtype(r)))
    if code == 0x65:
        return t.FutureType(_optional(r, lambda: read_valtype(r)))
    if code == 0x63:
        return t.MapType(read_valtype(r), read_valtype(r))
    raise r.error(f"unknown type opcode {code:#x}", r.pos - 1)


def read_externdesc(r: Reader) -> t.ExternDesc:
    start = r.pos
    kind = r.byte()
    if kind == 0x00:
        if r.byte() != 0x11:
            raise r.error("core extern must be a module", start)
        return t.ModuleExtern(r.uleb())
    if kind == 0x01:
        return t.FuncExtern(r.uleb())
    if kind == 0x02:
        bound = r.byte()
        if bound == 0x00:
            return t.ValueExtern(True, eq=r.uleb())
        if bound == 0x01:
            return t.ValueExtern(False, valtype=read_valtype(r))
        raise r.error(f"bad value bound {bound:#x}", start)
    if kind == 0x03:
        bound = r.byte()
        if bound == 0x00:
            return t.TypeExtern(r.uleb())
        if bound == 0x01:
            return t.SUB_RESOURCE
        raise r.error(f"bad type bound {bound:#x}", start)
    if kind == 0x04:
        return t.ComponentExtern(r.uleb())
    if kind == 0x05:
        return t.InstanceExtern(r.uleb())
    raise r.error(f"unknown extern kind {kind:#x}", start)


def read_decl(r: Reader, allow_import: bool) -> t.ComponentDecl:
    start = r.pos
    kind = r.byte()
    if kind == 0x00:
        return read_core_type(r)
    if kind == 0x01:
        return read_deftype(r)
    if kind == 0x02:
        return read_alias(r)
    if kind == 0x03 and allow_import:
        return t.ImportDecl(read_extern_name(r), read_externdesc(r))
    if kind == 0x04:
        return t.ExportDecl(read_extern_name(r), read_externdesc(r))
    raise r.error(f"unknown declarator {kind:#x}", start)


def read_deftype(r: Reader) -> t.DefType:
    code = r.byte()
    if code in (0x40, 0x43):
        params = tuple(r.vec(lambda: _read_labelvaltype(r)))
        return t.FuncType(params, read_resultlist(r), code == 0x43)
    if code == 0x41:
        return t.ComponentType(tuple(r.vec(lambda: read_decl(r, True))))
    if code == 0x42:
        decls = r.vec(lambda: read_decl(r, False))
        return t.InstanceType(tuple(d for d in decls if not isinstance(d, t.ImportDecl)))
    if code == 0x3F:
        rep = read_core_valtype(r)
        return t.ResourceType(rep, _optional(r, r.uleb))
    return read_defvaltype(r, code)


# --------------------------------------------------------------------------
# instances, canon, imports/exports


def read_core_instance(r: Reader) -> CoreInstance:
    start = r.pos
    kind = r.byte()
    if kind == 0x00:
        module = r.uleb()
        return CoreInstantiate(module, tuple(r.vec(lambda: _read_core_arg(r))))
    if kind == 0x01:
        return CoreInlineExports(tuple(r.vec(lambda: (r.name(), _read_core_sortidx(r)))))
    raise r.error(f"unknown core instance kind {kind:#x}", start)


def _read_core_arg(r: Reader) -> tuple[str, int]:
    arg = r.name()
    if r.byte() != 0x12:
        raise r.error("core instantiate argument must be an instance", r.pos - 1)
    return (arg, r.uleb())


def _read_core_sortidx(r: Reader) -> SortIdx:
    sort = read_core_sort(r)
    return SortIdx(sort, r.uleb())


def read_instance(r: Reader) -> Instance:
    start = r.pos
    kind = r.byte()
    if kind == 0x00:
        comp = r.uleb()
        return Instantiate(comp, tuple(r.vec(lambda: (r.name(), read_sortidx(r)))))
    if kind == 0x01:
        return InlineExports(tuple(r.vec(lambda: (read_extern_name(r), read_sortidx(r)))))
    raise r.error(f"unknown instance kind {kind:#x}", start)


def read_canonopt(r: Reader) -> CanonOpt:
    start = r.pos
    code = r.byte()
    if code in ENCODING_BY_BYTE:
        return StringEncodingOpt(ENCODING_BY_BYTE[code])
    if code == 0x03:
        return MemoryOpt(r.uleb())
    if code == 0x04:
        return ReallocOpt(r.uleb())
    if code == 0x05:
        return PostReturnOpt(r.uleb())
    if code == 0x06:
        return AsyncOpt()
    if code == 0x07:
        return CallbackOpt(r.uleb())
    raise r.error(f"unknown canon option {code:#x}", start)


def _read_opts(r: Reader) -> tuple[CanonOpt, ...]:
    return tuple(r.vec(lambda: read_canonopt(r)))


def _expect(r: Reader, byte: int, what: str) -> None:
    if r.byte() != byte:
        raise r.error(what, r.pos - 1)


def read_canon(r: Reader) -> Canon:
    start = r.pos
    code = r.byte()
    if code == 0x00:
        _expect(r, 0x00, "canon lift must lift a core func")
        func = r.uleb()
        opts = _read_opts(r)
        return CanonLift(func, r.uleb(), opts)
    if code == 0x01:
        _expect(r, 0x00, "canon lower must lower a func")
        return CanonLower(r.uleb(), _read_opts(r))
    if code == 0x02:
        return CanonResourceNew(r.uleb())
    if code == 0x03:
        return CanonResourceDrop(r.uleb())
    if code == 0x04:
        return CanonResourceRep(r.uleb())
    shape = BUILTIN_SHAPES.get(code)
    if shape is None:
        raise r.error(f"unknown canonical definition {code:#x}", start)
    readers: dict[str, Callable[[], object]] = {
        "u": r.uleb, "b": r.byte, "v": lambda: read_core_valtype(r),
        "r": lambda: read_resultlist(r), "o": lambda: _read_opts(r),
    }  # fmt: skip
    return CanonBuiltin(code, tuple(readers[k]() for k in shape))  # type: ignore[misc]


def read_import(r: Reader) -> Import:
    return Import(read_extern_name(r), read_externdesc(r))


def read_export(r: Reader) -> Export:
    n = read_extern_name(r)
    item = read_sortidx(r)
    return Export(n, item, _optional(r, lambda: read_externdesc(r)))


# --------------------------------------------------------------------------
# sections and the component


def read_section(r: Reader, sid: int, depth: int) -> Section:  # noqa: C901 - one arm per id
    if sid == 0:
        return CustomSection(r.name(), r.bytes(r.end - r.pos))
    if sid == 1:
        module = r.bytes(r.end - r.pos)
        if module[:8] != CORE_MODULE_PREAMBLE:
            raise r.error("embedded core module has a bad header", r.pos - len(module))
        return CoreModuleSection(module)
    if sid == 2:
        return CoreInstanceSection(r.vec(lambda: read_core_instance(r)))
    if sid == 3:
        return CoreTypeSection(r.vec(lambda: read_core_type(r)))
    if sid == 4:
        return ComponentSection(_read_component(r, depth + 1))
    if sid == 5:
        return InstanceSection(r.vec(lambda: read_instance(r)))
    if sid == 6:
        return AliasSection(r.vec(lambda: read_alias(r)))
    if sid == 7:
        return TypeSection(r.vec(lambda: read_deftype(r)))
    if sid == 8:
        return CanonSection(r.vec(lambda: read_canon(r)))
    if sid == 9:
        func = r.uleb()
        args = tuple(r.vec(r.uleb))
        return StartSection(Start(func, args, r.uleb()))
    if sid == 10:
        return ImportSection(r.vec(lambda: read_import(r)))
    if sid == 11:
        return ExportSection(r.vec(lambda: read_export(r)))
    return ValueSection(r.bytes(r.end - r.pos))


MAX_NESTING = 100


def _read_component(r: Reader, depth: int) -> Component:
    if depth > MAX_NESTING:
        raise r.error("components nested too deeply")
    header_at = r.pos
    if r.end - r.pos < 8 or r.bytes(8) != PREAMBLE:
        raise r.error("not a component (bad magic, version or layer)", header_at)
    sections: list[Section] = []
    while not r.at_end():
        sid_at = r.pos
        sid = r.byte()
        if sid not in SECTION_NAMES:
            raise r.error(f"unknown section id {sid}", sid_at)
        size = r.uleb()
        body = r.sub(size, SECTION_NAMES[sid])
        sections.append(read_section(body, sid, depth))
        body.expect_end()
    return Component(sections)


def decode_component(data: bytes) -> Component:
    """Decode a whole component binary."""
    reader = Reader(bytes(data), section="component")
    try:
        return _read_component(reader, 0)
    except WasmDecodeError:
        raise
    except RecursionError:
        raise WasmDecodeError("types nested too deeply", offset=reader.pos) from None
