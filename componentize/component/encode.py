"""Component encoder: model -> bytes, section by section (Binary.md).

decode.py mirrors every function here; the byte codes of both come from binary.py."""

from __future__ import annotations

from componentize.component import typedefs as t
from componentize.component._bytes import name, sleb, uleb, vec
from componentize.component.binary import (
    ALIAS_TARGETS,
    BUILTIN_SHAPES,
    CANON_OPTS,
    CANONS,
    CASE_END,
    CORE_EXTERN_KINDS,
    CORE_INSTANCES,
    CORE_MODULE_DECLS,
    CORE_TYPE_FORMS,
    DECLS,
    EXTERN_SORTS,
    INSTANCES,
    NAME_FORMS,
    OPTIONAL,
    PREAMBLE,
    RESULT_LISTS,
    SECTIONS,
    TAG_EXCEPTION,
    TYPE_BOUNDS,
    TYPE_CODES,
    VALUE_BOUNDS,
)
from componentize.component.model import (
    SECTION_KINDS,
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
    MemoryOpt,
    PostReturnOpt,
    ReallocOpt,
    Section,
    StartSection,
    StringEncodingOpt,
    TypeSection,
    ValueSection,
)
from componentize.component.sorts import (
    Alias,
    AliasCoreExport,
    AliasExport,
    AliasOuter,
    ExternName,
    Sort,
    SortIdx,
)
from componentize.errors import InternalError

# --------------------------------------------------------------------------
# small pieces


def encode_sort(sort: Sort) -> bytes:
    return bytes(sort.value)


def encode_sortidx(item: SortIdx) -> bytes:
    return encode_sort(item.sort) + uleb(item.index)


def encode_core_sortidx(item: SortIdx) -> bytes:
    return bytes([item.sort.core_byte]) + uleb(item.index)


def encode_extern_name(n: ExternName) -> bytes:
    out = bytes([n.form]) + name(n.name)
    if n.form == NAME_FORMS["attributes"]:
        out += vec(n.attributes, lambda a: bytes([a.kind]) + name(a.value))
    return out


def encode_alias(alias: Alias) -> bytes:
    head = encode_sort(alias.sort)
    if isinstance(alias, AliasExport):
        return head + ALIAS_TARGETS.byte("export") + uleb(alias.instance) + name(alias.name)
    if isinstance(alias, AliasCoreExport):
        return head + ALIAS_TARGETS.byte("core export") + uleb(alias.instance) + name(alias.name)
    return head + ALIAS_TARGETS.byte("outer") + uleb(alias.count) + uleb(alias.index)


# --------------------------------------------------------------------------
# core types


def encode_core_valtype(v: t.CoreValType) -> bytes:
    if isinstance(v, tuple):
        return bytes([v[0]]) + sleb(v[1])
    return bytes([v])


def encode_limits(limits: t.Limits) -> bytes:
    out = bytes([limits.flags]) + uleb(limits.minimum)
    if limits.maximum is not None:
        out += uleb(limits.maximum)
    return out


def encode_core_extern(desc: t.CoreExternType) -> bytes:
    kinds = CORE_EXTERN_KINDS
    if isinstance(desc, t.CoreFuncExtern):
        return kinds.byte("func") + uleb(desc.type)
    if isinstance(desc, t.CoreTableExtern):
        return kinds.byte("table") + encode_core_valtype(desc.element) + encode_limits(desc.limits)
    if isinstance(desc, t.CoreMemoryExtern):
        return kinds.byte("memory") + encode_limits(desc.limits)
    if isinstance(desc, t.CoreGlobalExtern):
        return kinds.byte("global") + encode_core_valtype(desc.valtype) + bytes([desc.mutability])
    return kinds.byte("tag") + bytes([TAG_EXCEPTION]) + uleb(desc.type)


