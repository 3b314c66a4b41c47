"""Component decoder: bytes -> model.  Mirrors encode.py function by function;
the byte codes of both come from binary.py.

Malformed input raises WasmDecodeError naming the section and the absolute
byte offset; nothing else escapes (see `decode_component`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from componentize.component import typedefs as t
from componentize.component._bytes import Reader
from componentize.component.binary import (
    ALIAS_TARGETS,
    BUILTIN_SHAPES,
    CANON_OPTS,
    CANONS,
    CASE_END,
    CORE_EXTERN_KINDS,
    CORE_INSTANCES,
    CORE_MODULE_DECLS,
    CORE_MODULE_PREAMBLE,
    CORE_REF_FORMS,
    CORE_TYPE_FORMS,
    CORE_VALTYPE_BYTES,
    DECLS,
    EXTERN_SORTS,
    INSTANCES,
    NAME_ATTRIBUTES,
    NAME_FORMS,
    OPTIONAL,
    PREAMBLE,
    RESULT_LISTS,
    SECTIONS,
    STRING_ENCODINGS,
    TAG_EXCEPTION,
    TYPE_BOUNDS,
    TYPE_CODES,
    VALUE_BOUNDS,
    SectionKind,
    TypeKind,
)
from componentize.component.model import (
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
    CORE_PREFIX,
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
from componentize.errors import InternalError, WasmDecodeError

T = TypeVar("T")

# --------------------------------------------------------------------------
# small pieces


def read_sort(r: Reader) -> Sort:
    start = r.pos
    first = r.byte()
    code = (first, r.byte()) if first == CORE_PREFIX else (first,)
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
    form = NAME_FORMS.read(r)
    text = r.name()
    attrs: tuple[NameAttribute, ...] = ()
    if form == "attributes":
        attrs = tuple(r.vec(lambda: _read_attribute(r)))
    return ExternName(text, NAME_FORMS[form], attrs)


def _read_attribute(r: Reader) -> NameAttribute:
    kind = NAME_ATTRIBUTES.read(r)
    return NameAttribute(NAME_ATTRIBUTES[kind], r.name())


def read_alias(r: Reader) -> Alias:
    sort = read_sort(r)
    target = ALIAS_TARGETS.read(r)
    if target == "export":
        return AliasExport(sort, r.uleb(), r.name())
    if target == "core export":
        return AliasCoreExport(sort, r.uleb(), r.name())
    return AliasOuter(sort, r.uleb(), r.uleb())


def _optional(r: Reader, read: Callable[[], T]) -> T | None:
    if OPTIONAL.read(r) == "none":
        return None
    return read()


# --------------------------------------------------------------------------
# core types


def read_core_valtype(r: Reader) -> t.CoreValType:
    start = r.pos
    code = r.byte()
    if CORE_REF_FORMS.get(code) is not None:
        return (code, r.sleb(33))
    if code not in CORE_VALTYPE_BYTES:
        raise CORE_REF_FORMS.error(r, code, start)
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
    kind = CORE_EXTERN_KINDS.read(r)
    if kind == "func":
        return t.CoreFuncExtern(r.uleb())
    if kind == "table":
        return t.CoreTableExtern(read_core_valtype(r), read_limits(r))
    if kind == "memory":
        return t.CoreMemoryExtern(read_limits(r))
    if kind == "global":
        return t.CoreGlobalExtern(read_core_valtype(r), r.byte())
    if r.byte() != TAG_EXCEPTION:
        raise r.error("bad tag attribute", r.pos - 1)
    return t.CoreTagExtern(r.uleb())


def read_core_module_decl(r: Reader) -> t.CoreModuleDecl:
    start = r.pos
    kind = CORE_MODULE_DECLS.read(r)
    if kind == "import":
        return t.CoreImportDecl(r.name(), r.name(), read_core_extern(r))
    if kind == "type":
        ty = read_core_type(r)
        if not isinstance(ty, t.CoreFuncType):
            raise r.error("module type inside a module type", start)
        return ty
    if kind == "alias":
        if r.byte() != Sort.CORE_TYPE.core_byte or r.byte() != ALIAS_TARGETS["outer"]:
            raise r.error("core alias must be an outer type alias", start)
        return AliasOuter(Sort.CORE_TYPE, r.uleb(), r.uleb())
    return t.CoreExportDecl(r.name(), read_core_extern(r))


def read_core_type(r: Reader) -> t.CoreType:
    if CORE_TYPE_FORMS.read(r) == "func":
        return t.CoreFuncType(
            tuple(r.vec(lambda: read_core_valtype(r))), tuple(r.vec(lambda: read_core_valtype(r)))
        )
    return t.CoreModuleType(tuple(r.vec(lambda: read_core_module_decl(r))))


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
    kind = RESULT_LISTS.read(r)
    if kind == "one":
        return read_valtype(r)
    if r.byte() != 0:  # "none": the length of an empty vector of named results
        raise RESULT_LISTS.error(r, RESULT_LISTS["none"], start)
    return None


def _read_labelvaltype(r: Reader) -> tuple[str, t.ValType]:
    return (r.name(), read_valtype(r))


def _read_case(r: Reader) -> tuple[str, t.ValType | None]:
    label = r.name()
    ty = _optional(r, lambda: read_valtype(r))
    if r.byte() != CASE_END:
        raise r.error("variant case must end with 0x00", r.pos - 1)
    return (label, ty)


def read_defvaltype(r: Reader, kind: TypeKind) -> t.DefValType:  # noqa: C901 - one arm per opcode
    """The body of a defvaltype whose opcode (of `kind`) was already read."""
    if kind == "record":
        return t.RecordType(tuple(r.vec(lambda: _read_labelvaltype(r))))
    if kind == "variant":
        return t.VariantType(tuple(r.vec(lambda: _read_case(r))))
    if kind == "list":
        return t.ListType(read_valtype(r))
    if kind == "fixed list":
        return t.ListType(read_valtype(r), r.uleb())
    if kind == "tuple":
        return t.TupleType(tuple(r.vec(lambda: read_valtype(r))))
    if kind == "flags":
        return t.FlagsType(tuple(r.vec(r.name)))
    if kind == "enum":
        return t.EnumType(tuple(r.vec(r.name)))
    if kind == "option":
        return t.OptionType(read_valtype(r))
    if kind == "result":
        ok = _optional(r, lambda: read_valtype(r))
        return t.ResultType(ok, _optional(r, lambda: read_valtype(r)))
    if kind == "own":
        return t.OwnType(r.uleb())
    if kind == "borrow":
        return t.BorrowType(r.uleb())
    if kind == "stream":
        return t.StreamType(_optional(r, lambda: read_valtype(r)))
    if kind == "future":
        return t.FutureType(_optional(r, lambda: read_valtype(r)))
    if kind == "map":
        return t.MapType(read_valtype(r), read_valtype(r))
    raise InternalError(f"{kind} is not a defvaltype")


def read_externdesc(r: Reader) -> t.ExternDesc:
    start = r.pos
    sort = EXTERN_SORTS.read(r)
    if sort is Sort.CORE_MODULE:
        if r.byte() != Sort.CORE_MODULE.core_byte:
            raise r.error("core extern must be a module", start)
        return t.ModuleExtern(r.uleb())
    if sort is Sort.FUNC:
        return t.FuncExtern(r.uleb())
    if sort is Sort.VALUE:
        if VALUE_BOUNDS.read(r, at=start) == "eq":
            return t.ValueExtern(True, eq=r.uleb())
        return t.ValueExtern(False, valtype=read_valtype(r))
    if sort is Sort.TYPE:
        if TYPE_BOUNDS.read(r, at=start) == "eq":
            return t.TypeExtern(r.uleb())
        return t.SUB_RESOURCE
    if sort is Sort.COMPONENT:
        return t.ComponentExtern(r.uleb())
    return t.InstanceExtern(r.uleb())


def read_decl(r: Reader, allow_import: bool) -> t.ComponentDecl:
    start = r.pos
    kind = DECLS.read(r)
    if kind == "core type":
        return read_core_type(r)
    if kind == "type":
        return read_deftype(r)
    if kind == "alias":
        return read_alias(r)
    if kind == "import":
        if not allow_import:  # an instance type has no imports
            raise DECLS.error(r, DECLS[kind], start)
        return t.ImportDecl(read_extern_name(r), read_externdesc(r))
    return t.ExportDecl(read_extern_name(r), read_externdesc(r))


def read_deftype(r: Reader) -> t.DefType:
    code = r.byte()
    if code in t.PRIMITIVE_BY_CODE:
        return t.PrimValType(t.PRIMITIVE_BY_CODE[code])
    kind = TYPE_CODES.get(code)
    if kind is None:
        raise TYPE_CODES.error(r, code, r.pos - 1)
    if kind in ("func", "async func"):
        params = tuple(r.vec(lambda: _read_labelvaltype(r)))
        return t.FuncType(params, read_resultlist(r), kind == "async func")
    if kind == "component":
        return t.ComponentType(tuple(r.vec(lambda: read_decl(r, True))))
    if kind == "instance":
        decls = r.vec(lambda: read_decl(r, False))
        return t.InstanceType(tuple(d for d in decls if not isinstance(d, t.ImportDecl)))
    if kind == "resource":
        rep = read_core_valtype(r)
        return t.ResourceType(rep, _optional(r, r.uleb))
    return read_defvaltype(r, kind)


# --------------------------------------------------------------------------
# instances, canon, imports/exports


def read_core_instance(r: Reader) -> CoreInstance:
    if CORE_INSTANCES.read(r) == "instantiate":
        module = r.uleb()
        return CoreInstantiate(module, tuple(r.vec(lambda: _read_core_arg(r))))
    return CoreInlineExports(tuple(r.vec(lambda: (r.name(), _read_core_sortidx(r)))))


def _read_core_arg(r: Reader) -> tuple[str, int]:
    arg = r.name()
    if r.byte() != Sort.CORE_INSTANCE.core_byte:
        raise r.error("core instantiate argument must be an instance", r.pos - 1)
    return (arg, r.uleb())


def _read_core_sortidx(r: Reader) -> SortIdx:
    sort = read_core_sort(r)
    return SortIdx(sort, r.uleb())


def read_instance(r: Reader) -> Instance:
    if INSTANCES.read(r) == "instantiate":
        comp = r.uleb()
        return Instantiate(comp, tuple(r.vec(lambda: (r.name(), read_sortidx(r)))))
    return InlineExports(tuple(r.vec(lambda: (read_extern_name(r), read_sortidx(r)))))


def read_canonopt(r: Reader) -> CanonOpt:
    kind = CANON_OPTS.read(r)
    if kind in STRING_ENCODINGS:
        return StringEncodingOpt(kind)
    if kind == "memory":
        return MemoryOpt(r.uleb())
    if kind == "realloc":
        return ReallocOpt(r.uleb())
    if kind == "post-return":
        return PostReturnOpt(r.uleb())
    if kind == "async":
        return AsyncOpt()
    return CallbackOpt(r.uleb())


def _read_opts(r: Reader) -> tuple[CanonOpt, ...]:
    return tuple(r.vec(lambda: read_canonopt(r)))


def _expect(r: Reader, byte: int, what: str) -> None:
    if r.byte() != byte:
        raise r.error(what, r.pos - 1)


def read_canon(r: Reader) -> Canon:
    start = r.pos
    code = r.byte()
    kind = CANONS.get(code)
    if kind == "lift":
        _expect(r, Sort.CORE_FUNC.core_byte, "canon lift must lift a core func")
        func = r.uleb()
        opts = _read_opts(r)
        return CanonLift(func, r.uleb(), opts)
    if kind == "lower":
        _expect(r, Sort.CORE_FUNC.core_byte, "canon lower must lower a func")
        return CanonLower(r.uleb(), _read_opts(r))
    if kind == "resource.new":
        return CanonResourceNew(r.uleb())
    if kind == "resource.drop":
        return CanonResourceDrop(r.uleb())
    if kind == "resource.rep":
        return CanonResourceRep(r.uleb())
    shape = BUILTIN_SHAPES.get(code)
    if shape is None:
        raise CANONS.error(r, code, start)
    readers: dict[str, Callable[[], object]] = {
        "u": r.uleb,
        "b": r.byte,
        "v": lambda: read_core_valtype(r),
        "r": lambda: read_resultlist(r),
        "o": lambda: _read_opts(r),
    }
    return CanonBuiltin(code, tuple(readers[k]() for k in shape))  # type: ignore[misc]


def read_import(r: Reader) -> Import:
    return Import(read_extern_name(r), read_externdesc(r))


def read_export(r: Reader) -> Export:
    n = read_extern_name(r)
    item = read_sortidx(r)
    return Export(n, item, _optional(r, lambda: read_externdesc(r)))


# --------------------------------------------------------------------------
# sections and the component


def read_section(r: Reader, kind: SectionKind, depth: int) -> Section:  # noqa: C901 - one arm each
    if kind == "custom":
        return CustomSection(r.name(), r.bytes(r.end - r.pos))
    if kind == "core module":
        module = r.bytes(r.end - r.pos)
        if module[:8] != CORE_MODULE_PREAMBLE:
            raise r.error("embedded core module has a bad header", r.pos - len(module))
        return CoreModuleSection(module)
    if kind == "core instance":
        return CoreInstanceSection(r.vec(lambda: read_core_instance(r)))
    if kind == "core type":
        return CoreTypeSection(r.vec(lambda: read_core_type(r)))
    if kind == "component":
        return ComponentSection(_read_component(r, depth + 1))
    if kind == "instance":
        return InstanceSection(r.vec(lambda: read_instance(r)))
    if kind == "alias":
        return AliasSection(r.vec(lambda: read_alias(r)))
    if kind == "type":
        return TypeSection(r.vec(lambda: read_deftype(r)))
    if kind == "canon":
        return CanonSection(r.vec(lambda: read_canon(r)))
    if kind == "start":
        func = r.uleb()
        args = tuple(r.vec(r.uleb))
        return StartSection(Start(func, args, r.uleb()))
    if kind == "import":
        return ImportSection(r.vec(lambda: read_import(r)))
    if kind == "export":
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
        kind = SECTIONS.read(r)
        size = r.uleb()
        body = r.sub(size, kind)
        sections.append(read_section(body, kind, depth))
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
