"""The world of a component made by anyone: its imports and exports as WIT.

Imports carry their types.  Exports are whatever the component defines:
lifted functions, and instances made inline or by instantiating a nested
component with arguments (wit-component's way: a shim component that
imports the functions and types and exports them under their WIT names, with
type ascriptions).  So this walks the component's definitions in order,
keeping the index spaces that matter for types (types, functions, instances,
components) and evaluating a nested component's exports with its imports
bound to the arguments of its instantiation.

A type exported under a name becomes a named WIT type: a record, variant,
enum, flags or a resource defined in the component takes the name (the
first export naming it wins); a type that already has a name (one of an
imported interface, or exported before) is `use`d.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from componentize.component import typedefs as t
from componentize.component.model import (
    AliasSection,
    CanonLift,
    CanonSection,
    Component,
    ComponentSection,
    ExportSection,
    ImportSection,
    InlineExports,
    Instance,
    InstanceSection,
    Instantiate,
    TypeSection,
)
from componentize.component.sorts import AliasExport, AliasOuter, ExternName, Sort, SortIdx
from componentize.component.wit_from_types import Entry, NominalBody, WorldDecoder, WorldScope
from componentize.wit import model as wit

Item = Entry | wit.Function | dict[str, "Item"] | Component | None
"""A value of one of the index spaces: a type entry, a function (its
signature), an instance (its exports by name), a component, or None for
what WIT cannot say."""

_ROOT = wit.PackageName("root", "component")


@dataclass
class _Spaces:
    funcs: list[Item] = field(default_factory=list)
    instances: list[Item] = field(default_factory=list)
    components: list[tuple[Component, _ComponentScope]] = field(default_factory=list)


class _ComponentScope(WorldScope):
    """One component's definitions.  The top one builds the world; a nested
    one binds its imports to `args` and collects its exports."""

    def __init__(
        self,
        decoder: WorldDecoder,
        world: wit.World,
        parent: _ComponentScope | None = None,
        args: dict[str, Item] | None = None,
    ) -> None:
        super().__init__(decoder, world)
        self.outer = parent
        self.parent = parent
        self.args = args
        self.spaces = _Spaces()
        self.exports: dict[str, Item] = {}

    @property
    def top(self) -> bool:
        return self.args is None

    # ---- walking sections

    def walk(self, component: Component) -> None:
        for section in component.sections:
            if isinstance(section, TypeSection):
                for dt in section.types:
                    self.entries.append(self.define_type(dt))
            elif isinstance(section, ImportSection):
                for imp in section.imports:
                    self.import_(imp.name.name, imp.desc)
            elif isinstance(section, AliasSection):
                for alias in section.aliases:
                    self.alias(alias)
            elif isinstance(section, CanonSection):
                self.canons(section)
            elif isinstance(section, ComponentSection):
                self.spaces.components.append((section.component, self))
            elif isinstance(section, InstanceSection):
                for inst in section.instances:
                    self.spaces.instances.append(self.instance_value(inst))
            elif isinstance(section, ExportSection):
                for exp in section.exports:
                    self.export(exp.name.name, exp.item, exp.desc)

    def define_type(self, dt: t.DefType) -> Entry:
        """A resource, record, variant, enum or flags is a TypeDef without a
        name until an export names it; it can be referred to before."""
        if isinstance(dt, t.ResourceType):
            return wit.TypeDef("", wit.Resource())
        entry = self.define(dt)
        return wit.TypeDef("", entry.body) if isinstance(entry, NominalBody) else entry

    def typedef(
        self, name: str, desc: t.TypeExtern, owner: wit.Interface | wit.World
    ) -> wit.TypeDef:
        """An imported type: one defined here unnamed takes the import's name."""
        entry = None if desc.eq is None else self.entry(desc.eq)
        if isinstance(entry, wit.TypeDef) and entry.name == "" and entry.owner is None:
            entry.name, entry.owner = name, owner
            return entry
        return super().typedef(name, desc, owner)

    def canons(self, section: CanonSection) -> None:
        for canon in section.canons:
            if isinstance(canon, CanonLift):
                self.spaces.funcs.append(self.signature(canon.type))

    def signature(self, type_index: int) -> wit.Function:
        ft = self.entry(type_index)
        if not isinstance(ft, t.FuncType):
            raise self.error(f"type {type_index} is not a func type")
        params = [(n, self.valtype(v)) for n, v in ft.params]
        return wit.Function("", params, self.opt(ft.result), is_async=ft.is_async)

    # ---- index spaces

    def space(self, sort: Sort) -> list[Item] | None:
        if sort is Sort.FUNC:
            return self.spaces.funcs
        if sort is Sort.INSTANCE:
            return self.spaces.instances
        return None

    def lookup(self, sortidx: SortIdx) -> Item:
        if sortidx.sort is Sort.COMPONENT:
            return self.spaces.components[sortidx.index][0]
        if sortidx.sort is Sort.TYPE:
            return self.entry(sortidx.index)
        space = self.space(sortidx.sort)
        if space is None:
            return None
        if not 0 <= sortidx.index < len(space):
            raise self.error(f"{sortidx.sort.text} index {sortidx.index} out of range")
        return space[sortidx.index]

    def add(self, sort: Sort, value: Item) -> None:
        if sort is Sort.COMPONENT:
            raise self.error("components as values are not supported")
        if sort is Sort.TYPE:
            if value is None or isinstance(value, (dict, wit.Function, Component)):
                raise self.error("a type index bound to something that is not a type")
            self.entries.append(value)
            return
        space = self.space(sort)
        if space is not None:
            space.append(value)

    def alias(self, alias: AliasExport | AliasOuter | object) -> None:
        if isinstance(alias, AliasExport):
            inst = self.lookup(SortIdx(Sort.INSTANCE, alias.instance))
            value = inst.get(alias.name) if isinstance(inst, dict) else None
            if alias.sort is Sort.TYPE and value is None:
                raise self.error(f"no type {alias.name!r} in instance {alias.instance}")
            self.add(alias.sort, value)
        elif isinstance(alias, AliasOuter):
            self.outer_alias(alias)

    def outer_alias(self, alias: AliasOuter) -> None:
        scope: _ComponentScope | None = self
        for _ in range(alias.count):
            scope = scope.parent if scope is not None else None
        if scope is None:
            raise self.error(f"outer alias {alias.count} out too far")
        if alias.sort is Sort.COMPONENT:
            self.spaces.components.append(scope.spaces.components[alias.index])
        else:
            self.add(alias.sort, scope.lookup(SortIdx(alias.sort, alias.index)))

    # ---- imports

    def import_(self, name: str, desc: t.ExternDesc) -> None:
        if self.args is not None:
            self.bind(name, desc)
        elif isinstance(desc, t.InstanceExtern | t.FuncExtern | t.TypeExtern):
            self.item(t.ImportDecl(ExternName(name), desc), self.world.imports)
            if isinstance(desc, t.InstanceExtern):
                iface = self.instances[-1]
                self.spaces.instances.append({**iface.types, **iface.functions})
            elif isinstance(desc, t.FuncExtern):
                fn = self.world.imports[name].item
                self.spaces.funcs.append(fn if isinstance(fn, wit.Function) else None)
        else:
            raise self.error(f"import {name!r} is a {type(desc).__name__}, not WIT")

    def bind(self, name: str, desc: t.ExternDesc) -> None:
        assert self.args is not None
        if name not in self.args:
            raise self.error(f"nested component import {name!r} has no argument")
        value = self.args[name]
        sort = _SORTS.get(type(desc))
        if sort is None:
            raise self.error(f"nested component import {name!r} is not WIT")
        self.add(sort, value)

    # ---- instances

    def instance_value(self, inst: Instance) -> Item:
        if isinstance(inst, InlineExports):
            return {str(name): self.lookup(item) for name, item in inst.exports}
        assert isinstance(inst, Instantiate)
        component, scope = self.spaces.components[inst.component]
        args = {name: self.lookup(item) for name, item in inst.args}
        nested = _ComponentScope(self.decoder, self.world, scope, args)
        nested.walk(component)
        return nested.exports

    # ---- exports

    def export(self, name: str, item: SortIdx, desc: t.ExternDesc | None) -> None:
        value = self.lookup(item)
        if isinstance(desc, t.FuncExtern):
            value = self.signature(desc.type)
        if item.sort is Sort.TYPE:
            value = self.name_type(name, value)
        self.add(item.sort, value)
        self.exports[name] = value
        if self.top:
            self.world_export(name, item.sort, value)

    def name_type(self, name: str, value: Item) -> wit.TypeDef:
        """The type exported as `name` (see the module docstring)."""
        if isinstance(value, NominalBody):
            td = wit.TypeDef(name, value.body)
            self.entries[:] = [td if e is value else e for e in self.entries]
            return td
        if isinstance(value, wit.TypeDef) and value.name == "" and value.owner is None:
            value.name = name
            return value
        if isinstance(value, wit.TypeDef):
            return wit.TypeDef(name, wit.Alias(wit.TypeRef(value)))
        if value is None or isinstance(value, (dict, wit.Function, Component, *t.DEF_TYPES)):
            raise self.error(f"type export {name!r} is not a value type")
        return wit.TypeDef(name, wit.Alias(value))

    def world_export(self, name: str, sort: Sort, value: Item) -> None:
        exports = self.world.exports
        if sort is Sort.FUNC and isinstance(value, wit.Function):
            exports[name] = wit.WorldItem(name, self.name_function(value, name, self.world.types))
        elif sort is Sort.INSTANCE and isinstance(value, dict):
            exports[name] = wit.WorldItem(name, self.interface_of(name, value))
        elif sort is Sort.TYPE and isinstance(value, wit.TypeDef):
            value.owner = value.owner or self.world
            self.world.types[name] = value
        else:
            raise self.error(f"export {name!r} is a {sort.text} WIT cannot describe")

    def interface_of(self, name: str, exports: dict[str, Item]) -> wit.Interface:
        iface = self.decoder.new_interface(name)
        for key, value in exports.items():
            if isinstance(value, wit.TypeDef):
                iface.types[key] = self.adopt(iface, key, value)
        for key, value in exports.items():
            if isinstance(value, wit.Function):
                iface.functions[key] = self.name_function(value, key, iface.types)
            elif not isinstance(value, wit.TypeDef):
                raise self.error(f"export {key!r} of {name!r} is not a type or a function")
        return iface if iface.name is None else self.decoder.interface(name, iface)

    @staticmethod
    def adopt(iface: wit.Interface, key: str, td: wit.TypeDef) -> wit.TypeDef:
        if td.owner is None and td.name == key:
            td.owner = iface
            return td
        return wit.TypeDef(key, wit.Alias(wit.TypeRef(td)), owner=iface)


_SORTS: dict[type, Sort] = {
    t.FuncExtern: Sort.FUNC,
    t.TypeExtern: Sort.TYPE,
    t.InstanceExtern: Sort.INSTANCE,
}


def component_world(
    component: Component, where: str = "<component>"
) -> tuple[wit.Resolve, wit.World]:
    """The world of `component`: `root:component/root`, as wasm-tools names it."""
    decoder = WorldDecoder(where)
    decoder.union = True
    world = wit.World("root")
    root = wit.Package(_ROOT, worlds={"root": world})
    world.package = root
    decoder.packages[_ROOT] = root
    _ComponentScope(decoder, world).walk(component)
    decoder.world = world
    return decoder.resolve()
