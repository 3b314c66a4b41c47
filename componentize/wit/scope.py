"""Name resolution inside one interface or world: `use`, type definitions,
type expressions and functions, with duplicate and cycle checks.

Named types are created first (so later items may refer to earlier or later
ones), bodies afterwards; the types end up topologically ordered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from componentize.errors import WitError
from componentize.wit import ast
from componentize.wit import model as m
from componentize.wit.graph import topological_order
from componentize.wit.lexer import Span


@dataclass(frozen=True)
class Target:
    """What to keep: `@since` items up to `version` (None: all) in packages of
    that release line, `@unstable` items whose feature is enabled."""

    version: m.Version | None = None
    features: frozenset[str] = frozenset()
    all_features: bool = False

    def on_track(self, pkg: m.Version | None) -> bool:
        """Whether a package version belongs to the target's release line."""
        v = self.version
        if v is None or pkg is None:
            return False
        return pkg.major == v.major and (v.major != 0 or pkg.minor == v.minor)

    def keep(self, gates: ast.Gates, gated: bool) -> bool:
        if gates.unstable is not None and not (
            self.all_features or gates.unstable in self.features
        ):
            return False
        if gated and gates.since is not None and self.version is not None:
            return _release(gates.since) <= _release(self.version)
        return True


def _release(v: m.Version) -> tuple[int, int, int, bool, str]:
    # semver: a pre-release sorts before its release
    return (v.major, v.minor, v.patch, not v.pre, v.pre)


def stability(g: ast.Gates) -> m.Stability:
    if g == ast.NO_GATES:
        return m.UNSTABLE_NONE
    return m.Stability(g.since, g.unstable, g.deprecated)


# an interface lookup: use-path -> resolved interface (or error)
InterfaceLookup = Callable[[ast.UsePath], m.Interface]


