"""A world's exports: lifted functions exported with their WIT types named.

A component may export a function only if every type its signature refers
to is named: imported, or exported before it.  Lifted functions have
structural types (records, variants... defined in the component's own type
space), so:

- a world-level function is exported after the world types it uses are
  exported by name, with an explicit type ascription that refers to those
  exports;
- an exported interface is an instance of a small nested component that
  imports each function (`f0`, `f1`...) and each type it needs (`t0`,
  `t1`...: records and the like with an `eq` bound, resources as
  `sub resource`), exports the types under their WIT names and the
  functions with types that refer to them; the component instantiates it
  with the lifted functions and its own type definitions and exports the
  instance under the interface's name.

Exported resources are defined in the component (`resource (rep i32)
(dtor f)`) before anything refers to them: `define_resource` registers
the definition with the WitEncoder, so every later type that mentions the
resource uses it.
"""

from __future__ import annotations

from collections.abc import Sequence

from componentize.component import typedefs as t
from componentize.component.builder import (
    ComponentBuilder,
    CoreFuncIdx,
    FuncIdx,
    InstanceIdx,
    TypeIdx,
)
from componentize.component.sorts import Sort, SortIdx
from componentize.component.wit_types import (
    WitEncoder,
    _Scope,
    body_typedefs,
    closure,
    function_typedefs,
    is_resource,
    local_alias,
)
from componentize.errors import InternalError
from componentize.wit import model as wit

Exported = tuple[str, wit.Function, FuncIdx]  # (component-level name, function, lifted)


class WitExporter:
    """Exports lifted functions and interfaces of a world (module docstring)."""

    def __init__(self, encoder: WitEncoder) -> None:
        self.encoder = encoder
        self.b = encoder.builder
        self.top = _TopScope(self.b, encoder)

    def define_resource(self, td: wit.TypeDef, dtor: CoreFuncIdx | None) -> TypeIdx:
        """`(type (resource (rep i32) (dtor f)))` for an exported resource."""
        index = self.b.type(t.ResourceType(dtor=dtor))
        self.encoder.aliases[td] = index
        return index

    def lift_type(self, fn: wit.Function) -> TypeIdx:
        """The structural func type `canon lift` takes."""
        return self.encoder.func_type(fn)

    def import_function(self, name: str, fn: wit.Function) -> FuncIdx:
        """Import a world-level function, the world types it uses imported first."""
        self.top.importing = True
        return self.b.import_func(name, TypeIdx(self.top.functype(fn)))

    def export_function(self, name: str, fn: wit.Function, lifted: FuncIdx) -> None:
        """Export a world-level function, its world types exported first."""
        self.top.importing = False
        named = self.top.functype(fn)
        self.b.export(name, Sort.FUNC, lifted, t.FuncExtern(named))

    def export_interface(
        self, name: str, iface: wit.Interface, funcs: Sequence[Exported]
    ) -> InstanceIdx:
        """Export `funcs` (all of `iface`'s functions) as the instance `name`."""
        wrapper = _Wrapper(self.encoder, iface)
        for td in _types_to_name(iface, funcs):
            wrapper.name(td)
        for key, fn, lifted in funcs:
            wrapper.function(key, fn, lifted)
        component = self.b.component(wrapper.inner.build())
        self.b.name(Sort.COMPONENT, component, f"export-{name}")
        instance = self.b.instantiate(component, wrapper.args)
        self.b.export(name, Sort.INSTANCE, instance)
        return instance


def _types_to_name(iface: wit.Interface, funcs: Sequence[Exported]) -> list[wit.TypeDef]:
    """The interface's types its functions need, plus every resource it
    defines, in source order."""
    roots = [td for _, fn, _ in funcs for td in function_typedefs(fn)]
    roots += [td for td in iface.types.values() if isinstance(td.body, wit.Resource)]
    local, _ = closure(iface, roots)
    return [td for td in iface.types.values() if td in local]


