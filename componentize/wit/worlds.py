"""World resolution: imports, exports, `include` with renames, and the
implicit imports of interfaces that imported/exported ones `use`.

Elaboration follows WIT.md: every interface an item depends on (through
`use`) is imported before the item, unless it is itself exported (for
dependencies of exports).  After this, a world's `imports` lists everything a
component of that world imports, dependencies first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

from componentize.errors import InternalError
from componentize.wit import ast
from componentize.wit import model as m
from componentize.wit.graph import topological_order
from componentize.wit.lexer import Span
from componentize.wit.scope import InterfaceLookup, Scope, fill_interface, stability

WorldLookup = Callable[[ast.UsePath], m.World]


def interface_deps(iface: m.Interface) -> list[m.Interface]:
    """Interfaces `iface` uses, transitively, dependencies first."""

    def uses(i: m.Interface) -> Iterator[tuple[m.Interface, None]]:
        for td in i.types.values():
            target = m.alias_of(td)
            src = None if target is None else target.owner
            if isinstance(src, m.Interface) and src is not i:
                yield src, None

    def cycle(i: m.Interface, _: None) -> InternalError:
        return InternalError(f"interface `{i.name}` uses itself")  # the resolver refuses these

    return topological_order([iface], uses, cycle)[:-1]


def world_key(iface: m.Interface) -> str:
    return iface.qualified_name()


class WorldBuilder:
    def __init__(
        self,
        world: m.World,
        lookup: InterfaceLookup,
        world_lookup: WorldLookup,
        keep: Callable[[ast.Gates], bool],
    ) -> None:
        self.world = world
        self.lookup = lookup
        self.world_lookup = world_lookup
        self.keep = keep
        self.scope = Scope(world, lookup, keep)
        self.spans: dict[tuple[str, str], Span] = {}  # (direction, lower key) -> where
        self.exported_ifaces: set[int] = set()
        # (direction, key) of interfaces added only as a dependency or by an
        # `include`: written again explicitly, they stay one item
        self.implicit: set[tuple[str, str]] = set()
        self.clones: dict[int, m.TypeDef] = {}  # included worlds' types, by id of the original
        self.retyped: dict[tuple[int, str], m.Function] = {}

    def build(self, members: list[ast.WorldMember]) -> None:
        kept = [x for x in members if self.keep(x.gates)]
        type_items: dict[int, list[m.TypeDef]] = {}
        for x in kept:
            if isinstance(x, ast.UseItem):
                type_items[id(x)] = self.scope.add_use(x)
            elif not isinstance(x, ast.ExternItem | ast.IncludeItem):
                td = self.scope.add_type(x)
                type_items[id(x)] = [td] if td else []
        self.scope.finish_types()
        self.world.types = self.scope.types
        for x in kept:  # named interfaces exported explicitly are not imported for deps
            if isinstance(x, ast.ExternItem) and x.direction == "export" and x.kind == "path":
                assert x.path is not None
                self.exported_ifaces.add(id(self.lookup(x.path)))
        for x in kept:
            if isinstance(x, ast.ExternItem):
                self.extern(x)
            elif isinstance(x, ast.IncludeItem):
                self.include(x)
            else:
                self.types(x, type_items[id(x)])

    # ---------------------------------------------------------- items

    def add(self, direction: str, key: str, item: m.WorldItem, span: Span, dedupe: bool) -> None:
        table = self.world.imports if direction == "import" else self.world.exports
        low = (direction, key.lower())
        if (direction, key) in self.implicit and not dedupe:
            self.implicit.discard((direction, key))
            table[key] = item
            return
        if low in self.spans or key in table:
            if dedupe:
                return
            first = self.spans.get(low)
            where = f" (first at {first.line}:{first.col})" if first else ""
            raise span.error(f"`{key}` is {direction}ed twice{where}")
        self.spans[low] = span
        table[key] = item

    def import_deps(self, iface: m.Interface, span: Span, for_export: bool) -> None:
        for dep in interface_deps(iface):
            if for_export and id(dep) in self.exported_ifaces:
                continue
            if dep.name is not None:
                self.add_implicit(dep, span)

    def add_implicit(self, iface: m.Interface, span: Span) -> None:
        key = world_key(iface)
        if key not in self.world.imports:
            self.implicit.add(("import", key))
        self.add("import", key, m.WorldItem(key, iface), span, True)

    def extern(self, x: ast.ExternItem) -> None:
        span = x.span or (x.name.span if x.name else x.path.span if x.path else None)
        assert span is not None
        stab = stability(x.gates)
        export = x.direction == "export"
        if x.kind in ("path", "named-path"):
            assert x.path is not None
            iface = self.lookup(x.path)
            self.import_deps(iface, x.path.span, export)
            key = world_key(iface) if x.name is None else x.name.name
            self.add(x.direction, key, m.WorldItem(key, iface, stab), x.path.span, False)
        elif x.kind == "func":
            assert x.name is not None and x.func is not None
            fn_item = ast.FuncItem(x.name, x.func, gates=x.gates)
            _, fn = self.scope.func(fn_item)
            self.add(
                x.direction, x.name.name, m.WorldItem(x.name.name, fn, stab), x.name.span, False
            )
        else:
            assert x.name is not None and x.interface is not None
            inline = m.Interface(None, package=self.world.package, stability=stab, docs=x.name.docs)
            fill_interface(inline, x.interface.members, self.lookup, self.keep)
            self.import_deps(inline, x.name.span, export)
            key = x.name.name
            self.add(x.direction, key, m.WorldItem(key, inline, stab), x.name.span, False)

    def types(self, x: ast.WorldMember, defs: list[m.TypeDef]) -> None:
        if id(x) in self.scope.replaced:
            return  # a later `use` of the same name replaced it
        span = x.span if isinstance(x, ast.UseItem) and x.span else None
        for td in defs:
            target = m.alias_of(td)
            if target is not None:
                src = target.owner
                if isinstance(src, m.Interface) and src.name is not None:
                    where = span or self.scope.type_spans[td.name]
                    self.import_deps(src, where, False)
                    self.add_implicit(src, where)
            where = self.scope.type_spans[td.name]
            self.add("import", td.name, m.WorldItem(td.name, td, td.stability), where, False)
        if isinstance(x, ast.ResourceItem) and x.name.name in self.scope.types:
            for key, fn, fspan in self.scope.resource_funcs(x):
                self.add("import", key, m.WorldItem(key, fn, fn.stability), fspan, False)

    # ---------------------------------------------------------- include

    def include(self, x: ast.IncludeItem) -> None:
        other = self.world_lookup(x.path)
        if other is self.world:
            raise x.path.span.error("a world cannot include itself")
        renames = {old.name: (old, new) for old, new in x.renames}
        self.clone_types(other, {k: new.name for k, (_, new) in renames.items()})
        used: set[str] = set()
        for direction, table in (("import", other.imports), ("export", other.exports)):
            for key, item in table.items():
                obj = item.item
                if isinstance(obj, m.Interface) and obj.name is not None and key == world_key(obj):
                    if key in renames:
                        old = renames[key][0]
                        raise old.span.error(f"`{key}` is an interface name and cannot be renamed")
                    mine = self.world.imports if direction == "import" else self.world.exports
                    if key not in mine:
                        self.implicit.add((direction, key))
                    self.add(direction, key, item, x.path.span, True)
                    continue
                new_key = key
                if key in renames:
                    new_key = renames[key][1].name
                    used.add(key)
                self.add_included(direction, new_key, item, x.path.span)
        iface_names = {
            i.item.name
            for i in [*other.imports.values(), *other.exports.values()]
            if isinstance(i.item, m.Interface) and i.item.name is not None
        }
        for old, _ in renames.values():
            if old.name not in used and old.name in iface_names:
                raise old.span.error(f"`{old.name}` is an interface name and cannot be renamed")
            if old.name not in used:
                raise old.span.error(f"`{old.name}` is not a plain-named item of `{x.path}`")

    def clone_types(self, other: m.World, renames: dict[str, str]) -> None:
        """The included world's own types become this world's (as wit-parser
        has it: `t` of `world v` included in `w` is `w`'s `t`), once per
        original, so two includes of one world give the same types."""
        fresh = []
        for key, item in other.imports.items():
            td = item.item
            if isinstance(td, m.TypeDef) and td.owner is other and id(td) not in self.clones:
                name = renames.get(key, key)
                self.clones[id(td)] = m.TypeDef(name, td.body, self.world, td.stability, td.docs)
                fresh.append(self.clones[id(td)])
        for clone in fresh:  # bodies after every clone exists: they may refer to each other
            clone.body = _retype_body(clone.body, self.swap)

    def swap(self, td: m.TypeDef) -> m.TypeDef:
        return self.clones.get(id(td), td)

    def included(self, obj: m.Interface | m.Function | m.TypeDef, key: str) -> object:
        """`obj` as this world has it: cloned types, functions over them
        (`with { a as b }` renames a function; methods keep their names)."""
        if isinstance(obj, m.TypeDef):
            return self.swap(obj)
        if not isinstance(obj, m.Function):
            return obj
        name = key if obj.resource is None else obj.name
        params = [(n, retype(t, self.swap)) for n, t in obj.params]
        result = None if obj.result is None else retype(obj.result, self.swap)
        resource = None if obj.resource is None else self.swap(obj.resource)
        if (name, params, result, resource) == (obj.name, obj.params, obj.result, obj.resource):
            return obj  # unchanged: the same function, however many includes reach it
        cached = self.retyped.get((id(obj), key))
        if cached is None:
            changes = {"name": name, "params": params, "result": result, "resource": resource}
            cached = dataclasses.replace(obj, **changes)  # type: ignore[arg-type]
            self.retyped[(id(obj), key)] = cached
        return cached

    def add_included(self, direction: str, key: str, item: m.WorldItem, span: Span) -> None:
        table = self.world.imports if direction == "import" else self.world.exports
        existing = table.get(key)
        obj = self.included(item.item, key)
        if existing is not None:  # even the same definition twice, as wit-parser
            raise span.error(
                f"`{key}` from the included world conflicts with an existing {direction}; "
                f"rename it with `with {{ {key} as ... }}`"
            )
        if isinstance(obj, m.TypeDef):
            self.world.types.setdefault(key, obj)
        assert isinstance(obj, m.Interface | m.Function | m.TypeDef)
        self.add(direction, key, m.WorldItem(key, obj, item.stability), span, False)


def retype(t: m.Type, swap: Callable[[m.TypeDef], m.TypeDef]) -> m.Type:
    """`t` with every named type replaced by `swap(it)`."""
    if isinstance(t, m.TypeRef):
        return m.TypeRef(swap(t.definition))
    if isinstance(t, m.Own | m.Borrow):
        return type(t)(swap(t.resource))
    if isinstance(t, m.ListType):
        return m.ListType(retype(t.element, swap), t.size)
    if isinstance(t, m.OptionType):
        return m.OptionType(retype(t.inner, swap))
    if isinstance(t, m.ResultType):
        return m.ResultType(_opt(t.ok, swap), _opt(t.err, swap))
    if isinstance(t, m.TupleType):
        return m.TupleType(tuple(retype(x, swap) for x in t.types))
    if isinstance(t, m.MapType):
        return m.MapType(retype(t.key, swap), retype(t.value, swap))
    if isinstance(t, m.FutureType):
        return m.FutureType(_opt(t.inner, swap))
    if isinstance(t, m.StreamType):
        return m.StreamType(_opt(t.inner, swap))
    return t


def _opt(t: m.Type | None, swap: Callable[[m.TypeDef], m.TypeDef]) -> m.Type | None:
    return None if t is None else retype(t, swap)


def _retype_body(body: m.TypeBody, swap: Callable[[m.TypeDef], m.TypeDef]) -> m.TypeBody:
    if isinstance(body, m.Alias):
        return m.Alias(retype(body.target, swap))
    if isinstance(body, m.Record):
        return m.Record([m.Field(f.name, retype(f.type, swap), f.docs) for f in body.fields])
    if isinstance(body, m.Variant):
        return m.Variant([m.Case(c.name, _opt(c.type, swap), c.docs) for c in body.cases])
    return body


def build_world(
    world: m.World,
    item: ast.WorldItemAst,
    lookup: InterfaceLookup,
    world_lookup: WorldLookup,
    keep: Callable[[ast.Gates], bool],
) -> None:
    WorldBuilder(world, lookup, world_lookup, keep).build(item.members)