class Scope:
    """The type and function namespace of one interface or world."""

    def __init__(
        self,
        owner: m.Interface | m.World,
        lookup: InterfaceLookup,
        keep: Callable[[ast.Gates], bool],
    ) -> None:
        self.owner = owner
        self.lookup = lookup
        self.keep = keep
        self.types: dict[str, m.TypeDef] = {}
        self.spans: dict[str, Span] = {}  # lower-cased name -> where defined
        self.type_spans: dict[str, Span] = {}
        self.pending: dict[str, ast.TypeItem] = {}
        self.in_progress: set[str] = set()
        self.used_from: list[m.Interface] = []
        self.defined: set[str] = set()  # names of type definitions (not `use`s) so far
        self.replaced: set[int] = set()  # ids of type items a later `use` replaced
        self.items: dict[str, ast.TypeItem] = {}  # type definitions by name, for spans

    # ---------------------------------------------------------- declarations

    def declare(self, name: str, span: Span) -> None:
        low = name.lower()
        if low in self.spans:
            first = self.spans[low]
            raise span.error(f"`{name}` is defined twice (first at {first.line}:{first.col})")
        self.spans[low] = span

    def add_use(self, item: ast.UseItem) -> list[m.TypeDef]:
        if not self.keep(item.gates):
            return []
        source = self.lookup(item.path)
        if source is self.owner:
            raise item.path.span.error("an interface cannot `use` itself")
        if source not in self.used_from:
            self.used_from.append(source)
        out = []
        for orig, alias in item.names:
            target = source.types.get(orig.name)
            if target is None:
                raise orig.span.error(f"type `{orig.name}` is not defined in `{item.path}`")
            local = alias or orig
            if local.name in self.defined:
                # wit-parser lets a later `use` replace an earlier type of the
                # same name (and refuses the reverse order): so do we
                self.defined.discard(local.name)
                self.replaced.add(id(self.pending.pop(local.name)))
                del self.spans[local.name.lower()]
            self.declare(local.name, local.span)
            td = m.TypeDef(
                local.name, m.Alias(m.TypeRef(target)), self.owner, stability(item.gates)
            )
            self.types[local.name] = td
            self.type_spans[local.name] = local.span
            out.append(td)
        return out

    def add_type(self, item: ast.TypeItem) -> m.TypeDef | None:
        if not self.keep(item.gates):
            return None
        name = item.name
        self.declare(name.name, name.span)
        self.defined.add(name.name)
        self.items[name.name] = item
        body: m.TypeBody = (
            m.Resource() if isinstance(item, ast.ResourceItem) else m.Alias(m.Primitive("bool"))
        )  # placeholder until `finish`
        td = m.TypeDef(name.name, body, self.owner, stability(item.gates), name.docs)
        self.types[name.name] = td
        self.type_spans[name.name] = name.span
        self.pending[name.name] = item
        return td

    def finish_types(self) -> None:
        """Resolve every body, reject cycles, order definitions before uses."""
        for name in list(self.pending):
            self.resolve_body(name)
        self.types = self.ordered()

    def resolve_body(self, name: str) -> None:
        item = self.pending.pop(name, None)
        if item is None:
            return
        self.in_progress.add(name)
        td = self.types[name]
        if isinstance(item, ast.TypeAliasItem):
            td.body = m.Alias(self.alias_target(item.type))
        elif isinstance(item, ast.RecordItem):
            self.unique([f for f, _ in item.fields], "field")
            td.body = m.Record([m.Field(f.name, self.ty(t), f.docs) for f, t in item.fields])
        elif isinstance(item, ast.VariantItem):
            self.unique([c for c, _ in item.cases], "case")
            td.body = m.Variant(
                [m.Case(c.name, None if t is None else self.ty(t), c.docs) for c, t in item.cases]
            )
        elif isinstance(item, ast.EnumItem):
            self.unique(item.cases, "case")
            td.body = m.Enum([c.name for c in item.cases], [c.docs for c in item.cases])
        elif isinstance(item, ast.FlagsItem):
            self.unique(item.flags, "flag")
            td.body = m.Flags([c.name for c in item.flags], [c.docs for c in item.flags])
        self.in_progress.discard(name)

    def alias_target(self, t: ast.TypeExpr) -> m.Type:
        # `type x = r` for a resource `r` aliases the resource itself
        if isinstance(t, ast.NamedT):
            td = self.named(t.name, t.span)
            return m.TypeRef(td)
        return self.ty(t)

    def unique(self, names: list[ast.Named], what: str) -> None:
        seen: dict[str, Span] = {}
        for n in names:
            low = n.name.lower()
            if low in seen:
                raise n.span.error(f"{what} `{n.name}` is defined twice")
            seen[low] = n.span

    # ---------------------------------------------------------- type expressions

    def named(self, name: str, span: Span) -> m.TypeDef:
        td = self.types.get(name)
        if td is None:
            raise span.error(f"unknown type `{name}`")
        return td

    def is_resource(self, td: m.TypeDef, span: Span) -> bool:
        """Whether `td` is (an alias of) a resource.  Pending bodies of this
        scope are read from their syntax, not resolved first: resolving them
        here would recurse once per link of a long chain of types."""
        seen: set[int] = set()
        while True:
            if id(td) in seen:
                raise span.error(f"type `{td.name}` refers to itself")
            seen.add(id(td))
            item = self.pending.get(td.name) if td.owner is self.owner else None
            if item is None:
                target = m.alias_of(td)
                if target is None:
                    return isinstance(td.body, m.Resource)
                td = target
            elif isinstance(item, ast.TypeAliasItem) and isinstance(item.type, ast.NamedT):
                td = self.named(item.type.name, item.type.span)
            else:
                return isinstance(item, ast.ResourceItem)

    def resource(self, name: str, span: Span) -> m.TypeDef:
        td = self.named(name, span)
        if not self.is_resource(td, span):
            raise span.error(f"`{name}` is not a resource")
        return td

    def ty(self, t: ast.TypeExpr) -> m.Type:
        if isinstance(t, ast.PrimT):
            return m.Primitive(t.name)
        if isinstance(t, ast.NamedT):
            td = self.named(t.name, t.span)
            return m.Own(td) if self.is_resource(td, t.span) else m.TypeRef(td)
        if isinstance(t, ast.HandleT):
            td = self.resource(t.name, t.span)
            return m.Own(td) if t.kind == "own" else m.Borrow(td)
        if isinstance(t, ast.ListT):
            return m.ListType(self.ty(t.element), t.size)
        if isinstance(t, ast.OptionT):
            return m.OptionType(self.ty(t.inner))
        if isinstance(t, ast.ResultT):
            return m.ResultType(self.opt(t.ok), self.opt(t.err))
        if isinstance(t, ast.TupleT):
            return m.TupleType(tuple(self.ty(x) for x in t.types))
        if isinstance(t, ast.FutureT):
            return m.FutureType(self.opt(t.inner))
        if isinstance(t, ast.MapT):
            return m.MapType(self.ty(t.key), self.ty(t.value))
        return m.StreamType(self.opt(t.inner))

    def opt(self, t: ast.TypeExpr | None) -> m.Type | None:
        return None if t is None else self.ty(t)

    # ---------------------------------------------------------- ordering and cycles

    def ordered(self) -> dict[str, m.TypeDef]:
        def deps(name: str) -> list[tuple[str, str]]:  # edge: the type that refers
            return [(dep, name) for dep in local_deps(self.types[name], self.owner)]

        def cycle(name: str, via: str) -> WitError:
            # located at `via`'s reference to `name`, the cycle's first step (wit-parser's place)
            where = self.reference(via, name) or self.type_spans[via]
            return where.error(f"type `{name}` refers to itself, through `{via}`")

        return {name: self.types[name] for name in topological_order(self.types, deps, cycle)}

    def reference(self, referrer: str, name: str) -> Span | None:
        """Where the definition of `referrer` first names the type `name`."""
        item = self.items.get(referrer)
        if isinstance(item, ast.TypeAliasItem):
            exprs: list[ast.TypeExpr | None] = [item.type]
        elif isinstance(item, ast.RecordItem):
            exprs = [t for _, t in item.fields]
        elif isinstance(item, ast.VariantItem):
            exprs = [t for _, t in item.cases]
        else:
            return None
        stack = list(reversed(exprs))
        while stack:
            t = stack.pop()
            if isinstance(t, ast.NamedT | ast.HandleT) and t.name == name:
                return t.span
            stack.extend(reversed(_sub_exprs(t)))
        return None

    # ---------------------------------------------------------- functions

    def func(self, item: ast.FuncItem, resource: m.TypeDef | None = None) -> tuple[str, m.Function]:
        sig = item.sig
        self.unique([p.name for p in sig.params], "parameter")
        params = [(p.name.name, self.ty(p.type)) for p in sig.params]
        result = self.opt(sig.result)
        name = item.name.name
        if result is not None and holds_borrow(result):
            # a borrow lives only for the call: a result would outlive it
            raise item.name.span.error(
                f"function `{name}` returns a type holding a `borrow<T>`; "
                "only parameters may hold borrows"
            )
        if resource is None:
            key = name
        elif item.kind == "constructor":
            key = f"[constructor]{resource.name}"
            result = self.constructor_result(result, resource, sig)
        elif item.kind == "method":
            key = f"[method]{resource.name}.{name}"
            for p in sig.params:
                if p.name.name == "self":
                    raise p.name.span.error("a method's parameters cannot include `self`")
            params.insert(0, ("self", m.Borrow(resource)))
        else:
            key = f"[static]{resource.name}.{name}"
        fn = m.Function(
            name,
            params,
            result,
            item.kind,
            resource,
            sig.is_async,
            stability(item.gates),
            item.name.docs,
        )
        return key, fn

    def constructor_result(
        self, result: m.Type | None, resource: m.TypeDef, sig: ast.FuncSig
    ) -> m.Type:
        if result is None:
            return m.Own(resource)
        if isinstance(result, m.ResultType) and result.ok == m.Own(resource):
            return result
        r = resource.name
        where = sig.span if sig.result is None else sig.result.span  # the result written
        raise where.error(f"a constructor returns `{r}` or `result<{r}, ...>`")

    def resource_funcs(self, item: ast.ResourceItem) -> list[tuple[str, m.Function, Span]]:
        td = self.types[item.name.name]
        out = []
        seen: dict[str, Span] = {}
        for f in item.funcs or []:
            if not self.keep(f.gates):
                continue
            low = f.name.name.lower()
            if low in seen:
                raise f.name.span.error(f"`{f.name.name}` is defined twice in resource `{td.name}`")
            seen[low] = f.name.span
            key, fn = self.func(f, td)
            out.append((key, fn, f.name.span))
        return out


