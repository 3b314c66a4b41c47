"""ComponentBuilder: append definitions, get back their indices.

The builder owns the 13 index spaces, so callers never compute an index by
hand.  Each method appends one definition (starting a new section when the
kind changes, as Binary.md allows any order and repetition) and returns the
index it got, typed with a NewType of int for its index space.

Component and instance *types* have index spaces of their own: build them with
InstanceTypeBuilder / ComponentTypeBuilder and pass the result to `type()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NewType

from componentize.component import model as m
from componentize.component import typedefs as t
from componentize.component.encode import encode_component
from componentize.component.names import ComponentNames, encode_names
from componentize.component.sorts import (
    AliasCoreExport,
    AliasExport,
    AliasOuter,
    ExternName,
    Sort,
    SortIdx,
    extern_name,
)
from componentize.errors import InternalError

CoreFuncIdx = NewType("CoreFuncIdx", int)
CoreTableIdx = NewType("CoreTableIdx", int)
CoreMemoryIdx = NewType("CoreMemoryIdx", int)
CoreGlobalIdx = NewType("CoreGlobalIdx", int)
CoreTypeIdx = NewType("CoreTypeIdx", int)
CoreModuleIdx = NewType("CoreModuleIdx", int)
CoreInstanceIdx = NewType("CoreInstanceIdx", int)
FuncIdx = NewType("FuncIdx", int)
TypeIdx = NewType("TypeIdx", int)
ComponentIdx = NewType("ComponentIdx", int)
InstanceIdx = NewType("InstanceIdx", int)

# The index space each extern descriptor adds to when imported or exported.
DESC_SORTS: dict[type, Sort] = {
    t.ModuleExtern: Sort.CORE_MODULE,
    t.FuncExtern: Sort.FUNC,
    t.ValueExtern: Sort.VALUE,
    t.TypeExtern: Sort.TYPE,
    t.ComponentExtern: Sort.COMPONENT,
    t.InstanceExtern: Sort.INSTANCE,
}


def canon_options(
    *,
    string_encoding: str | None = None,
    memory: int | None = None,
    realloc: int | None = None,
    post_return: int | None = None,
    is_async: bool = False,
    callback: int | None = None,
) -> tuple[m.CanonOpt, ...]:
    """Canon options in a fixed order, so equal requests encode identically."""
    opts: list[m.CanonOpt] = []
    if string_encoding is not None:
        if string_encoding not in m.STRING_ENCODINGS:
            raise InternalError(f"unknown string encoding {string_encoding!r}")
        opts.append(m.StringEncodingOpt(string_encoding))
    if memory is not None:
        opts.append(m.MemoryOpt(memory))
    if realloc is not None:
        opts.append(m.ReallocOpt(realloc))
    if post_return is not None:
        opts.append(m.PostReturnOpt(post_return))
    if is_async:
        opts.append(m.AsyncOpt())
    if callback is not None:
        opts.append(m.CallbackOpt(callback))
    return tuple(opts)


class _Spaces:
    """Index counters plus a cache of structurally equal type definitions."""

    def __init__(self) -> None:
        self.counts: dict[Sort, int] = dict.fromkeys(Sort, 0)
        self.type_cache: dict[object, int] = {}

    def take(self, sort: Sort) -> int:
        index = self.counts[sort]
        self.counts[sort] = index + 1
        return index


def _dedupable(ty: t.DefType) -> bool:
    # Resource types are generative (each definition is a fresh type), and
    # component/instance types are rarely repeated; value and func types are
    # structural, so defining one twice would only waste bytes.
    return isinstance(ty, (*t.DEF_VAL_TYPES, t.FuncType))


class _DeclBuilder:
    """Shared part of instance and component type builders."""

    def __init__(self) -> None:
        self.decls: list[t.ComponentDecl] = []
        self.spaces = _Spaces()

    def type(self, ty: t.DefType) -> TypeIdx:
        if isinstance(ty, t.ResourceType):
            raise InternalError("resource types cannot be defined inside a type")
        key = ("type", ty)
        if _dedupable(ty) and key in self.spaces.type_cache:
            return TypeIdx(self.spaces.type_cache[key])
        self.decls.append(ty)
        index = self.spaces.take(Sort.TYPE)
        if _dedupable(ty):
            self.spaces.type_cache[key] = index
        return TypeIdx(index)

    def core_type(self, ty: t.CoreType) -> CoreTypeIdx:
        self.decls.append(ty)
        return CoreTypeIdx(self.spaces.take(Sort.CORE_TYPE))

    def alias_outer(self, count: int, index: int, sort: Sort = Sort.TYPE) -> int:
        """`(alias outer count index (sort))`, once per target."""
        key = ("outer", count, index, sort)
        if key not in self.spaces.type_cache:
            self.decls.append(AliasOuter(sort, count, index))
            self.spaces.type_cache[key] = self.spaces.take(sort)
        return self.spaces.type_cache[key]

    def alias_export(self, instance: int, name: str, sort: Sort = Sort.TYPE) -> int:
        self.decls.append(AliasExport(sort, instance, name))
        return self.spaces.take(sort)

    def export(self, name: str | ExternName, desc: t.ExternDesc) -> int:
        """Declare an export; returns its index in the sort it adds to (for a
        type export, the type index to use in later declarations)."""
        self.decls.append(t.ExportDecl(extern_name(name), desc))
        return self.spaces.take(DESC_SORTS[type(desc)])


class InstanceTypeBuilder(_DeclBuilder):
    def finish(self) -> t.InstanceType:
        return t.InstanceType(tuple(self.decls))  # type: ignore[arg-type]


class ComponentTypeBuilder(_DeclBuilder):
    def import_(self, name: str | ExternName, desc: t.ExternDesc) -> int:
        self.decls.append(t.ImportDecl(extern_name(name), desc))
        return self.spaces.take(DESC_SORTS[type(desc)])

    def finish(self) -> t.ComponentType:
        return t.ComponentType(tuple(self.decls))


class ComponentBuilder:
    """Builds one component; see the module docstring."""

    def __init__(self) -> None:
        self.sections: list[m.Section] = []
        self.spaces = _Spaces()
        self.name_map = ComponentNames()

    # ---- plumbing

    def _append(self, kind: type, attr: str, item: object) -> None:
        last = self.sections[-1] if self.sections else None
        if not isinstance(last, kind):
            last = kind()
            self.sections.append(last)
        getattr(last, attr).append(item)

    def count(self, sort: Sort) -> int:
        """How many indices `sort` has so far."""
        return self.spaces.counts[sort]

    # ---- core definitions

    def core_module(self, module: bytes) -> CoreModuleIdx:
        self.sections.append(m.CoreModuleSection(bytes(module)))
        return CoreModuleIdx(self.spaces.take(Sort.CORE_MODULE))

    def core_instantiate(
        self, module: CoreModuleIdx, args: Mapping[str, CoreInstanceIdx] = {}
    ) -> CoreInstanceIdx:
        inst = m.CoreInstantiate(module, tuple(args.items()))
        self._append(m.CoreInstanceSection, "instances", inst)
        return CoreInstanceIdx(self.spaces.take(Sort.CORE_INSTANCE))

    def core_instance_from_exports(
        self, exports: Mapping[str, SortIdx] | Iterable[tuple[str, SortIdx]]
    ) -> CoreInstanceIdx:
        items = tuple(exports.items() if isinstance(exports, Mapping) else exports)
        for _, item in items:
            if not item.sort.is_core:
                raise InternalError(f"core instance export of a {item.sort.text}")
        self._append(m.CoreInstanceSection, "instances", m.CoreInlineExports(items))
        return CoreInstanceIdx(self.spaces.take(Sort.CORE_INSTANCE))

    def core_type(self, ty: t.CoreType) -> CoreTypeIdx:
        self._append(m.CoreTypeSection, "types", ty)
        return CoreTypeIdx(self.spaces.take(Sort.CORE_TYPE))

    # ---- aliases

    def alias_core_export(self, instance: CoreInstanceIdx, name: str, sort: Sort) -> int:
        if not sort.is_core:
            raise InternalError(f"core export alias of a {sort.text}")
        self._append(m.AliasSection, "aliases", AliasCoreExport(sort, instance, name))
        return self.spaces.take(sort)

    def alias_core_func(self, instance: CoreInstanceIdx, name: str) -> CoreFuncIdx:
        return CoreFuncIdx(self.alias_core_export(instance, name, Sort.CORE_FUNC))

    def alias_core_memory(self, instance: CoreInstanceIdx, name: str) -> CoreMemoryIdx:
        return CoreMemoryIdx(self.alias_core_export(instance, name, Sort.CORE_MEMORY))

    def alias_core_table(self, instance: CoreInstanceIdx, name: str) -> CoreTableIdx:
        return CoreTableIdx(self.alias_core_export(instance, name, Sort.CORE_TABLE))

    def alias_core_global(self, instance: CoreInstanceIdx, name: str) -> CoreGlobalIdx:
        return CoreGlobalIdx(self.alias_core_export(instance, name, Sort.CORE_GLOBAL))

    def alias_export(self, instance: InstanceIdx, name: str, sort: Sort) -> int:
        self._append(m.AliasSection, "aliases", AliasExport(sort, instance, name))
        return self.spaces.take(sort)

    def alias_func(self, instance: InstanceIdx, name: str) -> FuncIdx:
        return FuncIdx(self.alias_export(instance, name, Sort.FUNC))

    def alias_type(self, instance: InstanceIdx, name: str) -> TypeIdx:
        return TypeIdx(self.alias_export(instance, name, Sort.TYPE))

    def alias_instance(self, instance: InstanceIdx, name: str) -> InstanceIdx:
        return InstanceIdx(self.alias_export(instance, name, Sort.INSTANCE))

    def alias_outer(self, count: int, index: int, sort: Sort) -> int:
        self._append(m.AliasSection, "aliases", AliasOuter(sort, count, index))
        return self.spaces.take(sort)

    # ---- types

    def type(self, ty: t.DefType) -> TypeIdx:
        """Define a type; structurally equal value and func types are defined once."""
        key = ("type", ty)
        if _dedupable(ty) and key in self.spaces.type_cache:
            return TypeIdx(self.spaces.type_cache[key])
        self._append(m.TypeSection, "types", ty)
        index = self.spaces.take(Sort.TYPE)
        if _dedupable(ty):
            self.spaces.type_cache[key] = index
        return TypeIdx(index)

    # ---- canonical definitions

    def canon_lift(
        self, core_func: CoreFuncIdx, type: TypeIdx, options: Iterable[m.CanonOpt] = ()
    ) -> FuncIdx:
        self._append(m.CanonSection, "canons", m.CanonLift(core_func, type, tuple(options)))
        return FuncIdx(self.spaces.take(Sort.FUNC))

    def canon_lower(
        self,
        func: FuncIdx,
        *,
        memory: CoreMemoryIdx | None = None,
        realloc: CoreFuncIdx | None = None,
        string_encoding: str | None = None,
        is_async: bool = False,
        callback: CoreFuncIdx | None = None,
    ) -> CoreFuncIdx:
        opts = canon_options(
            string_encoding=string_encoding,
            memory=memory,
            realloc=realloc,
            is_async=is_async,
            callback=callback,
        )
        self._append(m.CanonSection, "canons", m.CanonLower(func, opts))
        return CoreFuncIdx(self.spaces.take(Sort.CORE_FUNC))

    def canon_resource_new(self, resource: TypeIdx) -> CoreFuncIdx:
        return self._canon_core_func(m.CanonResourceNew(resource))

    def canon_resource_drop(self, resource: TypeIdx) -> CoreFuncIdx:
        return self._canon_core_func(m.CanonResourceDrop(resource))

    def canon_resource_rep(self, resource: TypeIdx) -> CoreFuncIdx:
        return self._canon_core_func(m.CanonResourceRep(resource))

    def _canon_core_func(self, canon: m.Canon) -> CoreFuncIdx:
        self._append(m.CanonSection, "canons", canon)
        return CoreFuncIdx(self.spaces.take(Sort.CORE_FUNC))

    # ---- components and instances

    def component(self, inner: m.Component) -> ComponentIdx:
        self.sections.append(m.ComponentSection(inner))
        return ComponentIdx(self.spaces.take(Sort.COMPONENT))

    def instantiate(self, component: ComponentIdx, args: Mapping[str, SortIdx] = {}) -> InstanceIdx:
        self._append(m.InstanceSection, "instances", m.Instantiate(component, tuple(args.items())))
        return InstanceIdx(self.spaces.take(Sort.INSTANCE))

    def instance_from_exports(
        self, exports: Mapping[str, SortIdx] | Iterable[tuple[str, SortIdx]]
    ) -> InstanceIdx:
        items = exports.items() if isinstance(exports, Mapping) else exports
        inst = m.InlineExports(tuple((extern_name(n), si) for n, si in items))
        self._append(m.InstanceSection, "instances", inst)
        return InstanceIdx(self.spaces.take(Sort.INSTANCE))

    # ---- imports and exports

    def import_(self, name: str | ExternName, desc: t.ExternDesc) -> int:
        self._append(m.ImportSection, "imports", m.Import(extern_name(name), desc))
        return self.spaces.take(DESC_SORTS[type(desc)])

    def import_instance(self, name: str | ExternName, type: TypeIdx) -> InstanceIdx:
        return InstanceIdx(self.import_(name, t.InstanceExtern(type)))

    def import_func(self, name: str | ExternName, type: TypeIdx) -> FuncIdx:
        return FuncIdx(self.import_(name, t.FuncExtern(type)))

    def import_type(self, name: str | ExternName, eq: TypeIdx | None = None) -> TypeIdx:
        """`(import name (type (eq i)))`, or `(sub resource)` without `eq`."""
        return TypeIdx(self.import_(name, t.TypeExtern(eq)))

    def export(
        self, name: str | ExternName, sort: Sort, index: int, type: t.ExternDesc | None = None
    ) -> int:
        """Export a definition; returns the new index the export adds to `sort`."""
        self._append(
            m.ExportSection, "exports", m.Export(extern_name(name), SortIdx(sort, index), type)
        )
        return self.spaces.take(sort)

    # ---- custom sections, names, result

    def custom(self, name: str, data: bytes) -> None:
        self.sections.append(m.CustomSection(name, bytes(data)))

    def name(self, sort: Sort, index: int, text: str) -> None:
        """Name one definition in the `component-name` section."""
        self.name_map.sorts.setdefault(sort, {})[index] = text

    def names(
        self, component: str | None = None, sorts: Mapping[Sort, Mapping[int, str]] = {}
    ) -> None:
        if component is not None:
            self.name_map.component = component
        for sort, mapping in sorts.items():
            self.name_map.sorts.setdefault(sort, {}).update(mapping)

    def build(self) -> m.Component:
        """The component model; a `component-name` section is appended when any
        name was given."""
        sections = list(self.sections)
        if self.name_map.component is not None or any(self.name_map.sorts.values()):
            sections.append(encode_names(self.name_map))
        return m.Component(sections)

    def finish(self) -> bytes:
        return encode_component(self.build())
