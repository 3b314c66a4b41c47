"""Component types from the resolved WIT model.

An imported interface becomes an `instancetype` holding a chosen subset of its
functions and exactly the named types they need, each exported by name:
records, variants ... as `(export "n" (type (eq i)))`, resources as
`(export "n" (type (sub resource)))`.  A type the interface `use`s from
another interface is not redefined: the component aliases it out of the
already imported instance of that other interface (`alias export`), and the
instancetype pulls it in with `alias outer 1` and re-exports it with an `eq`
bound, so both instances share one resource type, as hosts require.

`import_interfaces` plans that: it adds the interfaces (and types) that the
requested ones depend on and imports everything in dependency order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from componentize.component import typedefs as t
from componentize.component.builder import (
    ComponentBuilder,
    InstanceIdx,
    InstanceTypeBuilder,
    TypeIdx,
)
from componentize.errors import InternalError
from componentize.wit import model as wit

# --------------------------------------------------------------------------
# walking WIT types


def referenced_typedefs(ty: wit.Type | None) -> Iterator[wit.TypeDef]:
    """The named types `ty` mentions directly (not through their bodies)."""
    if ty is None or isinstance(ty, wit.Primitive):
        return
    if isinstance(ty, wit.TypeRef):
        yield ty.definition
    elif isinstance(ty, wit.Own | wit.Borrow):
        yield ty.resource
    elif isinstance(ty, wit.ListType | wit.OptionType):
        yield from referenced_typedefs(ty.element if isinstance(ty, wit.ListType) else ty.inner)
    elif isinstance(ty, wit.ResultType):
        yield from referenced_typedefs(ty.ok)
        yield from referenced_typedefs(ty.err)
    elif isinstance(ty, wit.TupleType):
        for item in ty.types:
            yield from referenced_typedefs(item)
    elif isinstance(ty, wit.FutureType | wit.StreamType):
        yield from referenced_typedefs(ty.inner)
    elif isinstance(ty, wit.MapType):
        yield from referenced_typedefs(ty.key)
        yield from referenced_typedefs(ty.value)


def body_typedefs(td: wit.TypeDef) -> Iterator[wit.TypeDef]:
    body = td.body
    if isinstance(body, wit.Record):
        for f in body.fields:
            yield from referenced_typedefs(f.type)
    elif isinstance(body, wit.Variant):
        for c in body.cases:
            yield from referenced_typedefs(c.type)
    elif isinstance(body, wit.Alias):
        yield from referenced_typedefs(body.target)


def function_typedefs(fn: wit.Function) -> Iterator[wit.TypeDef]:
    for _, ty in fn.params:
        yield from referenced_typedefs(ty)
    yield from referenced_typedefs(fn.result)


def is_resource(td: wit.TypeDef) -> bool:
    """True if `td` is a resource or an alias (`use`, `type x = y`) of one
    (False for an alias chain that comes back)."""
    try:
        return isinstance(wit.underlying(td).body, wit.Resource)
    except wit.AliasCycle:
        return False


def local_alias(iface: wit.Interface, td: wit.TypeDef) -> wit.TypeDef:
    """The type of `iface` that `use`s `td`, if `td` is foreign and used; else
    `td`.  References then go through the name the interface gave it."""
    if td.owner is iface:
        return td
    for mine in iface.types.values():
        if wit.alias_of(mine) is td:
            return mine
    return td


def closure(
    iface: wit.Interface, roots: Iterable[wit.TypeDef]
) -> tuple[set[wit.TypeDef], set[wit.TypeDef]]:
    """(local, foreign): the types of `iface` reachable from `roots`, and the
    types of other interfaces they refer to directly."""
    local: set[wit.TypeDef] = set()
    foreign: set[wit.TypeDef] = set()
    todo = list(roots)
    while todo:
        td = local_alias(iface, todo.pop())
        if td.owner is not iface:
            foreign.add(td)
        elif td not in local:
            local.add(td)
            used = _used_foreign(td)
            if used is not None:
                foreign.add(used)
            else:
                todo.extend(body_typedefs(td))
    return local, foreign


def _used_foreign(td: wit.TypeDef) -> wit.TypeDef | None:
    """For `use other.{x}` (an alias of another owner's type): that type."""
    target = wit.alias_of(td)
    return target if target is not None and target.owner is not td.owner else None


def _function(iface: wit.Interface, key: str) -> wit.Function:
    try:
        return iface.functions[key]
    except KeyError:
        raise InternalError(f"interface {iface.name} has no function {key!r}") from None


# --------------------------------------------------------------------------
# encoding into one scope


class _Scope:
    """Encodes WIT types into one type index space: an instancetype (`exports`
    is its builder: local named types are exported by name) or the component
    itself (`exports` is None: named types are defined structurally, and
    resources must come from imported instances)."""

    def __init__(
        self,
        define: Callable[[t.DefType], int],
        foreign: Callable[[wit.TypeDef], int],
        owner: wit.Interface | None = None,
        exports: InstanceTypeBuilder | None = None,
    ) -> None:
        self.define = define
        self.foreign = foreign
        self.owner = owner
        self.exports = exports
        self.named: dict[wit.TypeDef, t.ValType] = {}

    def valtype(self, ty: wit.Type) -> t.ValType:  # noqa: C901 - one arm per WIT type
        if isinstance(ty, wit.Primitive):
            return ty.name
        if isinstance(ty, wit.TypeRef):
            if is_resource(ty.definition):  # a bare resource name means `own`
                return self.define(t.OwnType(self.resource(ty.definition)))
            return self.typedef(ty.definition)
        if isinstance(ty, wit.Own):
            return self.define(t.OwnType(self.resource(ty.resource)))
        if isinstance(ty, wit.Borrow):
            return self.define(t.BorrowType(self.resource(ty.resource)))
        if isinstance(ty, wit.ListType):
            return self.define(t.ListType(self.valtype(ty.element), ty.size))
        if isinstance(ty, wit.OptionType):
            return self.define(t.OptionType(self.valtype(ty.inner)))
        if isinstance(ty, wit.ResultType):
            return self.define(t.ResultType(self.opt(ty.ok), self.opt(ty.err)))
        if isinstance(ty, wit.TupleType):
            return self.define(t.TupleType(tuple(self.valtype(x) for x in ty.types)))
        if isinstance(ty, wit.FutureType):
            return self.define(t.FutureType(self.opt(ty.inner)))
        if isinstance(ty, wit.StreamType):
            return self.define(t.StreamType(self.opt(ty.inner)))
        if isinstance(ty, wit.MapType):
            return self.define(t.MapType(self.valtype(ty.key), self.valtype(ty.value)))
        raise InternalError(f"unknown WIT type {ty!r}")

    def opt(self, ty: wit.Type | None) -> t.ValType | None:
        return None if ty is None else self.valtype(ty)

    def resource(self, td: wit.TypeDef) -> int:
        index = self.typedef(td)
        if not isinstance(index, int):
            raise InternalError(f"handle to {td.name}, which is not a resource")
        return index

    def typedef(self, td: wit.TypeDef) -> t.ValType:
        if self.owner is not None:
            td = local_alias(self.owner, td)
        if td not in self.named:
            self.named[td] = self._encode_typedef(td)
        return self.named[td]

    def _encode_typedef(self, td: wit.TypeDef) -> t.ValType:
        local = self.exports is not None and td.owner is self.owner
        body = td.body
        if not local:
            if isinstance(body, wit.Resource) or self.exports is not None:
                return self.foreign(td)
            if isinstance(body, wit.Alias):  # component scope: see through aliases
                return self.valtype(body.target)
            return self.define(self._structure(body))
        assert self.exports is not None
        if isinstance(body, wit.Resource):
            return self.exports.export(td.name, t.SUB_RESOURCE)
        used = _used_foreign(td)
        if used is not None:
            return self.exports.export(td.name, t.TypeExtern(self.foreign(used)))
        if isinstance(body, wit.Alias):
            target = self.valtype(body.target)
            if isinstance(target, str):
                target = self.define(t.PrimValType(target))
            return self.exports.export(td.name, t.TypeExtern(target))
        return self.exports.export(td.name, t.TypeExtern(self.define(self._structure(body))))

    def _structure(self, body: wit.TypeBody) -> t.DefValType:
        if isinstance(body, wit.Record):
            return t.RecordType(tuple((f.name, self.valtype(f.type)) for f in body.fields))
        if isinstance(body, wit.Variant):
            return t.VariantType(tuple((c.name, self.opt(c.type)) for c in body.cases))
        if isinstance(body, wit.Enum):
            return t.EnumType(tuple(body.names))
        if isinstance(body, wit.Flags):
            return t.FlagsType(tuple(body.names))
        raise InternalError(f"no structure for {body!r}")

    def functype(self, fn: wit.Function) -> int:
        params = tuple((n, self.valtype(ty)) for n, ty in fn.params)
        return self.define(t.FuncType(params, self.opt(fn.result), fn.is_async))


# --------------------------------------------------------------------------
# the component-level context


class WitEncoder:
    """Adds WIT-described imports and types to a ComponentBuilder and remembers
    which instance provides each interface's types."""

    def __init__(self, builder: ComponentBuilder) -> None:
        self.builder = builder
        self.instances: dict[wit.Interface, InstanceIdx] = {}
        self.exported_types: dict[wit.Interface, set[wit.TypeDef]] = {}
        self.aliases: dict[wit.TypeDef, TypeIdx] = {}
        self.component_scope = _Scope(builder.type, self.component_type_of)

    def component_type_of(self, td: wit.TypeDef) -> TypeIdx:
        """The component-level index of `td`, aliased out of the imported
        instance of its interface (once)."""
        if td not in self.aliases:
            owner = td.owner
            if not isinstance(owner, wit.Interface) or owner not in self.instances:
                where = owner.name if owner is not None else "?"
                raise InternalError(
                    f"type {td.name} of {where} used before its interface is imported"
                )
            if td not in self.exported_types[owner]:
                raise InternalError(
                    f"type {td.name} was not included in the import of {owner.name}"
                )
            self.aliases[td] = self.builder.alias_type(self.instances[owner], td.name)
        return self.aliases[td]

    def instance_type_for(
        self,
        iface: wit.Interface,
        functions: Iterable[str],
        extra_types: Iterable[wit.TypeDef] = (),
    ) -> TypeIdx:
        """Define the instancetype of `iface` limited to `functions` (component
        names such as `[method]descriptor.read`) plus `extra_types`."""
        type_idx, _ = self._instance_type(iface, list(functions), extra_types)
        return type_idx

    def _instance_type(
        self, iface: wit.Interface, functions: list[str], extra: Iterable[wit.TypeDef]
    ) -> tuple[TypeIdx, set[wit.TypeDef]]:
        fns = [(key, _function(iface, key)) for key in iface.functions if key in set(functions)]
        if len(fns) != len(set(functions)):
            missing = sorted(set(functions) - set(iface.functions))
            raise InternalError(f"interface {iface.name} has no functions {missing}")
        roots = [td for _, fn in fns for td in function_typedefs(fn)] + list(extra)
        local, _ = closure(iface, roots)
        it = InstanceTypeBuilder()

        def foreign(td: wit.TypeDef) -> int:
            return it.alias_outer(1, self.component_type_of(td))

        scope = _Scope(it.type, foreign, iface, it)
        for td in iface.types.values():  # source order, dependencies pulled in first
            if td in local:
                scope.typedef(td)
        for key, fn in fns:
            it.export(key, t.FuncExtern(scope.functype(fn)))
        return self.builder.type(it.finish()), local

    def import_interface(
        self,
        iface: wit.Interface,
        functions: Iterable[str],
        extra_types: Iterable[wit.TypeDef] = (),
        name: str | None = None,
    ) -> InstanceIdx:
        """Import `iface` (named `name`, default its qualified name) as an
        instance; its types become available to later imports."""
        type_idx, local = self._instance_type(iface, list(functions), extra_types)
        inst = self.builder.import_instance(name or iface.qualified_name(), type_idx)
        self.instances[iface] = inst
        self.exported_types[iface] = local
        return inst

    def import_grouped(
        self, imports: Sequence[tuple[wit.Interface, list[str], list[wit.TypeDef], str | None]]
    ) -> None:
        """Import each (interface, functions, extra types, name), given in
        dependency order, as `import_interface` does, but grouped: the
        interfaces whose types use only those of earlier groups are aliased,
        typed and imported together, so that a group costs one alias, one
        type and one import section instead of one of each per interface
        (each section costs its id, size and count)."""
        levels: dict[wit.Interface, int] = {}
        foreign: dict[wit.Interface, list[wit.TypeDef]] = {}
        for iface, fns, extra, _ in imports:
            foreign[iface] = self._foreign(iface, fns, extra)
            owners = [td.owner for td in foreign[iface]]
            levels[iface] = 1 + max((levels[o] for o in owners if o in levels), default=-1)
        for level in sorted(set(levels.values())):
            group = [item for item in imports if levels[item[0]] == level]
            for iface, *_ in group:
                for td in foreign[iface]:
                    self.component_type_of(td)
            types = [self._instance_type(iface, fns, extra) for iface, fns, extra, _ in group]
            for (iface, _, _, name), (type_idx, local) in zip(group, types, strict=True):
                self.instances[iface] = self.builder.import_instance(
                    name or iface.qualified_name(), type_idx
                )
                self.exported_types[iface] = local

    def _foreign(
        self, iface: wit.Interface, functions: list[str], extra: Iterable[wit.TypeDef]
    ) -> list[wit.TypeDef]:
        """The other interfaces' types that `iface`'s instance type refers
        to, in a fixed order (their interfaces', then their source order)."""
        roots = [td for key in functions for td in function_typedefs(_function(iface, key))]
        _, found = closure(iface, roots + list(extra))
        return sorted(found, key=_declared_order)

    def import_interfaces(
        self,
        wanted: Mapping[wit.Interface, Iterable[str]],
        name_of: Callable[[wit.Interface], str] | None = None,
    ) -> dict[wit.Interface, InstanceIdx]:
        """Import each interface with its functions, plus the interfaces whose
        types they use, in dependency order."""
        plan = plan_imports({i: list(f) for i, f in wanted.items()})
        for iface, (fns, extra) in plan.items():
            self.import_interface(iface, fns, extra, name_of(iface) if name_of else None)
        return {iface: self.instances[iface] for iface in plan}

    def func_type(self, fn: wit.Function) -> TypeIdx:
        """A component-level func type, e.g. for `canon lift` of an export."""
        return TypeIdx(self.component_scope.functype(fn))


def plan_imports(
    wanted: Mapping[wit.Interface, list[str]],
) -> dict[wit.Interface, tuple[list[str], list[wit.TypeDef]]]:
    """interface -> (functions, extra types other imports use from it), with
    dependencies before dependents and otherwise in the order given."""
    extra: dict[wit.Interface, set[wit.TypeDef]] = {i: set() for i in wanted}
    deps: dict[wit.Interface, set[wit.Interface]] = {}
    changed = True
    while changed:  # grow until every used foreign type is included by its owner
        changed = False
        for iface in list(extra):
            roots = [
                td for k in wanted.get(iface, []) for td in function_typedefs(_function(iface, k))
            ]
            _, foreign = closure(iface, roots + _source_order(iface, extra[iface]))
            deps[iface] = set()
            for td in foreign:
                owner = td.owner
                if not isinstance(owner, wit.Interface):
                    raise InternalError(f"type {td.name} is not owned by an interface")
                deps[iface].add(owner)
                if td not in extra.setdefault(owner, set()):
                    extra[owner].add(td)
                    changed = True
    order: list[wit.Interface] = []

    def visit(iface: wit.Interface, path: tuple[wit.Interface, ...]) -> None:
        if iface in order:
            return
        if iface in path:
            raise InternalError(f"cyclic type use between interfaces at {iface.name}")
        for dep in sorted(deps.get(iface, ()), key=_sort_key):
            visit(dep, (*path, iface))
        order.append(iface)

    for iface in extra:
        visit(iface, ())
    return {i: (list(wanted.get(i, [])), _source_order(i, extra[i])) for i in order}


def _source_order(iface: wit.Interface, tds: set[wit.TypeDef]) -> list[wit.TypeDef]:
    return [td for td in iface.types.values() if td in tds]


def _declared_order(td: wit.TypeDef) -> tuple[str, int]:
    owner = td.owner
    assert isinstance(owner, wit.Interface)
    return _sort_key(owner), list(owner.types.values()).index(td)


def _sort_key(iface: wit.Interface) -> str:
    return iface.qualified_name() if iface.package is not None and iface.name else str(iface.name)