def encode_core_module_decl(decl: t.CoreModuleDecl) -> bytes:
    decls = CORE_MODULE_DECLS
    if isinstance(decl, t.CoreImportDecl):
        return (
            decls.byte("import")
            + name(decl.module)
            + name(decl.name)
            + encode_core_extern(decl.desc)
        )
    if isinstance(decl, t.CoreFuncType):
        return decls.byte("type") + encode_core_type(decl)
    if isinstance(decl, AliasOuter):  # always an outer core type alias
        outer = bytes([Sort.CORE_TYPE.core_byte]) + ALIAS_TARGETS.byte("outer")
        return decls.byte("alias") + outer + uleb(decl.count) + uleb(decl.index)
    if isinstance(decl, t.CoreExportDecl):
        return decls.byte("export") + name(decl.name) + encode_core_extern(decl.desc)
    raise InternalError(f"not a core module declarator: {decl!r}")


def encode_core_type(ty: t.CoreType) -> bytes:
    if isinstance(ty, t.CoreFuncType):
        params = vec(ty.params, encode_core_valtype)
        return CORE_TYPE_FORMS.byte("func") + params + vec(ty.results, encode_core_valtype)
    return CORE_TYPE_FORMS.byte("module") + vec(ty.decls, encode_core_module_decl)


# --------------------------------------------------------------------------
# component types


def encode_valtype(v: t.ValType) -> bytes:
    if isinstance(v, str):
        return bytes([t.PRIMITIVE_CODES[v]])
    # Type indices share the byte space with the negative primitive codes, so
    # they are signed LEB128 (a valid unsigned LEB128 as well).
    return sleb(v)


_NONE = OPTIONAL.byte("none")


def _some(encoded: bytes) -> bytes:
    return OPTIONAL.byte("some") + encoded


def _opt_valtype(v: t.ValType | None) -> bytes:
    return _NONE if v is None else _some(encode_valtype(v))


def _labelvaltype(item: tuple[str, t.ValType]) -> bytes:
    return name(item[0]) + encode_valtype(item[1])


def _case(item: tuple[str, t.ValType | None]) -> bytes:
    return name(item[0]) + _opt_valtype(item[1]) + bytes([CASE_END])


def encode_resultlist(result: t.ValType | None) -> bytes:
    if result is None:
        return RESULT_LISTS.byte("none") + uleb(0)  # an empty vector of named results
    return RESULT_LISTS.byte("one") + encode_valtype(result)


def encode_defvaltype(ty: t.DefValType) -> bytes:  # noqa: C901 - one arm per opcode
    if isinstance(ty, t.PrimValType):
        return bytes([t.PRIMITIVE_CODES[ty.name]])
    op = TYPE_CODES.byte
    if isinstance(ty, t.RecordType):
        return op("record") + vec(ty.fields, _labelvaltype)
    if isinstance(ty, t.VariantType):
        return op("variant") + vec(ty.cases, _case)
    if isinstance(ty, t.ListType):
        if ty.size is None:
            return op("list") + encode_valtype(ty.element)
        return op("fixed list") + encode_valtype(ty.element) + uleb(ty.size)
    if isinstance(ty, t.TupleType):
        return op("tuple") + vec(ty.types, encode_valtype)
    if isinstance(ty, t.FlagsType):
        return op("flags") + vec(ty.names, name)
    if isinstance(ty, t.EnumType):
        return op("enum") + vec(ty.names, name)
    if isinstance(ty, t.OptionType):
        return op("option") + encode_valtype(ty.inner)
    if isinstance(ty, t.ResultType):
        return op("result") + _opt_valtype(ty.ok) + _opt_valtype(ty.err)
    if isinstance(ty, t.OwnType):
        return op("own") + uleb(ty.resource)
    if isinstance(ty, t.BorrowType):
        return op("borrow") + uleb(ty.resource)
    if isinstance(ty, t.StreamType):
        return op("stream") + _opt_valtype(ty.element)
    if isinstance(ty, t.FutureType):
        return op("future") + _opt_valtype(ty.element)
    return op("map") + encode_valtype(ty.key) + encode_valtype(ty.value)


