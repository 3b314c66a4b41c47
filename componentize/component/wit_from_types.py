"""WIT from component types: the inverse of wit_types.py.

A module built for a typed world carries it in `component-type*` custom
sections, each the binary encoding of a WIT world (WIT.md "Package Format"):
a component whose type section holds one component type; that type declares
the world's component type and exports it as `ns:pkg/world@version`.  The
world's imports and exports are instance types (interfaces), func types
(world functions) and type exports (world types); interfaces share types
through `alias export` out of an earlier instance and `alias outer`.

`WorldDecoder` turns such sections into our WIT model.  It keeps one registry
of packages and interfaces, so several sections decode into one world: an
interface seen twice is one interface (its two descriptions must agree), and
world items of the same name must be the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from componentize.component import typedefs as t
from componentize.component.decode import decode_component
from componentize.component.model import STRING_ENCODINGS, CustomSection, TypeSection
from componentize.component.sorts import AliasExport, AliasOuter, Sort
from componentize.errors import InputError
from componentize.wit import model as wit
from componentize.wit.structure import structure


@dataclass
class NominalBody:
    """A record, variant, enum or flags not yet named by an export."""

    body: wit.TypeBody


WorldThing = wit.Interface | wit.Function | wit.TypeDef

Entry = wit.TypeDef | wit.Type | NominalBody | t.DefType
"""One slot of a type index space: a named type, an anonymous WIT type, a
nominal body awaiting its name, or a raw func/instance/component type."""

ENCODING_SECTION = "wit-component-encoding"

_PREFIXES = {
    "[constructor]": "constructor",
    "[method]": "method",
    "[static]": "static",
    "[async method]": "method",
    "[async static]": "static",
    "[async]": "freestanding",
}


def split_interface_name(name: str) -> tuple[wit.PackageName, str] | None:
    """`ns:pkg/iface@1.2.3` -> (package name, `iface`); None for a plain name."""
    if ":" not in name or "/" not in name:
        return None
    pkg, _, rest = name.partition("/")
    iface, _, version = rest.partition("@")
    namespace, _, pkg_name = pkg.partition(":")
    try:
        parsed = wit.Version.parse(version) if version else None
    except ValueError:
        return None  # not a name with a version: the caller says what it expected
    return wit.PackageName(namespace, pkg_name, parsed), iface


class WorldDecoder:
    """Decodes world sections into one Resolve and one World."""

    def __init__(self, where: str = "<component-type>") -> None:
        self.where = where
        self.packages: dict[wit.PackageName, wit.Package] = {}
        self.interfaces: dict[str, wit.Interface] = {}
        self.world: wit.World | None = None
        self.union = False  # an interface seen twice: the union of both (components)
        self.string_encodings: set[str] = set()  # from `wit-component-encoding` sections

    # ---- errors

    def error(self, what: str, hint: str = "") -> InputError:
        return InputError(what, where=self.where, hint=hint)

    # ---- entry point

    def add_section(self, data: bytes, name: str = "component-type") -> None:
        """Decode one `component-type` section's payload into the world."""
        self.where = f"custom section {name!r}"
        component = decode_component(data)
        self._encoding(component)
        decls = self._package_decls(component)
        found = [
            (d.name.name, decls[d.desc.type])
            for d in decls
            if isinstance(d, t.ExportDecl) and isinstance(d.desc, t.ComponentExtern)
        ]
        worlds = [(n, w) for n, w in found if isinstance(w, t.ComponentType)]
        if len(worlds) != 1:
            raise self.error(
                f"expected one encoded world, found {len(worlds)}",
                "the section should be made by `wasm-tools component embed` or wit-bindgen",
            )
        self._world(*worlds[0])

    def _encoding(self, component: Any) -> None:
        """The string encoding the module's canonical ABI code uses: the
        second byte of `wit-component-encoding` (after the format version)."""
        for section in component.sections:
            if isinstance(section, CustomSection) and section.name == ENCODING_SECTION:
                code = section.data[1] if len(section.data) > 1 else 0
                if code >= len(STRING_ENCODINGS):
                    raise self.error(f"unknown string encoding {code} in {ENCODING_SECTION}")
                self.string_encodings.add(STRING_ENCODINGS[code])

    def _package_decls(self, component: Any) -> list[Any]:
        for section in component.sections:
            if isinstance(section, TypeSection):
                for ty in section.types:
                    if isinstance(ty, t.ComponentType):
                        return list(ty.decls)
        raise self.error("no component type describing a world")

    # ---- packages and interfaces

    def _package(self, name: wit.PackageName) -> wit.Package:
        if name not in self.packages:
            self.packages[name] = wit.Package(name)
        return self.packages[name]

    def _world(self, qualified: str, ty: t.ComponentType) -> None:
        split = split_interface_name(qualified)
        if split is None:
            raise self.error(f"world name {qualified!r} is not `ns:pkg/world@version`")
        pkg_name, world_name = split
        package = self._package(pkg_name)
        world = wit.World(world_name, package=package)
        WorldScope(self, world).decode(ty.decls)
        if self.world is None:
            self.world = world
            package.worlds[world_name] = world
        else:
            self._merge(self.world, world)

    def interface(self, name: str, fresh: wit.Interface) -> wit.Interface:
        """The registered interface `name`, or `fresh` registered as it; a
        second description must agree with the first."""
        known = self.interfaces.get(name)
        if known is None:
            self.interfaces[name] = fresh
            if fresh.package is not None and fresh.name is not None:
                fresh.package.interfaces[fresh.name] = fresh
            return fresh
        if self.union:
            _union(known, fresh)
            return known
        if _describe(known) != _describe(fresh):
            raise self.error(
                f"interface {name} is described twice, differently",
                "build every part of the module against the same WIT",
            )
        return known

    def new_interface(self, name: str) -> wit.Interface:
        split = split_interface_name(name)
        if split is None:
            return wit.Interface(None)
        pkg_name, iface_name = split
        iface = wit.Interface(iface_name, package=self._package(pkg_name))
        return iface

    # ---- merging worlds

    def _merge(self, into: wit.World, other: wit.World) -> None:
        for name, td in other.types.items():
            if name not in into.types:
                td.owner = into
                into.types[name] = td
        for mine, theirs, what in (
            (into.imports, other.imports, "import"),
            (into.exports, other.exports, "export"),
        ):
            for key, item in theirs.items():
                if key not in mine:
                    mine[key] = item
                elif not _same_item(key, mine[key].item, item.item):
                    raise self.error(
                        f"{what} {key!r} differs between two component-type sections",
                        "build every part of the module against the same WIT",
                    )

    def resolve(self) -> tuple[wit.Resolve, wit.World]:
        if self.world is None:
            raise self.error("no world decoded")
        root = self.world.package
        others = [p for p in self.packages.values() if p is not root]
        packages = [*others, root] if root is not None else others
        return wit.Resolve([p for p in packages if p is not None], root), self.world


