"""Binding a WIT world to a core module: which core import is which world
import, which core export implements which world export.

A module built for a world (wit-bindgen, hand-written canonical ABI) names
its imports and exports by one of two conventions, both accepted
here (wit-component's | BuildTargets.md's):

- an import `f` of interface `I`: module `I`, field `f` | module
  `cm32p2|I'`, field `f`; of the world: module `$root` | `cm32p2`;
- the drop of an imported resource `r`: `[resource-drop]r` | `r_drop`;
- an exported resource `r` of `I`: module `[export]I`, fields
  `[resource-new]r`, `-rep`, `-drop` | module `cm32p2|_ex_I'`, `r_new`,
  `r_rep`, `r_drop`;
- an export `f` of `I`: `I#f` | `cm32p2|I'|f`; of the world: `f` |
  `cm32p2||f`; its post-return `cabi_post_<export>` | `<export>_post`;
- the destructor of `r`: `I#[dtor]r` | `cm32p2|I'|r_dtor`;
- memory, realloc, init: `memory`, `cabi_realloc`, `_initialize` |
  `cm32p2_memory`, `cm32p2_realloc`, `cm32p2_initialize`.

(`I'` is the interface name with its version canonicalized: `@0.2.1` -> `@0.2`.)

`bind` checks every bound function's core signature against the flattened
WIT type and reports mismatches, missing exports and unknown imports with the
function, the expected and the actual signature.  Pure: a decoded module and
a resolved world in, a `Binding` out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from componentize import abi, wasm
from componentize.abi.names import (
    BUILD_TARGET_PREFIX,
    POST_RETURN_PREFIX,
    ROOT_MODULE,
    canonical_version,
)
from componentize.errors import UnsupportedModuleError
from componentize.shim import catalog
from componentize.wit import model as wit

PREFIX = BUILD_TARGET_PREFIX
LEGACY_ROOT = ROOT_MODULE
LEGACY_EXPORT = "[export]"

Intrinsic = Literal["lower", "drop", "new", "rep"]
INIT_TYPE = abi.CoreFuncType((), ())  # the initialization export: called with nothing


@dataclass(frozen=True)
class Lowered:
    """A core import served by the world: a lowered function or a resource
    intrinsic (`drop` of an imported or exported resource, `new`/`rep` of
    an exported one)."""

    module: str
    name: str
    intrinsic: Intrinsic
    owner: wit.Interface | None  # None: a world-level function or resource
    function: wit.Function | None = None
    resource: wit.TypeDef | None = None
    exported: bool = False  # the resource is one the component exports


@dataclass(frozen=True)
class Lifted:
    """A world export implemented by a core export."""

    key: str  # world key: interface name, or the function's name
    owner: wit.Interface | None  # None: a world-level function
    function_key: str  # `f`, `[method]r.m`, ...
    function: wit.Function
    core: str
    post_return: str | None


@dataclass(frozen=True)
class ExportedResource:
    key: str
    owner: wit.Interface
    resource: wit.TypeDef
    dtor: str | None


@dataclass
class Binding:
    resolve: wit.Resolve
    world: wit.World
    imports: list[Lowered] = field(default_factory=list)
    exports: list[Lifted] = field(default_factory=list)
    resources: list[ExportedResource] = field(default_factory=list)
    memory: str | None = None  # the canonical ABI memory export (memory 0)
    realloc: str | None = None
    initialize: str | None = None
    string_encoding: str = "utf8"

    def bound_imports(self) -> set[tuple[str, str]]:
        return {(i.module, i.name) for i in self.imports}

    def bound_exports(self) -> set[str]:
        names = {e.core for e in self.exports} | {e.post_return for e in self.exports}
        names |= {r.dtor for r in self.resources}
        names |= {self.realloc, self.initialize, self.memory}
        return {n for n in names if n is not None}


# ------------------------------------------------------------------ names


def canonical_key(key: str) -> str:
    """`a:b/c@1.2.3` -> `a:b/c@1` (BuildTargets.md, "Interface Name Canonicalization")."""
    base, at, version = key.partition("@")
    if not at:
        return key
    try:
        parsed = wit.Version.parse(version)
    except ValueError:
        return key
    return f"{base}@{canonical_version(parsed)}"


def original_resources(iface: wit.Interface) -> list[wit.TypeDef]:
    return [td for td in iface.types.values() if isinstance(td.body, wit.Resource)]


def _import_names(key: str, owner: wit.Interface | None) -> Iterator[tuple[str, str]]:
    """(module, name prefix convention) pairs: `(module, "legacy"|"target")`."""
    if owner is None:
        yield LEGACY_ROOT, "legacy"
        yield PREFIX, "target"
    else:
        yield key, "legacy"
        yield f"{PREFIX}|{canonical_key(key)}", "target"


def _drop_name(resource: wit.TypeDef, convention: str, what: str = "drop") -> str:
    if convention == "legacy":
        return f"[resource-{what}]{resource.name}"
    return f"{resource.name}_{what}"


# ------------------------------------------------------------------ the world's names


def import_table(world: wit.World) -> dict[tuple[str, str], Lowered]:
    """Every core import name a module built for `world` may use."""
    table: dict[tuple[str, str], Lowered] = {}
    for key, item in world.imports.items():
        thing = item.item
        if isinstance(thing, wit.Interface):
            for module, convention in _import_names(key, thing):
                for fkey, fn in thing.functions.items():
                    table[module, fkey] = Lowered(module, fkey, "lower", thing, fn)
                for td in original_resources(thing):
                    name = _drop_name(td, convention)
                    table[module, name] = Lowered(module, name, "drop", thing, resource=td)
        elif isinstance(thing, wit.Function):
            for module, _ in _import_names(key, None):
                table[module, key] = Lowered(module, key, "lower", None, thing)
        elif isinstance(thing.body, wit.Resource):
            for module, convention in _import_names(key, None):
                name = _drop_name(thing, convention)
                table[module, name] = Lowered(module, name, "drop", None, resource=thing)
    for key, item in world.exports.items():
        thing = item.item
        if not isinstance(thing, wit.Interface):
            continue
        for td in original_resources(thing):
            for module, convention in (
                (LEGACY_EXPORT + key, "legacy"),
                (f"{PREFIX}|_ex_{canonical_key(key)}", "target"),
            ):
                for what in ("new", "rep", "drop"):
                    name = _drop_name(td, convention, what)
                    intrinsic: Intrinsic = what
                    table[module, name] = Lowered(
                        module, name, intrinsic, thing, resource=td, exported=True
                    )
    return table


def _export_candidates(key: str, owner: wit.Interface | None, fkey: str) -> list[tuple[str, str]]:
    """(core export, its post-return) for each convention, legacy first."""
    if owner is None:
        legacy, target = fkey, f"{PREFIX}||{fkey}"
    else:
        legacy, target = f"{key}#{fkey}", f"{PREFIX}|{canonical_key(key)}|{fkey}"
    return [(legacy, POST_RETURN_PREFIX + legacy), (target, f"{target}_post")]


def _dtor_candidates(key: str, resource: wit.TypeDef) -> list[str]:
    return [f"{key}#[dtor]{resource.name}", f"{PREFIX}|{canonical_key(key)}|{resource.name}_dtor"]


# ------------------------------------------------------------------ binding


def _signature(ft: abi.CoreFuncType | wasm.FuncType) -> str:
    return str(catalog.Signature(tuple(map(str, ft.params)), tuple(map(str, ft.results))))


class _Binder:
    def __init__(self, module: wasm.Module, where: str) -> None:
        self.module = module
        self.where = where
        self.exports = {e.name: e for e in module.exports}

    def error(self, what: str, where: str, hint: str) -> UnsupportedModuleError:
        return UnsupportedModuleError(what, where=f"{self.where}: {where}", hint=hint)

    def export_type(self, name: str) -> wasm.FuncType | None:
        export = self.exports.get(name)
        if export is None:
            return None
        if export.kind != "func":
            raise self.error(
                f"exports `{name}` as a {export.kind}; the world needs a function",
                f"export {name}",
                "export a function under that name",
            )
        return wasm.func_type(self.module, export.index)

    def check(
        self, what: str, where: str, expected: abi.CoreFuncType, actual: wasm.FuncType
    ) -> None:
        if _signature(expected) != _signature(actual):
            raise self.error(
                f"{what} has core type {_signature(actual)}, but the world's type flattens "
                f"to {_signature(expected)}",
                where,
                "rebuild the module against the same WIT world, or fix the world",
            )


def bind(module: wasm.Module, resolve: wit.Resolve, world: wit.World, where: str) -> Binding:
    """Bind `world` to `module`; see the module docstring."""
    binder = _Binder(module, where)
    binding = Binding(resolve, world)
    _bind_imports(binder, binding)
    _bind_exports(binder, binding)
    _bind_specials(binder, binding)
    return binding


def _bind_imports(binder: _Binder, binding: Binding) -> None:
    table = import_table(binding.world)
    for imp in binder.module.imports:
        if imp.module in catalog.MODULES or not isinstance(imp.desc, wasm.FuncDesc):
            continue
        entry = table.get((imp.module, imp.name))
        if entry is None:
            if _claims(imp.module, table):
                raise binder.error(
                    f"imports `{imp.name}` from `{imp.module}`, which the world "
                    f"`{binding.world.name}` does not have there",
                    f"import {imp.module}.{imp.name}",
                    "rebuild the module against the same WIT world, or fix the world",
                )
            continue  # not the world's: plan decides (WASI, or refused)
        actual = wasm.func_type(binder.module, _import_func_index(binder.module, imp))
        expected = _intrinsic_type(entry)
        binder.check(
            f"import `{imp.module}.{imp.name}`", f"import {imp.module}.{imp.name}", expected, actual
        )
        binding.imports.append(entry)


def _claims(module: str, table: dict[tuple[str, str], Lowered]) -> bool:
    """Whether `module` is a name only a world import would use."""
    if module in (PREFIX, LEGACY_ROOT) or module.startswith(PREFIX + "|"):
        return True
    return any(m == module for m, _ in table)


def _import_func_index(module: wasm.Module, imp: wasm.Import) -> int:
    funcs = [i for i in module.imports if isinstance(i.desc, wasm.FuncDesc)]
    return next(n for n, i in enumerate(funcs) if i is imp)


def _intrinsic_type(entry: Lowered) -> abi.CoreFuncType:
    if entry.intrinsic == "lower":
        assert entry.function is not None
        return abi.flatten_functype(entry.function, "lower")
    return {
        "drop": abi.RESOURCE_DROP_TYPE,
        "new": abi.RESOURCE_NEW_TYPE,
        "rep": abi.RESOURCE_REP_TYPE,
    }[entry.intrinsic]


def _bind_exports(binder: _Binder, binding: Binding) -> None:
    for key, item in binding.world.exports.items():
        thing = item.item
        if isinstance(thing, wit.Function):
            binding.exports.append(_lift(binder, key, None, key, thing))
        elif isinstance(thing, wit.Interface):
            for fkey, fn in thing.functions.items():
                binding.exports.append(_lift(binder, key, thing, fkey, fn))
            for td in original_resources(thing):
                dtor = next((d for d in _dtor_candidates(key, td) if d in binder.exports), None)
                if dtor is not None:
                    actual = binder.export_type(dtor)
                    assert actual is not None
                    binder.check(
                        f"destructor `{dtor}`", f"export {dtor}", abi.RESOURCE_DROP_TYPE, actual
                    )
                binding.resources.append(ExportedResource(key, thing, td, dtor))


def _lift(
    binder: _Binder, key: str, owner: wit.Interface | None, fkey: str, fn: wit.Function
) -> Lifted:
    expected = abi.flatten_functype(fn, "lift")
    for core, post in _export_candidates(key, owner, fkey):
        actual = binder.export_type(core)
        if actual is None:
            continue
        binder.check(f"export `{core}`", f"export {core}", expected, actual)
        post_type = binder.export_type(post)
        if post_type is not None:
            expected_post = abi.post_return_type(fn)
            binder.check(f"post-return `{post}`", f"export {post}", expected_post, post_type)
        return Lifted(key, owner, fkey, fn, core, post if post_type is not None else None)
    legacy = _export_candidates(key, owner, fkey)[0][0]
    what = f"`{fkey}` of `{key}`" if owner is not None else f"`{fkey}`"
    raise binder.error(
        f"the world exports {what}, but the module exports no `{legacy}` "
        f"(or `{_export_candidates(key, owner, fkey)[1][0]}`) with core type "
        f"{_signature(expected)}",
        "export section",
        "implement the function, or remove it from the world",
    )


def _bind_specials(binder: _Binder, binding: Binding) -> None:
    binding.memory = _first_export(binder, ("memory", f"{PREFIX}_memory"), "memory")
    binding.realloc = _first_export(binder, ("cabi_realloc", f"{PREFIX}_realloc"), "func")
    if binding.realloc is not None:
        actual = binder.export_type(binding.realloc)
        assert actual is not None
        binder.check(f"`{binding.realloc}`", f"export {binding.realloc}", abi.REALLOC_TYPE, actual)
    binding.initialize = _first_export(binder, (f"{PREFIX}_initialize", abi.INITIALIZE), "func")
    if binding.initialize is not None:
        actual = binder.export_type(binding.initialize)
        assert actual is not None
        binder.check(f"`{binding.initialize}`", f"export {binding.initialize}", INIT_TYPE, actual)
    needs_memory = any(needs(i).memory for i in binding.imports) or any(
        abi.canon_needs(e.function, "lift").memory for e in binding.exports
    )
    needs_realloc = any(needs(i).realloc for i in binding.imports) or any(
        abi.canon_needs(e.function, "lift").realloc for e in binding.exports
    )
    if needs_memory and not _has_memory(binder.module):
        raise binder.error(
            "the world passes strings, lists or spilled values, but the module has no memory",
            "memory section",
            "build the module with a linear memory",
        )
    if needs_realloc and binding.realloc is None:
        raise binder.error(
            "the world passes strings or lists into the module, but it exports no "
            "`cabi_realloc` (or `cm32p2_realloc`) to allocate them",
            "export section",
            "export cabi_realloc: func(old_ptr, old_size, align, new_size) -> ptr",
        )


def needs(entry: Lowered) -> abi.CanonNeeds:
    """The canonopts a bound import's `canon lower` requires."""
    if entry.intrinsic != "lower":
        return abi.CanonNeeds(memory=False, realloc=False)
    assert entry.function is not None
    return abi.canon_needs(entry.function, "lower")