def encode_externdesc(desc: t.ExternDesc) -> bytes:
    if isinstance(desc, t.ModuleExtern):  # the sort's two bytes
        return encode_sort(Sort.CORE_MODULE) + uleb(desc.type)
    if isinstance(desc, t.FuncExtern):
        return EXTERN_SORTS.byte(Sort.FUNC) + uleb(desc.type)
    if isinstance(desc, t.ValueExtern):
        head = EXTERN_SORTS.byte(Sort.VALUE)
        if desc.is_eq:
            return head + VALUE_BOUNDS.byte("eq") + uleb(desc.eq)
        return head + VALUE_BOUNDS.byte("type") + encode_valtype(desc.valtype)
    if isinstance(desc, t.TypeExtern):
        head = EXTERN_SORTS.byte(Sort.TYPE)
        if desc.eq is None:
            return head + TYPE_BOUNDS.byte("sub resource")
        return head + TYPE_BOUNDS.byte("eq") + uleb(desc.eq)
    if isinstance(desc, t.ComponentExtern):
        return EXTERN_SORTS.byte(Sort.COMPONENT) + uleb(desc.type)
    return EXTERN_SORTS.byte(Sort.INSTANCE) + uleb(desc.type)


def encode_decl(decl: t.ComponentDecl) -> bytes:
    """A `componentdecl` / `instancedecl` (the latter never holds ImportDecl)."""
    if isinstance(decl, t.CORE_TYPES):
        return DECLS.byte("core type") + encode_core_type(decl)
    if isinstance(decl, t.DEF_TYPES):
        return DECLS.byte("type") + encode_deftype(decl)
    if isinstance(decl, AliasExport | AliasCoreExport | AliasOuter):
        return DECLS.byte("alias") + encode_alias(decl)
    if isinstance(decl, t.ImportDecl):
        return DECLS.byte("import") + encode_extern_name(decl.name) + encode_externdesc(decl.desc)
    if isinstance(decl, t.ExportDecl):
        return DECLS.byte("export") + encode_extern_name(decl.name) + encode_externdesc(decl.desc)
    raise InternalError(f"not a declarator: {decl!r}")


def encode_deftype(ty: t.DefType) -> bytes:
    if isinstance(ty, t.FuncType):
        opcode = TYPE_CODES.byte("async func" if ty.is_async else "func")
        return opcode + vec(ty.params, _labelvaltype) + encode_resultlist(ty.result)
    if isinstance(ty, t.ComponentType):
        return TYPE_CODES.byte("component") + vec(ty.decls, encode_decl)
    if isinstance(ty, t.InstanceType):
        return TYPE_CODES.byte("instance") + vec(ty.decls, encode_decl)
    if isinstance(ty, t.ResourceType):
        dtor = _NONE if ty.dtor is None else _some(uleb(ty.dtor))
        return TYPE_CODES.byte("resource") + encode_core_valtype(ty.rep) + dtor
    return encode_defvaltype(ty)


# --------------------------------------------------------------------------
# instances, canon, imports/exports


def encode_core_instance(inst: CoreInstance) -> bytes:
    if isinstance(inst, CoreInlineExports):
        exports = vec(inst.exports, lambda e: name(e[0]) + encode_core_sortidx(e[1]))
        return CORE_INSTANCES.byte("exports") + exports
    instance = bytes([Sort.CORE_INSTANCE.core_byte])  # every argument is a core instance
    args = vec(inst.args, lambda a: name(a[0]) + instance + uleb(a[1]))
    return CORE_INSTANCES.byte("instantiate") + uleb(inst.module) + args


def encode_instance(inst: Instance) -> bytes:
    if isinstance(inst, InlineExports):
        return INSTANCES.byte("exports") + vec(
            inst.exports, lambda e: encode_extern_name(e[0]) + encode_sortidx(e[1])
        )
    args = vec(inst.args, lambda a: name(a[0]) + encode_sortidx(a[1]))
    return INSTANCES.byte("instantiate") + uleb(inst.component) + args


def encode_canonopt(opt: CanonOpt) -> bytes:
    if isinstance(opt, StringEncodingOpt):
        return CANON_OPTS.byte(opt.encoding)  # type: ignore[arg-type]
    if isinstance(opt, MemoryOpt):
        return CANON_OPTS.byte("memory") + uleb(opt.memory)
    if isinstance(opt, ReallocOpt):
        return CANON_OPTS.byte("realloc") + uleb(opt.func)
    if isinstance(opt, PostReturnOpt):
        return CANON_OPTS.byte("post-return") + uleb(opt.func)
    if isinstance(opt, AsyncOpt):
        return CANON_OPTS.byte("async")
    if isinstance(opt, CallbackOpt):
        return CANON_OPTS.byte("callback") + uleb(opt.func)
    raise InternalError(f"not a canon option: {opt!r}")