def _union(known: wit.Interface, fresh: wit.Interface) -> None:
    """Add to `known` the types and functions only `fresh` has (a component
    imports and exports an interface with different subsets of it)."""
    for name, td in fresh.types.items():
        if name not in known.types:
            td.owner = known
            known.types[name] = td
    for key, fn in fresh.functions.items():
        known.functions.setdefault(key, fn)


def _describe(iface: wit.Interface) -> Any:
    name = iface.package.name if iface.package else wit.PackageName("?", "?")
    return structure(wit.Package(name, {iface.name or "": iface}))


def _same_item(key: str, a: WorldThing, b: WorldThing) -> bool:
    """Two world items of one name: the same interface, or described alike."""
    if a is b:
        return True
    named = isinstance(a, wit.Interface) and a.name is not None
    if named or type(a) is not type(b):
        return False
    same: bool = _describe_item(key, a) == _describe_item(key, b)
    return same


def _describe_item(key: str, item: WorldThing) -> Any:
    world = wit.World("_", imports={key: wit.WorldItem(key, item)})
    return structure(wit.Package(wit.PackageName("_", "_"), worlds={"_": world}))


# --------------------------------------------------------------------------
# one type index space


class _Space:
    """A type index space and the conversion of its entries to WIT types."""

    def __init__(self, decoder: WorldDecoder, outer: _Space | None = None) -> None:
        self.decoder = decoder
        self.outer = outer
        self.entries: list[Entry] = []

    def error(self, what: str) -> InputError:
        return self.decoder.error(what)

    def entry(self, index: int) -> Entry:
        if not 0 <= index < len(self.entries):
            raise self.error(f"type index {index} out of range")
        return self.entries[index]

    def named(self, index: int) -> wit.TypeDef:
        entry = self.entry(index)
        if not isinstance(entry, wit.TypeDef):
            raise self.error(f"type {index} should be a named type (a resource)")
        return entry

    def valtype(self, vt: t.ValType) -> wit.Type:
        if isinstance(vt, str):
            return wit.Primitive(vt)
        entry = self.entry(vt)
        if isinstance(entry, wit.TypeDef):
            return wit.TypeRef(entry)
        if isinstance(entry, NominalBody):
            raise self.error(f"type {vt} is an unnamed record, variant, enum or flags")
        if isinstance(entry, t.DEF_TYPES):
            raise self.error(f"type {vt} is not a value type")
        return entry

    def opt(self, vt: t.ValType | None) -> wit.Type | None:
        return None if vt is None else self.valtype(vt)

    def define(self, dt: t.DefType) -> Entry:  # noqa: C901 - one arm per type constructor
        if isinstance(dt, t.PrimValType):
            return wit.Primitive(dt.name)
        if isinstance(dt, t.RecordType):
            return NominalBody(wit.Record([wit.Field(n, self.valtype(v)) for n, v in dt.fields]))
        if isinstance(dt, t.VariantType):
            return NominalBody(wit.Variant([wit.Case(n, self.opt(v)) for n, v in dt.cases]))
        if isinstance(dt, t.EnumType):
            return NominalBody(wit.Enum(list(dt.names), [""] * len(dt.names)))
        if isinstance(dt, t.FlagsType):
            return NominalBody(wit.Flags(list(dt.names), [""] * len(dt.names)))
        if isinstance(dt, t.ListType):
            return wit.ListType(self.valtype(dt.element), dt.size)
        if isinstance(dt, t.TupleType):
            return wit.TupleType(tuple(self.valtype(v) for v in dt.types))
        if isinstance(dt, t.OptionType):
            return wit.OptionType(self.valtype(dt.inner))
        if isinstance(dt, t.ResultType):
            return wit.ResultType(self.opt(dt.ok), self.opt(dt.err))
        if isinstance(dt, t.OwnType):
            return wit.Own(self.named(dt.resource))
        if isinstance(dt, t.BorrowType):
            return wit.Borrow(self.named(dt.resource))
        if isinstance(dt, t.FutureType):
            return wit.FutureType(self.opt(dt.element))
        if isinstance(dt, t.StreamType):
            return wit.StreamType(self.opt(dt.element))
        if isinstance(dt, t.MapType):
            return wit.MapType(self.valtype(dt.key), self.valtype(dt.value))
        return dt  # func, instance, component, resource types: kept raw

    def alias_outer(self, alias: AliasOuter) -> Entry:
        space: _Space | None = self
        for _ in range(alias.count):
            space = space.outer if space is not None else None
        if space is None or alias.sort is not Sort.TYPE:
            raise self.error(f"unsupported outer alias {alias}")
        return space.entry(alias.index)

    def typedef(
        self, name: str, desc: t.TypeExtern, owner: wit.Interface | wit.World
    ) -> wit.TypeDef:
        if desc.eq is None:
            return wit.TypeDef(name, wit.Resource(), owner=owner)
        entry = self.entry(desc.eq)
        if isinstance(entry, NominalBody):
            body: wit.TypeBody = entry.body
        elif isinstance(entry, wit.TypeDef):
            body = wit.Alias(wit.TypeRef(entry))
        elif isinstance(entry, t.DEF_TYPES):
            raise self.error(f"type export {name!r} is not a value type")
        else:
            body = wit.Alias(entry)
        return wit.TypeDef(name, body, owner=owner)

    def function(self, name: str, type_index: int, types: dict[str, wit.TypeDef]) -> wit.Function:
        ft = self.entry(type_index)
        if not isinstance(ft, t.FuncType):
            raise self.error(f"function {name!r} has type {type_index}, not a func type")
        params = [(n, self.valtype(v)) for n, v in ft.params]
        fn = wit.Function(name, params, self.opt(ft.result), is_async=ft.is_async)
        return self.name_function(fn, name, types)

    def name_function(
        self, sig: wit.Function, name: str, types: dict[str, wit.TypeDef]
    ) -> wit.Function:
        """`sig` as the function `name` (`[method]r.m` ...): kind and resource
        from the name, the resource looked up in `types`."""
        fn = wit.Function(name, sig.params, sig.result, is_async=sig.is_async)
        for prefix, kind in _PREFIXES.items():
            if name.startswith(prefix):
                rest = name.removeprefix(prefix)
                resource, _, fname = rest.partition(".")
                fn.kind = kind
                fn.name = "constructor" if kind == "constructor" else (fname or rest)
                if kind != "freestanding":
                    if resource not in types:
                        raise self.error(f"function {name!r} names an unknown resource")
                    fn.resource = types[resource]
                break
        return fn


