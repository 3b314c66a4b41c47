"""A world for a module that calls WASI 0.2 directly but carries no world.

A core module may import WASI 0.2 functions by their canonical ABI names
(`wasi:random/random@0.2.0`.`get-random-bytes`, or BuildTargets.md's
`cm32p2|wasi:random/random@0.2`) without a `component-type` section: a
world section lost by a linker, or code written against the canonical ABI
by hand.  Their WIT is ours (the bundled WASI), so such a module needs no
world of its own: it is bound to a world that imports exactly the WASI
interfaces it names (with the interfaces those use), taken from our WIT at
the lowest WASI 0.2.N that binds.  `wasm-tools component new` refuses these
modules ("module requires an import interface named ...").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from componentize.abi.names import BUILD_TARGET_PREFIX, ROOT_MODULE
from componentize.assemble.plan import HIGHEST, LOWEST
from componentize.errors import UnsupportedModuleError
from componentize.wasm import FuncDesc, Module
from componentize.wit import model as wit
from componentize.wit.bundled import bundled_resolve

if TYPE_CHECKING:
    from componentize.assemble.typed import Binding

TARGET_PREFIX = BUILD_TARGET_PREFIX + "|"  # of an interface's import module
WASI_0_2 = re.compile(r"(wasi:[a-z][a-z0-9-]*/[a-z][a-z0-9-]*)@0\.2(?:\.(\d+))?")
WORLD_NAME = "direct-wasi-imports"
WORLD_LEVEL = (ROOT_MODULE, BUILD_TARGET_PREFIX)  # import modules of a world's own functions


def named_interfaces(module: Module) -> dict[str, tuple[str, int | None]]:
    """Import module name -> (the WASI 0.2 interface it names, without
    version; the patch it names, None for `@0.2`), for every function import
    naming one."""
    named: dict[str, tuple[str, int | None]] = {}
    for imp in module.imports:
        found = WASI_0_2.fullmatch(imp.module.removeprefix(TARGET_PREFIX))
        if isinstance(imp.desc, FuncDesc) and found is not None:
            patch = None if found.group(2) is None else int(found.group(2))
            named[imp.module] = (found.group(1), patch)
    return named


def bind_direct_wasi(module: Module, where: str) -> Binding | None:
    """The module bound to a world of the WASI 0.2 interfaces it imports
    directly; None when it imports none."""
    named = named_interfaces(module)
    if not named:
        return None
    from componentize.assemble.typed import bind

    _check_names(module, named, where)
    lowest = max((p for _, p in named.values() if p is not None), default=LOWEST.patch)
    failure: UnsupportedModuleError | None = None
    for patch in range(max(lowest, LOWEST.patch), HIGHEST.patch + 1):
        version = wit.Version(0, 2, patch)
        world = _world(named, bundled_resolve(version), version)
        if world is None:
            continue
        try:
            return bind(module, bundled_resolve(version), world, where)
        except UnsupportedModuleError as error:
            failure = error  # a function newer than this version: try the next
    if failure is not None:
        raise failure
    return None  # an interface we do not bundle: the plan refuses the import, named


def _check_names(module: Module, named: dict[str, tuple[str, int | None]], where: str) -> None:
    """Each function a module imports from a bundled WASI interface is one
    the newest WASI 0.2 we bundle has (its `bind` error would name our
    synthetic world instead); no world-level import stands next to them."""
    resolve = bundled_resolve(HIGHEST)
    for imp in module.imports:
        if not isinstance(imp.desc, FuncDesc):
            continue
        if imp.module in WORLD_LEVEL:
            raise UnsupportedModuleError(
                f"imports `{imp.name}` from `{imp.module}`, a function of its own world, "
                "but the module carries no world",
                where=f"{where}: import {imp.module}.{imp.name}",
                hint="embed the world (componentize embed) or pass --wit DIR --world NAME",
            )
        if imp.module not in named:
            continue
        base, _ = named[imp.module]
        try:
            iface = resolve.interface(f"{base}@{HIGHEST}")
        except KeyError:
            continue  # not one of ours: the plan refuses it, named
        drops = {f"[resource-drop]{n}" for n in iface.types} | {f"{n}_drop" for n in iface.types}
        if imp.name not in iface.functions and imp.name not in drops:
            raise UnsupportedModuleError(
                f"imports `{imp.name}` from `{imp.module}`, which has no such function "
                f"(up to WASI {HIGHEST})",
                where=f"{where}: import {imp.module}.{imp.name}",
                hint=f"check the name against the WIT of {base}",
            )


def _world(
    named: dict[str, tuple[str, int | None]], resolve: wit.Resolve, version: wit.Version
) -> wit.World | None:
    """A world importing each named interface under the name the module
    uses, after the interfaces it uses; None if one is not in `resolve`."""
    from componentize.wit.worlds import interface_deps

    keys: dict[int, str] = {}  # id(interface) -> its world key
    ifaces: list[wit.Interface] = []
    for module_name in sorted(named, key=lambda n: n.startswith(TARGET_PREFIX)):
        try:
            iface = resolve.interface(f"{named[module_name][0]}@{version}")
        except KeyError:
            return None
        ifaces.append(iface)
        # the legacy name is the key itself; BuildTargets' matches any 0.2.N key
        if not module_name.startswith(TARGET_PREFIX):
            keys.setdefault(id(iface), module_name)
    world = wit.World(WORLD_NAME)
    placed: set[int] = set()
    for iface in ifaces:
        for each in [*interface_deps(iface), iface]:
            if id(each) not in placed:
                key = keys.get(id(each), each.qualified_name())
                world.imports[key] = wit.WorldItem(key, each)
                placed.add(id(each))
    return world
