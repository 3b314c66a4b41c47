"""A WIT world as a `component-type` section payload: the inverse of
wit_from_types.py (WIT.md "Package Format").

The payload is a component whose type 0 is a component type declaring the
world's component type and exporting it as `ns:pkg/world@version`; the
component exports that type under the world's plain name, and carries a
`wit-component-encoding` custom section (format version 4, UTF-8), as
`wasm-tools component embed` writes it.

Inside the world's type, an interface is an instance type holding all its
types and functions; a type it `use`s from another interface is aliased out
of that interface's imported instance (`alias export`, then `alias outer 1`
inside the instance type).  An interface is imported before the first item
that needs its types.  World types are `(import "n" (type (eq i)))`.
"""

from __future__ import annotations

from typing import cast

from componentize.component import typedefs as t
from componentize.component.builder import DESC_SORTS, ComponentBuilder, InstanceTypeBuilder
from componentize.component.model import STRING_ENCODINGS
from componentize.component.sorts import ExternName, Sort, extern_name
from componentize.component.wit_from_types import ENCODING_SECTION
from componentize.component.wit_types import _Scope
from componentize.errors import InputError
from componentize.wit import model as wit

ENCODING_VERSION = 4  # the `wit-component-encoding` format: version, then the string encoding


class _WorldTypeBuilder(InstanceTypeBuilder):
    """The world's component type.  `export` is what `_Scope` calls for a
    world-owned named type, which the world imports; `export_item` exports."""

    def export(self, name: str | ExternName, desc: t.ExternDesc) -> int:
        self.decls.append(t.ImportDecl(_extern(name), desc))
        return self.spaces.take(_sort(desc))

    def export_item(self, name: str, desc: t.ExternDesc) -> int:
        return super().export(name, desc)

    def import_(self, name: str, desc: t.ExternDesc) -> int:
        self.decls.append(t.ImportDecl(_extern(name), desc))
        return self.spaces.take(_sort(desc))

    def component_type(self) -> t.ComponentType:
        return t.ComponentType(tuple(self.decls))


def _extern(name: str | ExternName) -> ExternName:
    return extern_name(name)


def _sort(desc: t.ExternDesc) -> Sort:
    return DESC_SORTS[type(desc)]


class WorldEncoder:
    """Encodes one world of a resolved WIT into its component type."""

    def __init__(self, world: wit.World, where: str = "<wit>") -> None:
        self.world = world
        self.where = where
        self.ct = _WorldTypeBuilder()
        self.instances: dict[wit.Interface, int] = {}
        self.aliases: dict[wit.TypeDef, int] = {}
        self.pending = {
            item.item: key
            for key, item in world.imports.items()
            if isinstance(item.item, wit.Interface)
        }
        # world-owned types are "exported" by the scope, i.e. imported by the world
        owner = cast(wit.Interface, world)  # _Scope only reads `.types` of its owner
        self.scope = _Scope(self.ct.type, self.foreign, owner, self.ct)

    def error(self, what: str, hint: str = "") -> InputError:
        return InputError(what, where=self.where, hint=hint)

    def foreign(self, td: wit.TypeDef) -> int:
        """The world-level index of an interface's type, aliased out of the
        imported instance of its interface (imported now if still pending)."""
        if td not in self.aliases:
            owner = td.owner
            if not isinstance(owner, wit.Interface):
                raise self.error(f"type {td.name} has no interface to come from")
            if owner not in self.instances:
                if owner not in self.pending:
                    raise self.error(
                        f"type {td.name} of {owner.name} is used but its interface is not imported"
                    )
                self._import_interface(self.pending[owner], owner)
            self.aliases[td] = self.ct.alias_export(self.instances[owner], td.name)
        return self.aliases[td]

    def encode(self) -> t.ComponentType:
        for key, item in self.world.imports.items():
            self._item(key, item.item, export=False)
        for key, item in self.world.exports.items():
            self._item(key, item.item, export=True)
        return self.ct.component_type()

    def _item(
        self, key: str, item: wit.Interface | wit.Function | wit.TypeDef, export: bool
    ) -> None:
        if isinstance(item, wit.Interface):
            if export:
                self.ct.export_item(key, t.InstanceExtern(self._instance_type(item)))
            elif item not in self.instances:
                self._import_interface(key, item)
        elif isinstance(item, wit.Function):
            desc = t.FuncExtern(self.scope.functype(item))
            if export:
                self.ct.export_item(key, desc)
            else:
                self.ct.import_(key, desc)
        else:
            self.scope.typedef(item)

    def _import_interface(self, key: str, iface: wit.Interface) -> None:
        self.pending.pop(iface, None)
        type_idx = self._instance_type(iface)
        self.instances[iface] = self.ct.import_(key, t.InstanceExtern(type_idx))

    def _instance_type(self, iface: wit.Interface) -> int:
        it = InstanceTypeBuilder()

        def foreign(td: wit.TypeDef) -> int:
            return it.alias_outer(1, self.foreign(td))

        scope = _Scope(it.type, foreign, iface, it)
        for td in iface.types.values():
            scope.typedef(td)
        for key, fn in iface.functions.items():
            it.export(key, t.FuncExtern(scope.functype(fn)))
        return self.ct.type(it.finish())


def world_qualified_name(world: wit.World) -> str:
    package = world.package
    if package is None:
        return world.name
    name = package.name
    version = f"@{name.version}" if name.version is not None else ""
    return f"{name.namespace}:{name.name}/{world.name}{version}"


def encode_world(world: wit.World, where: str = "<wit>", string_encoding: str = "utf8") -> bytes:
    """The `component-type` section payload describing `world`, for code
    using `string_encoding` (utf8, utf16 or latin1+utf16)."""
    inner = WorldEncoder(world, where).encode()
    outer = InstanceTypeBuilder()
    index = outer.type(inner)
    outer.export(world_qualified_name(world), t.ComponentExtern(index))
    builder = ComponentBuilder()
    code = STRING_ENCODINGS.index(string_encoding)
    builder.custom(ENCODING_SECTION, bytes([ENCODING_VERSION, code]))
    type_idx = builder.type(t.ComponentType(tuple(outer.decls)))
    builder.export(world.name, Sort.TYPE, type_idx)
    return builder.finish()