# --------------------------------------------------------------------------
# a world's component type and its instance types


class WorldScope(_Space):
    def __init__(self, decoder: WorldDecoder, world: wit.World) -> None:
        super().__init__(decoder)
        self.world = world
        self.instances: list[wit.Interface] = []

    def decode(self, decls: tuple[t.ComponentDecl, ...]) -> None:
        for decl in decls:
            if isinstance(decl, t.ImportDecl | t.ExportDecl):
                self.item(
                    decl,
                    self.world.imports if isinstance(decl, t.ImportDecl) else self.world.exports,
                )
            elif isinstance(decl, AliasExport):
                self.alias_export(decl)
            elif isinstance(decl, AliasOuter):
                self.entries.append(self.alias_outer(decl))
            elif isinstance(decl, t.DEF_TYPES):
                self.entries.append(self.define(decl))
            else:
                raise self.error(f"unexpected declaration in a world: {type(decl).__name__}")

    def alias_export(self, alias: AliasExport) -> None:
        if alias.sort is not Sort.TYPE or not 0 <= alias.instance < len(self.instances):
            raise self.error(f"unsupported alias {alias}")
        iface = self.instances[alias.instance]
        if alias.name not in iface.types:
            raise self.error(f"interface has no type {alias.name!r} to alias")
        self.entries.append(iface.types[alias.name])

    def item(self, decl: t.ImportDecl | t.ExportDecl, table: dict[str, wit.WorldItem]) -> None:
        name = decl.name.name
        desc = decl.desc
        if isinstance(desc, t.InstanceExtern):
            iface = self.instance(name, desc.type)
            self.instances.append(iface)
            table[name] = wit.WorldItem(name, iface)
        elif isinstance(desc, t.FuncExtern):
            table[name] = wit.WorldItem(name, self.function(name, desc.type, self.world.types))
        elif isinstance(desc, t.TypeExtern):
            td = self.typedef(name, desc, self.world)
            self.world.types[name] = td
            table[name] = wit.WorldItem(name, td)
            self.entries.append(td)
        else:
            raise self.error(f"world item {name!r} is a {type(desc).__name__}, not WIT")

    def instance(self, name: str, type_index: int) -> wit.Interface:
        ty = self.entry(type_index)
        if not isinstance(ty, t.InstanceType):
            raise self.error(f"interface {name!r} has type {type_index}, not an instance type")
        fresh = self.decoder.new_interface(name)
        scope = _Space(self.decoder, self)
        for decl in ty.decls:
            _instance_decl(scope, decl, fresh)
        if fresh.name is None:
            return fresh
        return self.decoder.interface(name, fresh)


def _instance_decl(scope: _Space, decl: t.InstanceDecl, iface: wit.Interface) -> None:
    if isinstance(decl, AliasOuter):
        scope.entries.append(scope.alias_outer(decl))
    elif isinstance(decl, t.ExportDecl):
        name = decl.name.name
        if isinstance(decl.desc, t.TypeExtern):
            td = scope.typedef(name, decl.desc, iface)
            iface.types[name] = td
            scope.entries.append(td)
        elif isinstance(decl.desc, t.FuncExtern):
            iface.functions[name] = scope.function(name, decl.desc.type, iface.types)
        else:
            raise scope.error(f"interface export {name!r} is not a type or a function")
    elif isinstance(decl, t.DEF_TYPES):
        scope.entries.append(scope.define(decl))
    else:
        raise scope.error(f"unexpected declaration in an interface: {type(decl).__name__}")