def _first_export(binder: _Binder, names: tuple[str, ...], kind: str) -> str | None:
    for name in names:
        export = binder.exports.get(name)
        if export is not None and export.kind == kind:
            return name
    return None


def _has_memory(module: wasm.Module) -> bool:
    return bool(module.memories) or any(isinstance(i.desc, wasm.Limits) for i in module.imports)


# ------------------------------------------------------------------ sharing WASI


def wasi_floor(binding: Binding) -> wit.Version | None:
    """The highest WASI 0.2 version of the interfaces the world imports."""
    versions = [
        pkg.name.version
        for item in binding.world.imports.values()
        if isinstance(item.item, wit.Interface)
        and (pkg := item.item.package) is not None
        and pkg.name.namespace == "wasi"
        and pkg.name.version is not None
        and (pkg.name.version.major, pkg.name.version.minor) == (0, 2)
    ]
    return max(versions, default=None)


def share_wasi(binding: Binding, bundled: wit.Resolve, where: str) -> None:
    """Rebind the world's imports of interfaces we bundle (WASI 0.2 at the
    target version) to our copies, so the shim and the module share one
    import of each; a function our copy lacks is a clear error."""
    shared: list[Lowered] = []
    for imp in binding.imports:
        owner = imp.owner
        if owner is None or imp.exported or owner.package is None or owner.name is None:
            shared.append(imp)
            continue
        try:
            ours = bundled.interface(owner.qualified_name())
        except KeyError:
            shared.append(imp)
            continue
        shared.append(_rebased(imp, ours, where))
    binding.imports = shared


def _rebased(imp: Lowered, ours: wit.Interface, where: str) -> Lowered:
    if imp.intrinsic == "lower":
        function = ours.functions.get(imp.name)
        if function is None:
            raise UnsupportedModuleError(
                f"imports `{imp.name}` of {ours.qualified_name()}, which that WASI version "
                "does not have",
                where=f"{where}: import {imp.module}.{imp.name}",
                hint="check the WASI version of the module's world",
            )
        return replace(imp, owner=ours, function=function)
    assert imp.resource is not None
    resource = ours.types.get(imp.resource.name)
    if resource is None:
        raise UnsupportedModuleError(
            f"drops resource `{imp.resource.name}` of {ours.qualified_name()}, which that "
            "WASI version does not have",
            where=f"{where}: import {imp.module}.{imp.name}",
            hint="check the WASI version of the module's world",
        )
    return replace(imp, owner=ours, resource=resource)
