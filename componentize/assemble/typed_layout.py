"""The layout's typed-world steps (assemble/typed.py binds the world):

- before the main module: the world's imports are imported (with the
  shim's WASI imports, by one WitEncoder, so shared interfaces and
  resource types are imported once); exported resources are defined, each
  destructor a stub slot; the main module's world imports are supplied:
  resource intrinsics and functions that need no memory directly, the
  others through stub slots (their `canon lower` needs the main module's
  memory and `cabi_realloc`, which exist only once it is instantiated);
- after it: those functions are lowered and put into their slots, with
  the destructors;
- last: every world export is lifted (memory, realloc, post-return, string
  encoding) and exported under its WIT names (component/export_encode.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from componentize import abi, wasm
from componentize.assemble.core_modules import slot_name
from componentize.assemble.typed import Binding, Lowered, needs
from componentize.component import ComponentBuilder, Sort, WitEncoder
from componentize.component.builder import (
    CoreFuncIdx,
    CoreInstanceIdx,
    CoreMemoryIdx,
    FuncIdx,
    InstanceIdx,
    TypeIdx,
    canon_options,
)
from componentize.component.export_encode import WitExporter
from componentize.component.wit_types import body_typedefs, closure, function_typedefs
from componentize.errors import InternalError
from componentize.wit import model as wit

CoreItem = tuple[CoreInstanceIdx, str, Sort]
TypeDef = wit.TypeDef


def _core(ft: abi.CoreFuncType) -> wasm.FuncType:
    return wasm.FuncType(list(ft.params), list(ft.results))


@dataclass
class Typed:
    """The typed-world part of one layout."""

    binding: Binding
    encoder: WitEncoder
    offset: int = 0  # the first stub slot of ours
    instances: dict[wit.Interface, InstanceIdx] = field(default_factory=dict)
    world_funcs: dict[str, FuncIdx] = field(default_factory=dict)
    resources: dict[wit.TypeDef, TypeIdx] = field(default_factory=dict)
    realloc: CoreFuncIdx | None = None  # the module's cabi_realloc, aliased once

    def __post_init__(self) -> None:
        self.b: ComponentBuilder = self.encoder.builder
        self.exporter = WitExporter(self.encoder)
        self.slotted = [i for i in self.binding.imports if needs(i).memory]
        self.dtors = [r for r in self.binding.resources if r.dtor is not None]

    # ---- what the imports need

    def wanted(self) -> tuple[dict[wit.Interface, list[str]], dict[wit.Interface, list[TypeDef]]]:
        """Functions and extra types to import, per interface."""
        fns: dict[wit.Interface, list[str]] = {}
        types: dict[wit.Interface, list[wit.TypeDef]] = {}
        for imp in self.binding.imports:
            if imp.exported or imp.owner is None:
                continue
            if imp.intrinsic == "lower":
                assert imp.function is not None
                fns.setdefault(imp.owner, []).append(_key(imp.owner, imp.function))
            else:
                assert imp.resource is not None
                types.setdefault(imp.owner, []).append(imp.resource)
        for td in self._foreign_needs():
            owner = td.owner
            assert isinstance(owner, wit.Interface)
            fns.setdefault(owner, [])
            if td not in types.setdefault(owner, []):
                types[owner].append(td)
        return fns, types

    def _foreign_needs(self) -> list[wit.TypeDef]:
        """Interface types that world-level functions and exported
        interfaces refer to (aliased out of the imported instances)."""
        found: list[wit.TypeDef] = []
        todo: list[wit.TypeDef] = []
        for imp in self.binding.imports:
            if imp.owner is None and imp.function is not None:
                todo.extend(function_typedefs(imp.function))
        for lifted in self.binding.exports:
            if lifted.owner is None:
                todo.extend(function_typedefs(lifted.function))
        seen: set[wit.TypeDef] = set()
        while todo:
            td = todo.pop()
            if td in seen:
                continue
            seen.add(td)
            if isinstance(td.owner, wit.Interface) and not self._exported(td.owner):
                found.append(td)
            elif not isinstance(td.owner, wit.Interface):
                todo.extend(body_typedefs(td))
        for iface in {e.owner for e in self.binding.exports if e.owner is not None}:
            fns = [e.function for e in self.binding.exports if e.owner is iface]
            roots = [td for fn in fns for td in function_typedefs(fn)]
            _, foreign = closure(iface, roots)
            found += [td for td in foreign if self._imported(td.owner)]
        return sorted(set(found), key=lambda td: (_iface_name(td.owner), td.name))

    def _imported(self, owner: object) -> bool:
        return any(item.item is owner for item in self.binding.world.imports.values())

    def _exported(self, owner: object) -> bool:
        return any(e.owner is owner for e in self.binding.exports) or any(
            r.owner is owner for r in self.binding.resources
        )

    def import_name(self, iface: wit.Interface) -> str | None:
        """The component import name of an inline interface (its world key);
        None for a named one (its qualified name)."""
        if iface.name is not None:
            return None
        for key, item in self.binding.world.imports.items():
            if item.item is iface:
                return key
        raise InternalError("an inline interface that the world does not import")

    def stub_types(self) -> list[wasm.FuncType]:
        """Types of our stub slots: lowered imports that need memory, then destructors."""
        types = []
        for imp in self.slotted:
            assert imp.function is not None
            types.append(_core(abi.flatten_functype(imp.function, "lower")))
        types += [_core(abi.RESOURCE_DROP_TYPE)] * len(self.dtors)
        return types

    # ---- before the main module

    def import_world_functions(self) -> None:
        for imp in self.binding.imports:
            if imp.owner is None and imp.function is not None and imp.name not in self.world_funcs:
                self.world_funcs[imp.name] = self.exporter.import_function(imp.name, imp.function)

    def define_resources(self, stubs: CoreInstanceIdx | None) -> None:
        for res in self.binding.resources:
            dtor = None
            if res.dtor is not None:
                assert stubs is not None
                slot = self.offset + len(self.slotted) + self.dtors.index(res)
                dtor = self.b.alias_core_func(stubs, slot_name(slot))
            self.resources[res.resource] = self.exporter.define_resource(res.resource, dtor)

    def main_args(
        self, stubs: CoreInstanceIdx | None
    ) -> dict[str, dict[str, CoreItem | CoreFuncIdx]]:
        """The main module's world imports: module -> name -> stub export or core func."""
        args: dict[str, dict[str, CoreItem | CoreFuncIdx]] = {}
        for imp in self.binding.imports:
            items = args.setdefault(imp.module, {})
            if imp in self.slotted:
                assert stubs is not None
                slot = self.offset + self.slotted.index(imp)
                items[imp.name] = (stubs, slot_name(slot), Sort.CORE_FUNC)
            else:
                items[imp.name] = self._direct(imp)
        return args

    def _direct(self, imp: Lowered) -> CoreFuncIdx:
        if imp.intrinsic == "lower":
            assert imp.function is not None
            return self.b.canon_lower(self._component_func(imp))
        assert imp.resource is not None
        resource = (
            self.resources[imp.resource]
            if imp.exported
            else self.encoder.component_type_of(imp.resource)
        )
        if imp.intrinsic == "new":
            return self.b.canon_resource_new(resource)
        if imp.intrinsic == "rep":
            return self.b.canon_resource_rep(resource)
        return self.b.canon_resource_drop(resource)

    def _component_func(self, imp: Lowered) -> FuncIdx:
        assert imp.function is not None
        if imp.owner is None:
            return self.world_funcs[imp.name]
        instance = self.encoder.instances[imp.owner]
        return self.b.alias_func(instance, _key(imp.owner, imp.function))

    # ---- after the main module

    def lower_slotted(
        self, main: CoreInstanceIdx, memory: CoreMemoryIdx
    ) -> list[tuple[CoreInstanceIdx | None, str | CoreFuncIdx]]:
        """The functions for our slots, in order: lowered imports, destructors."""
        realloc = self._realloc(main)
        funcs: list[tuple[CoreInstanceIdx | None, str | CoreFuncIdx]] = []
        for imp in self.slotted:
            need = needs(imp)
            lowered = self.b.canon_lower(
                self._component_func(imp),
                memory=memory,
                realloc=realloc if need.realloc else None,
                string_encoding=self._encoding(),
            )
            funcs.append((None, lowered))
        for res in self.dtors:
            assert res.dtor is not None
            funcs.append((main, res.dtor))
        return funcs

    def _realloc(self, main: CoreInstanceIdx) -> CoreFuncIdx | None:
        if self.binding.realloc is None:
            return None
        if self.realloc is None:
            self.realloc = self.b.alias_core_func(main, self.binding.realloc)
        return self.realloc

    def _encoding(self) -> str | None:
        encoding = self.binding.string_encoding
        return None if encoding == "utf8" else encoding

    # ---- exports

    def export(self, main: CoreInstanceIdx, memory: CoreMemoryIdx) -> None:
        realloc = self._realloc(main)
        by_key: dict[str, list[tuple[str, wit.Function, FuncIdx]]] = {}
        owners: dict[str, wit.Interface] = {}
        for lifted in self.binding.exports:
            fn = lifted.function
            need = abi.canon_needs(fn, "lift")
            post = self.b.alias_core_func(main, lifted.post_return) if lifted.post_return else None
            options = canon_options(
                string_encoding=self._encoding(),
                memory=memory if need.memory else None,
                realloc=realloc if need.realloc else None,
                post_return=post,
            )
            core = self.b.alias_core_func(main, lifted.core)
            func = self.b.canon_lift(core, self.exporter.lift_type(fn), options)
            if lifted.owner is None:
                self.exporter.export_function(lifted.key, fn, func)
            else:
                by_key.setdefault(lifted.key, []).append((lifted.function_key, fn, func))
                owners[lifted.key] = lifted.owner
        for res in self.binding.resources:
            owners.setdefault(res.key, res.owner)
        for key, owner in owners.items():
            self.exporter.export_interface(key, owner, by_key.get(key, []))


def _key(owner: wit.Interface, fn: wit.Function) -> str:
    for key, candidate in owner.functions.items():
        if candidate is fn:
            return key
    raise InternalError(f"function {fn.name} is not in its interface")


def _iface_name(owner: object) -> str:
    if isinstance(owner, wit.Interface) and owner.package is not None and owner.name:
        return owner.qualified_name()
    return str(getattr(owner, "name", ""))
