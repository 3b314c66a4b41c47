"""Core-module names of canonical ABI imports and exports.

Component-level function names (`[method]R.f`, `[static]R.f`,
`[constructor]R`) are the plain names of Explainer.md.  The core names follow
the convention toolchains use for a core module that is wrapped into a
component (wit-bindgen output, preview1 adapters):

- a lowered import: module = the interface name (`wasi:cli/environment@0.2.12`)
  or `$root` for a function imported by the world itself; field = the
  component-level function name;
- `[resource-drop]R` in the same module for an imported resource;
- for a resource of an exported interface: module `[export]<interface>`,
  fields `[resource-new]R`, `[resource-rep]R`, `[resource-drop]R`;
- exports: `<interface>#<function>` (bare `<function>` at world level),
  `cabi_post_<export>` for post-return, `<interface>#[dtor]R` for a
  destructor, `cabi_realloc`, `memory`, `_initialize`.

The interface version can be overridden because one `wit/` serves every
WASI 0.2.N target: the names must carry the targeted version.
"""

from __future__ import annotations

from componentize.errors import InternalError
from componentize.wit.model import (
    AliasCycle,
    Function,
    Interface,
    Resource,
    TypeDef,
    Version,
    World,
    underlying,
)

ROOT_MODULE = "$root"
BUILD_TARGET_PREFIX = "cm32p2"  # BuildTargets.md's names: `cm32p2|I|f`, `cm32p2_memory`...
REALLOC = "cabi_realloc"
MEMORY = "memory"
INITIALIZE = "_initialize"
POST_RETURN_PREFIX = "cabi_post_"
EXPORT_MODULE_PREFIX = "[export]"
RESOURCE_DROP_PREFIX = "[resource-drop]"

Owner = Interface | str | None
"""Who holds a function or resource: a named interface, the key of an
inline interface in a world (a plain name), or None for the world itself."""


def interface_name(iface: Interface, version: Version | None = None) -> str:
    """`ns:pkg/name@version`; `version` replaces the package's own."""
    if iface.package is None or iface.name is None:
        raise InternalError("interface_name of an inline interface: use its world key")
    pkg = iface.package.name
    base = f"{pkg.namespace}:{pkg.name}/{iface.name}"
    chosen = version if version is not None else pkg.version
    return f"{base}@{chosen}" if chosen is not None else base


def function_name(fn: Function) -> str:
    """The component-level name: `f`, `[method]R.f`, `[static]R.f`, `[constructor]R`."""
    if fn.kind == "freestanding":
        return fn.name
    if fn.resource is None:
        raise InternalError(f"{fn.kind} `{fn.name}` has no resource")
    resource = fn.resource.name
    if fn.kind == "constructor":
        return f"[constructor]{resource}"
    if fn.kind in ("method", "static"):
        return f"[{fn.kind}]{resource}.{fn.name}"
    raise InternalError(f"unknown function kind {fn.kind!r} for `{fn.name}`")


def _owner_name(owner: Owner, version: Version | None) -> str | None:
    if owner is None:
        return None
    if isinstance(owner, str):
        return owner
    return interface_name(owner, version)


def import_module(owner: Owner, version: Version | None = None) -> str:
    """Core import module for functions and resources imported via `owner`."""
    name = _owner_name(owner, version)
    return ROOT_MODULE if name is None else name


def lowered_import(owner: Owner, fn: Function, version: Version | None = None) -> tuple[str, str]:
    """(module, name) of the core import of a lowered function."""
    return import_module(owner, version), function_name(fn)


def resource_drop_import(
    owner: Owner, resource: TypeDef, version: Version | None = None
) -> tuple[str, str]:
    """(module, name) of `canon resource.drop` for an imported resource."""
    return import_module(owner, version), RESOURCE_DROP_PREFIX + resource.name


def parse_resource_drop(name: str) -> str | None:
    """The resource `R` of a core import named `[resource-drop]R`; None for
    any other name (a lowered function)."""
    if name.startswith(RESOURCE_DROP_PREFIX):
        return name.removeprefix(RESOURCE_DROP_PREFIX)
    return None


def defining_resource(resource: TypeDef) -> TypeDef:
    """The resource definition behind `use` and `type x = r` aliases."""
    try:
        resource = underlying(resource)
    except AliasCycle as cycle:
        raise InternalError(f"alias cycle through type `{cycle.definition.name}`") from None
    if not isinstance(resource.body, Resource):
        raise InternalError(f"type `{resource.name}` is not a resource")
    return resource


def imported_resource_drop(resource: TypeDef, version: Version | None = None) -> tuple[str, str]:
    """`resource_drop_import` for the interface (or world) that defines the
    resource, following aliases: a `descriptor` used in `preopens` is
    dropped through `wasi:filesystem/types`."""
    original = defining_resource(resource)
    owner = original.owner
    if isinstance(owner, Interface):
        return resource_drop_import(owner, original, version)
    if owner is None or isinstance(owner, World):
        return resource_drop_import(None, original, version)
    raise InternalError(f"resource `{original.name}` has an unknown owner")


def exported_resource_module(owner: Owner, version: Version | None = None) -> str:
    """Module of the resource intrinsics of an exported interface's resources."""
    return EXPORT_MODULE_PREFIX + import_module(owner, version)


def exported_resource_import(
    owner: Owner, resource: TypeDef, intrinsic: str, version: Version | None = None
) -> tuple[str, str]:
    """(module, name) of `[resource-new]R`, `[resource-rep]R` or
    `[resource-drop]R` for a resource the component exports."""
    if intrinsic not in ("new", "rep", "drop"):
        raise InternalError(f"unknown resource intrinsic {intrinsic!r}")
    module = exported_resource_module(owner, version)
    return module, f"[resource-{intrinsic}]{resource.name}"


def export_name(owner: Owner, fn: Function, version: Version | None = None) -> str:
    """Core export lifted as `fn`: `wasi:cli/run@0.2.12#run`, or `f` at world level."""
    name = _owner_name(owner, version)
    return function_name(fn) if name is None else f"{name}#{function_name(fn)}"


def post_return_name(core_export: str) -> str:
    """The optional `post-return` export for the core export `core_export`."""
    return POST_RETURN_PREFIX + core_export


def destructor_export_name(owner: Owner, resource: TypeDef, version: Version | None = None) -> str:
    """Core export called when an exported resource is destroyed."""
    name = _owner_name(owner, version)
    dtor = f"[dtor]{resource.name}"
    return dtor if name is None else f"{name}#{dtor}"


def canonical_version(version: Version) -> str:
    """The version as a core build target writes it in interface names:
    `1.2.3` -> `1`, `0.2.12` -> `0.2`, `0.0.3` -> `0.0.3`; pre-releases
    kept whole; build metadata dropped."""
    if version.pre:
        return f"{version.major}.{version.minor}.{version.patch}-{version.pre}"
    if version.major == 0 and version.minor == 0:
        return f"0.0.{version.patch}"
    if version.major == 0:
        return f"0.{version.minor}"
    return str(version.major)
