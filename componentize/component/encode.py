"""Component encoder: model -> bytes, section by section (Binary.md).

decode.py mirrors every function here; keep the two in step."""

from __future__ import annotations

from componentize.component import typedefs as t
from componentize.component._bytes import name, sleb, uleb, vec
from componentize.component.model import (
    SECTION_IDS,
    STRING_ENCODINGS,
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
from componentize.wasm.decode import MAGIC

PREAMBLE = MAGIC + b"\x0d\x00\x01\x00"  # version 0x0d, layer 1 (a component)

# The immediates of canonical built-ins other than lift/lower/resource.*, by opcode:
# u = u32, b = flag byte (async?/cancel?/shared?), v = core valtype, r = resultlist, o = opts.
BUILTIN_SHAPES: dict[int, str] = {
    0x24: "", 0x25: "", 0x05: "", 0x0D: "", 0x1E: "", 0x1F: "", 0x22: "", 0x23: "",
    0x26: "", 0x28: "", 0x09: "ro", 0x0A: "vu", 0x0B: "vu", 0x06: "b", 0x0E: "u",
    0x13: "u", 0x14: "u", 0x15: "u", 0x1A: "u", 0x1B: "u", 0x0F: "uo", 0x10: "uo",
    0x16: "uo", 0x17: "uo", 0x11: "ub", 0x12: "ub", 0x18: "ub", 0x19: "ub", 0x1C: "o",
    0x1D: "o", 0x20: "bu", 0x21: "bu", 0x27: "uu", 0x29: "b", 0x0C: "b", 0x2A: "b",
    0x2B: "b", 0x2C: "b", 0x2D: "b", 0x40: "bu", 0x41: "buu", 0x42: "b",
}  # fmt: skip

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
    if n.form == 0x02:
        out += vec(n.attributes, lambda a: bytes([a.kind]) + name(a.value))
    return out


def encode_alias(alias: Alias) -> bytes:
    head = encode_sort(alias.sort)
    if isinstance(alias, AliasExport):
        return head + b"\x00" + uleb(alias.instance) + name(alias.name)
    if isinstance(alias, AliasCoreExport):
        return head + b"\x01" + uleb(alias.instance) + name(alias.name)
    return head + b"\x02" + uleb(alias.count) + uleb(alias.index)


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
    if isinstance(desc, t.CoreFuncExtern):
        return b"\x00" + uleb(desc.type)
    if isinstance(desc, t.CoreTableExtern):
        return b"\x01" + encode_core_valtype(desc.element) + encode_limits(desc.limits)
    if isinstance(desc, t.CoreMemoryExtern):
        return b"\x02" + encode_limits(desc.limits)
    if isinstance(desc, t.CoreGlobalExtern):
        return b"\x03" + encode_core_valtype(desc.valtype) + bytes([desc.mutability])
    return b"\x04\x00" + uleb(desc.type)


def encode_core_module_decl(decl: t.CoreModuleDecl) -> bytes:
    if isinstance(decl, t.CoreImportDecl):
        return b"\x00" + name(decl.module) + name(decl.name) + encode_core_extern(decl.desc)
    if isinstance(decl, t.CoreFuncType):
        return b"\x01" + encode_core_type(decl)
    if isinstance(decl, AliasOuter):
        return b"\x02\x10\x01" + uleb(decl.count) + uleb(decl.index)
    if isinstance(decl, t.CoreExportDecl):
        return b"\x03" + name(decl.name) + encode_core_extern(decl.desc)
    raise InternalError(f"not a core module declarator: {decl!r}")


def encode_core_type(ty: t.CoreType) -> bytes:
    if isinstance(ty, t.CoreFuncType):
        return b"\x60" + vec(ty.params, encode_core_valtype) + vec(ty.results, encode_core_valtype)
    return b"\x50" + vec(ty.decls, encode_core_module_decl)


# --------------------------------------------------------------------------
# component types


def encode_valtype(v: t.ValType) -> bytes:
    if isinstance(v, str):
        return bytes([t.PRIMITIVE_CODES[v]])
    # Type indices share the byte space with the negative primitive codes, so
    # they are signed LEB128 (a valid unsigned LEB128 as well).
    return sleb(v)


def _opt_valtype(v: t.ValType | None) -> bytes:
    return b"\x00" if v is None else b"\x01" + encode_valtype(v)


def _labelvaltype(item: tuple[str, t.ValType]) -> bytes:
    return name(item[0]) + encode_valtype(item[1])


def _case(item: tuple[str, t.ValType | None]) -> bytes:
    return name(item[0]) + _opt_valtype(item[1]) + b"\x00"


def encode_resultlist(result: t.ValType | None) -> bytes:
    return b"\x01\x00" if result is None else b"\x00" + encode_valtype(result)


def encode_defvaltype(ty: t.DefValType) -> bytes:  # noqa: C901 - one arm per opcode
    if isinstance(ty, t.PrimValType):
        return bytes([t.PRIMITIVE_CODES[ty.name]])
    if isinstance(ty, t.RecordType):
        return b"\x72" + vec(ty.fields, _labelvaltype)
    if isinstance(ty, t.VariantType):
        return b"\x71" + vec(ty.cases, _case)
    if isinstance(ty, t.ListType):
        if ty.size is None:
            return b"\x70" + encode_valtype(ty.element)
        return b"\x67" + encode_valtype(ty.element) + uleb(ty.size)
    if isinstance(ty, t.TupleType):
        return b"\x6f" + vec(ty.types, encode_valtype)
    if isinstance(ty, t.FlagsType):
        return b"\x6e" + vec(ty.names, name)
    if isinstance(ty, t.EnumType):
        return b"\x6d" + vec(ty.names, name)
    if isinstance(ty, t.OptionType):
        return b"\x6b" + encode_valtype(ty.inner)
    if isinstance(ty, t.ResultType):
        return b"\x6a" + _opt_valtype(ty.ok) + _opt_valtype(ty.err)
    if isinstance(ty, t.OwnType):
        return b"\x69" + uleb(ty.resource)
    if isinstance(ty, t.BorrowType):
        return b"\x68" + uleb(ty.resource)
    if isinstance(ty, t.StreamType):
        return b"\x66" + _opt_valtype(ty.element)
    if isinstance(ty, t.FutureType):
        return b"\x65" + _opt_valtype(ty.element)
    return b"\x63" + encode_valtype(ty.key) + encode_valtype(ty.value)


def encode_externdesc(desc: t.ExternDesc) -> bytes:
    if isinstance(desc, t.ModuleExtern):
        return b"\x00\x11" + uleb(desc.type)
    if isinstance(desc, t.FuncExtern):
        return b"\x01" + uleb(desc.type)
    if isinstance(desc, t.ValueExtern):
        if desc.is_eq:
            return b"\x02\x00" + uleb(desc.eq)
        return b"\x02\x01" + encode_valtype(desc.valtype)
    if isinstance(desc, t.TypeExtern):
        return b"\x03\x01" if desc.eq is None else b"\x03\x00" + uleb(desc.eq)
    if isinstance(desc, t.ComponentExtern):
        return b"\x04" + uleb(desc.type)
    return b"\x05" + uleb(desc.type)


def encode_decl(decl: t.ComponentDecl) -> bytes:
    """A `componentdecl` / `instancedecl` (the latter never holds ImportDecl)."""
    if isinstance(decl, t.CORE_TYPES):
        return b"\x00" + encode_core_type(decl)
    if isinstance(decl, t.DEF_TYPES):
        return b"\x01" + encode_deftype(decl)
    if isinstance(decl, AliasExport | AliasCoreExport | AliasOuter):
        return b"\x02" + encode_alias(decl)
    if isinstance(decl, t.ImportDecl):
        return b"\x03" + encode_extern_name(decl.name) + encode_externdesc(decl.desc)
    if isinstance(decl, t.ExportDecl):
        return b"\x04" + encode_extern_name(decl.name) + encode_externdesc(decl.desc)
    raise InternalError(f"not a declarator: {decl!r}")


def encode_deftype(ty: t.DefType) -> bytes:
    if isinstance(ty, t.FuncType):
        opcode = b"\x43" if ty.is_async else b"\x40"
        return opcode + vec(ty.params, _labelvaltype) + encode_resultlist(ty.result)
    if isinstance(ty, t.ComponentType):
        return b"\x41" + vec(ty.decls, encode_decl)
    if isinstance(ty, t.InstanceType):
        return b"\x42" + vec(ty.decls, encode_decl)
    if isinstance(ty, t.ResourceType):
        dtor = b"\x00" if ty.dtor is None else b"\x01" + uleb(ty.dtor)
        return b"\x3f" + encode_core_valtype(ty.rep) + dtor
    return encode_defvaltype(ty)


# --------------------------------------------------------------------------
# instances, canon, imports/exports


def encode_core_instance(inst: CoreInstance) -> bytes:
    if isinstance(inst, CoreInlineExports):
        return b"\x01" + vec(inst.exports, lambda e: name(e[0]) + encode_core_sortidx(e[1]))
    return b"\x00" + uleb(inst.module) + vec(inst.args, lambda a: name(a[0]) + b"\x12" + uleb(a[1]))


def encode_instance(inst: Instance) -> bytes:
    if isinstance(inst, InlineExports):
        return b"\x01" + vec(
            inst.exports, lambda e: encode_extern_name(e[0]) + encode_sortidx(e[1])
        )
    return (
        b"\x00" + uleb(inst.component) + vec(inst.args, lambda a: name(a[0]) + encode_sortidx(a[1]))
    )


def encode_canonopt(opt: CanonOpt) -> bytes:
    if isinstance(opt, StringEncodingOpt):
        return bytes([STRING_ENCODINGS[opt.encoding]])
    if isinstance(opt, MemoryOpt):
        return b"\x03" + uleb(opt.memory)
    if isinstance(opt, ReallocOpt):
        return b"\x04" + uleb(opt.func)
    if isinstance(opt, PostReturnOpt):
        return b"\x05" + uleb(opt.func)
    if isinstance(opt, AsyncOpt):
        return b"\x06"
    if isinstance(opt, CallbackOpt):
        return b"\x07" + uleb(opt.func)
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
    if isinstance(canon, CanonLift):
        opts = vec(canon.options, encode_canonopt)
        return b"\x00\x00" + uleb(canon.core_func) + opts + uleb(canon.type)
    if isinstance(canon, CanonLower):
        return b"\x01\x00" + uleb(canon.func) + vec(canon.options, encode_canonopt)
    if isinstance(canon, CanonResourceNew):
        return b"\x02" + uleb(canon.resource)
    if isinstance(canon, CanonResourceDrop):
        return b"\x03" + uleb(canon.resource)
    if isinstance(canon, CanonResourceRep):
        return b"\x04" + uleb(canon.resource)
    return _encode_builtin(canon)


def encode_import(imp: Import) -> bytes:
    return encode_extern_name(imp.name) + encode_externdesc(imp.desc)


def encode_export(exp: Export) -> bytes:
    desc = b"\x00" if exp.desc is None else b"\x01" + encode_externdesc(exp.desc)
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
    return bytes([SECTION_IDS[type(section)]]) + uleb(len(payload)) + payload


def encode_component(component: Component) -> bytes:
    return PREAMBLE + b"".join(encode_section(s) for s in component.sections)