def type_refs(t: m.Type | None) -> list[m.TypeDef]:
    """The named types a type expression mentions directly."""
    if t is None or isinstance(t, m.Primitive):
        return []
    if isinstance(t, m.TypeRef):
        return [t.definition]
    if isinstance(t, m.Own | m.Borrow):
        return [t.resource]
    if isinstance(t, m.ListType):
        return type_refs(t.element)
    if isinstance(t, m.OptionType):
        return type_refs(t.inner)
    if isinstance(t, m.ResultType):
        return type_refs(t.ok) + type_refs(t.err)
    if isinstance(t, m.TupleType):
        return [d for x in t.types for d in type_refs(x)]
    if isinstance(t, m.MapType):
        return type_refs(t.key) + type_refs(t.value)
    return type_refs(t.inner)


def _sub_exprs(t: ast.TypeExpr | None) -> list[ast.TypeExpr | None]:
    """The type expressions written directly inside `t`."""
    if isinstance(t, ast.ListT):
        return [t.element]
    if isinstance(t, ast.OptionT):
        return [t.inner]
    if isinstance(t, ast.ResultT):
        return [t.ok, t.err]
    if isinstance(t, ast.TupleT):
        return list(t.types)
    if isinstance(t, ast.MapT):
        return [t.key, t.value]
    if isinstance(t, ast.FutureT | ast.StreamT):
        return [t.inner]
    return []