class _Wrapper:
    """The nested component that names an exported interface's types.

    Its imports may refer only to imported types, and what it exports must
    refer only to what it exports (or imports), so every type has two
    indices: `imports` sees a type as imported (`t0`...), `exports` as the
    fresh definition exported under its WIT name (records and the like are
    defined again, over exported types; resources and types of other
    interfaces are exported as imported).  Functions are imported with the
    first view and exported with an ascribed type in the second."""

    def __init__(self, encoder: WitEncoder, iface: wit.Interface) -> None:
        self.encoder = encoder
        self.iface = iface
        self.inner = ComponentBuilder()
        self.args: dict[str, SortIdx] = {}
        self.imports = _Scope(self.inner.type, self._foreign, iface, None)
        self.exports = _Scope(self.inner.type, self._foreign, iface, None)

    def _arg(self, prefix: str, sort: Sort, outer: int) -> str:
        name = f"{prefix}{sum(1 for a in self.args if a.startswith(prefix))}"
        self.args[name] = SortIdx(sort, outer)
        return name

    def _foreign(self, td: wit.TypeDef) -> int:
        """A type of another interface: imported into the wrapper once."""
        known = self.imports.named.get(td)
        if isinstance(known, int):
            return known
        defining = wit.underlying(td)
        index: int
        if isinstance(defining.body, wit.Resource):
            outer = self.encoder.component_type_of(defining)
            index = self.inner.import_type(self._arg("t", Sort.TYPE, outer))
        else:
            body = defining.body
            if isinstance(body, wit.Alias):
                structure = self.imports.valtype(body.target)
            else:
                structure = self.inner.type(self.imports._structure(body))
            index = self._import_eq(structure, self._outer(defining))
        self.imports.named[td] = index
        self.exports.named.setdefault(td, index)
        return index

    def _outer(self, td: wit.TypeDef) -> t.ValType:
        """The component's index of a foreign type: the imported interface's
        own type when it is imported (so the export `use`s it, as in WIT),
        else a structural copy."""
        owner = td.owner
        if isinstance(owner, wit.Interface) and td in self.encoder.exported_types.get(owner, ()):
            return self.encoder.component_type_of(td)
        return self.encoder.component_scope.typedef(td)

    def _import_eq(self, structure: t.ValType, outer: t.ValType) -> int:
        if isinstance(structure, str):
            structure = self.inner.type(t.PrimValType(structure))
        if isinstance(outer, str):
            outer = self.encoder.builder.type(t.PrimValType(outer))
        return self.inner.import_type(self._arg("t", Sort.TYPE, outer), TypeIdx(structure))

    def name(self, td: wit.TypeDef) -> None:
        """Import `td` (a type of the interface) and export it under its name."""
        if td in self.exports.named:
            return
        for dep in body_typedefs(td):  # the types its body mentions, named first
            dep = local_alias(self.iface, dep)
            if dep.owner is self.iface and dep is not td:
                self.name(dep)
        body = td.body
        target = wit.alias_of(td)
        imported: int
        exported: int | None = None  # what is exported: a fresh definition, or the import
        if isinstance(body, wit.Resource):
            outer = self.encoder.component_type_of(td)
            imported = self.inner.import_type(self._arg("t", Sort.TYPE, outer))
        elif target is not None and target.owner is self.iface:
            self.name(target)
            imported = _index(self.imports.named[target])
            exported = _index(self.exports.named[target])
        elif target is not None:
            imported = self._foreign(target)
        elif isinstance(body, wit.Alias):  # `type x = list<u8>` and the like
            structure = self.imports.valtype(body.target)
            outer_type = self.encoder.component_scope.valtype(body.target)
            imported = self._import_eq(structure, outer_type)
            exported = self._defined(self.exports.valtype(body.target))
        else:
            structure = self.inner.type(self.imports._structure(body))
            imported = self._import_eq(structure, self.encoder.component_scope.typedef(td))
            exported = self.inner.type(self.exports._structure(body))
        self.imports.named[td] = imported
        source = imported if exported is None else exported
        self.exports.named[td] = self.inner.export(td.name, Sort.TYPE, source)

    def _defined(self, value: t.ValType) -> int:
        return self.inner.type(t.PrimValType(value)) if isinstance(value, str) else value

    def function(self, key: str, fn: wit.Function, lifted: FuncIdx) -> None:
        imported_type = TypeIdx(self.imports.functype(fn))
        imported = self.inner.import_func(self._arg("f", Sort.FUNC, lifted), imported_type)
        exported_type = self.exports.functype(fn)
        self.inner.export(key, Sort.FUNC, imported, t.FuncExtern(exported_type))


def _index(value: t.ValType) -> int:
    if not isinstance(value, int):
        raise InternalError(f"type {value} has no index")
    return value


class _TopScope(_Scope):
    """Types in the component's own scope for world-level exports: a type
    the world defines is exported under its name (so the function may refer
    to it); a type of an interface is the imported (or exported) one."""

    def __init__(self, b: ComponentBuilder, encoder: WitEncoder) -> None:
        super().__init__(b.type, encoder.component_type_of)
        self.b = b
        self.encoder = encoder
        self.importing = True  # world types met now are imported; later, exported

    def _encode_typedef(self, td: wit.TypeDef) -> t.ValType:
        if isinstance(td.owner, wit.Interface):
            if is_resource(td):
                return self.foreign(wit.underlying(td))
            if td.owner in self.encoder.instances:
                return self.foreign(td)
            raise InternalError(f"world export uses type {td.name} of an interface not imported")
        body = td.body
        if isinstance(body, wit.Resource):
            return self.foreign(td)
        if isinstance(body, wit.Alias):
            target = self.valtype(body.target)
            if isinstance(target, str):
                target = self.define(t.PrimValType(target))
        else:
            target = self.define(self._structure(body))
        if self.importing:
            return self.b.import_type(td.name, TypeIdx(target))
        return self.b.export(td.name, Sort.TYPE, target)
