"""`structure`: a model as plain nested tuples and dicts, comparable with `==`.

TypeDefs compare by identity, so two resolutions of the same text are never
`==`; their structures are.  Named types are written as (owner, name), where
the owner is an interface's qualified name, `pkg/world` for a world, or
`pkg/world#key` for an inline interface.  Interfaces, worlds, functions and
world items are dicts (order does not matter); fields, cases and parameters
are tuples (order matters).  Docs are left out unless `docs=True`.
"""

from __future__ import annotations

from typing import Any

from componentize.wit import model as m

Owners = dict[int, str]


def _owners(pkg: m.Package) -> Owners:
    out: Owners = {}
    for iface in pkg.interfaces.values():
        out[id(iface)] = iface.qualified_name()
    for world in pkg.worlds.values():
        wname = f"{pkg.name}/{world.name}"
        out[id(world)] = wname
        for table in (world.imports, world.exports):
            for key, item in table.items():
                if isinstance(item.item, m.Interface) and item.item.name is None:
                    out.setdefault(id(item.item), f"{wname}#{key}")
    return out


class _Describe:
    def __init__(self, docs: bool) -> None:
        self.docs = docs
        self.owners: Owners = {}

    def ref(self, td: m.TypeDef) -> tuple[str, str]:
        owner = td.owner
        if owner is None:
            return ("?", td.name)
        label = self.owners.get(id(owner))
        if label is None:
            if isinstance(owner, m.Interface) and owner.name is not None:
                label = owner.qualified_name()
            else:  # an inline interface or world of another package
                name = owner.name if owner.name else "<inline>"
                pkg = owner.package.name if owner.package else "?"
                label = f"{pkg}/{name}"
        return (label, td.name)

    def ty(self, t: m.Type | None) -> Any:
        if t is None:
            return None
        if isinstance(t, m.Primitive):
            return t.name
        if isinstance(t, m.TypeRef):
            return ("ref", self.ref(t.definition))
        if isinstance(t, m.Own):
            return ("own", self.ref(t.resource))
        if isinstance(t, m.Borrow):
            return ("borrow", self.ref(t.resource))
        if isinstance(t, m.ListType):
            return ("list", self.ty(t.element), t.size)
        if isinstance(t, m.OptionType):
            return ("option", self.ty(t.inner))
        if isinstance(t, m.ResultType):
            return ("result", self.ty(t.ok), self.ty(t.err))
        if isinstance(t, m.TupleType):
            return ("tuple", tuple(self.ty(x) for x in t.types))
        if isinstance(t, m.MapType):
            return ("map", self.ty(t.key), self.ty(t.value))
        if isinstance(t, m.FutureType):
            return ("future", self.ty(t.inner))
        return ("stream", self.ty(t.inner))

    def d(self, text: str) -> str | None:
        return text if self.docs else None

    def body(self, b: m.TypeBody) -> Any:
        if isinstance(b, m.Alias):
            return ("alias", self.ty(b.target))
        if isinstance(b, m.Resource):
            return ("resource",)
        if isinstance(b, m.Record):
            return ("record", tuple((f.name, self.ty(f.type), self.d(f.docs)) for f in b.fields))
        if isinstance(b, m.Variant):
            return ("variant", tuple((c.name, self.ty(c.type), self.d(c.docs)) for c in b.cases))
        kind = "enum" if isinstance(b, m.Enum) else "flags"
        docs = tuple(b.docs) if self.docs and any(b.docs) else None
        return (kind, tuple(b.names), docs)

    def typedef(self, td: m.TypeDef) -> Any:
        return (td.name, self.body(td.body), td.stability, self.d(td.docs))

    def func(self, fn: m.Function) -> Any:
        params = tuple((n, self.ty(t)) for n, t in fn.params)
        res = None if fn.resource is None else self.ref(fn.resource)
        return (
            fn.name,
            fn.kind,
            res,
            params,
            self.ty(fn.result),
            fn.is_async,
            fn.stability,
            self.d(fn.docs),
        )

    def interface(self, iface: m.Interface) -> Any:
        return (
            "interface",
            iface.stability,
            {name: self.typedef(td) for name, td in iface.types.items()},
            {key: self.func(fn) for key, fn in iface.functions.items()},
            self.d(iface.docs),
        )

    def world_item(self, item: m.WorldItem) -> Any:
        obj = item.item
        if isinstance(obj, m.Interface) and obj.name is not None:
            inner: Any = ("interface", obj.qualified_name())
        elif isinstance(obj, m.Interface):
            inner = ("inline", self.interface(obj))
        elif isinstance(obj, m.Function):
            inner = ("func", self.func(obj))
        else:
            inner = ("type", self.typedef(obj))
        return (inner, item.stability)

    def world(self, world: m.World) -> Any:
        return (
            "world",
            world.stability,
            {k: self.world_item(v) for k, v in world.imports.items()},
            {k: self.world_item(v) for k, v in world.exports.items()},
            self.d(world.docs),
        )

    def package(self, pkg: m.Package) -> Any:
        self.owners = _owners(pkg)
        return (
            "package",
            str(pkg.name),
            {name: self.interface(i) for name, i in pkg.interfaces.items()},
            {name: self.world(w) for name, w in pkg.worlds.items()},
            self.d(pkg.docs),
        )


def structure(obj: m.Package | m.Resolve, *, docs: bool = False) -> Any:
    """A comparable picture of a package (or of every package of a Resolve,
    keyed by package name)."""
    describe = _Describe(docs)
    if isinstance(obj, m.Resolve):
        return {str(p.name): describe.package(p) for p in obj.packages}
    return describe.package(obj)