def _parts(t: m.Type) -> list[m.Type]:
    """The types directly inside `t` (a named type: its body's)."""
    if isinstance(t, m.TypeRef):
        b = t.definition.body
        if isinstance(b, m.Alias):
            return [b.target]
        if isinstance(b, m.Record):
            return [f.type for f in b.fields]
        if isinstance(b, m.Variant):
            return [c.type for c in b.cases if c.type is not None]
        return []
    if isinstance(t, m.ListType):
        return [t.element]
    if isinstance(t, m.OptionType):
        return [t.inner]
    if isinstance(t, m.ResultType | m.TupleType):
        types = t.types if isinstance(t, m.TupleType) else (t.ok, t.err)
        return [x for x in types if x is not None]
    if isinstance(t, m.MapType):
        return [t.key, t.value]
    if isinstance(t, m.FutureType | m.StreamType):
        return [] if t.inner is None else [t.inner]
    return []


def holds_borrow(t: m.Type) -> bool:
    """Whether a `borrow<T>` is anywhere inside `t`, through named types too
    (iterative: chains of named types may be long)."""
    stack, seen = [t], set()
    while stack:
        x = stack.pop()
        if isinstance(x, m.Borrow):
            return True
        if isinstance(x, m.TypeRef):
            if id(x.definition) in seen:
                continue
            seen.add(id(x.definition))
        stack.extend(_parts(x))
    return False


def body_refs(td: m.TypeDef) -> list[m.TypeDef]:
    b = td.body
    if isinstance(b, m.Alias):
        return type_refs(b.target)
    if isinstance(b, m.Record):
        return [d for f in b.fields for d in type_refs(f.type)]
    if isinstance(b, m.Variant):
        return [d for c in b.cases for d in type_refs(c.type)]
    return []


def local_deps(td: m.TypeDef, owner: object) -> list[str]:
    return [d.name for d in body_refs(td) if d.owner is owner]


def fill_interface(
    iface: m.Interface,
    members: list[ast.InterfaceMember],
    lookup: InterfaceLookup,
    keep: Callable[[ast.Gates], bool],
) -> Scope:
    """Resolve an interface body (named or inline) into `iface`."""
    scope = Scope(iface, lookup, keep)
    for member in members:
        if isinstance(member, ast.UseItem):
            scope.add_use(member)
        elif not isinstance(member, ast.FuncItem):
            scope.add_type(member)
    scope.finish_types()
    iface.types = scope.types
    for member in members:
        if isinstance(member, ast.FuncItem) and keep(member.gates):
            scope.declare(member.name.name, member.name.span)
            key, fn = scope.func(member)
            iface.functions[key] = fn
        elif (
            isinstance(member, ast.ResourceItem)
            and member.name.name in scope.types
            and id(member) not in scope.replaced
        ):
            for key, fn, _ in scope.resource_funcs(member):
                iface.functions[key] = fn
    return scope