def _encode_builtin(canon: CanonBuiltin) -> bytes:
    shape = BUILTIN_SHAPES.get(canon.opcode)
    if shape is None or len(shape) != len(canon.immediates):
        raise InternalError(f"bad canonical built-in {canon!r}")
    out = bytearray([canon.opcode])
    for kind, imm in zip(shape, canon.immediates, strict=True):
        if kind == "o":
            assert isinstance(imm, tuple)
            out += vec(imm, encode_canonopt)  # type: ignore[arg-type]
        elif kind == "r":
            assert imm is None or isinstance(imm, int | str)
            out += encode_resultlist(imm)
        elif kind == "v":
            assert isinstance(imm, int | tuple)
            out += encode_core_valtype(imm)  # type: ignore[arg-type]
        elif kind == "b":
            assert isinstance(imm, int)
            out.append(imm)
        else:
            assert isinstance(imm, int)
            out += uleb(imm)
    return bytes(out)


def encode_canon(canon: Canon) -> bytes:
    func = bytes([Sort.CORE_FUNC.core_byte])  # lift takes, and lower makes, a core func
    if isinstance(canon, CanonLift):
        opts = vec(canon.options, encode_canonopt)
        return CANONS.byte("lift") + func + uleb(canon.core_func) + opts + uleb(canon.type)
    if isinstance(canon, CanonLower):
        opts = vec(canon.options, encode_canonopt)
        return CANONS.byte("lower") + func + uleb(canon.func) + opts
    if isinstance(canon, CanonResourceNew):
        return CANONS.byte("resource.new") + uleb(canon.resource)
    if isinstance(canon, CanonResourceDrop):
        return CANONS.byte("resource.drop") + uleb(canon.resource)
    if isinstance(canon, CanonResourceRep):
        return CANONS.byte("resource.rep") + uleb(canon.resource)
    return _encode_builtin(canon)


def encode_import(imp: Import) -> bytes:
    return encode_extern_name(imp.name) + encode_externdesc(imp.desc)


def encode_export(exp: Export) -> bytes:
    desc = _NONE if exp.desc is None else _some(encode_externdesc(exp.desc))
    return encode_extern_name(exp.name) + encode_sortidx(exp.item) + desc


# --------------------------------------------------------------------------
# sections and the component


def encode_section_payload(section: Section) -> bytes:  # noqa: C901 - one arm per section
    if isinstance(section, CustomSection):
        return name(section.name) + section.data
    if isinstance(section, CoreModuleSection):
        return section.module
    if isinstance(section, CoreInstanceSection):
        return vec(section.instances, encode_core_instance)
    if isinstance(section, CoreTypeSection):
        return vec(section.types, encode_core_type)
    if isinstance(section, ComponentSection):
        return encode_component(section.component)
    if isinstance(section, InstanceSection):
        return vec(section.instances, encode_instance)
    if isinstance(section, AliasSection):
        return vec(section.aliases, encode_alias)
    if isinstance(section, TypeSection):
        return vec(section.types, encode_deftype)
    if isinstance(section, CanonSection):
        return vec(section.canons, encode_canon)
    if isinstance(section, StartSection):
        s = section.start
        return uleb(s.func) + vec(s.args, uleb) + uleb(s.results)
    if isinstance(section, ImportSection):
        return vec(section.imports, encode_import)
    if isinstance(section, ExportSection):
        return vec(section.exports, encode_export)
    if isinstance(section, ValueSection):
        return section.data
    raise InternalError(f"not a section: {section!r}")


def encode_section(section: Section) -> bytes:
    payload = encode_section_payload(section)
    return SECTIONS.byte(SECTION_KINDS[type(section)]) + uleb(len(payload)) + payload


def encode_component(component: Component) -> bytes:
    return PREAMBLE + b"".join(encode_section(s) for s in component.sections)
