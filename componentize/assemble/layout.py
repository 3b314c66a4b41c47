"""The component layout (docs/architecture.md, "How a component is laid out"), step by step:

1. the provider module: the guest memory, the shim's memory, slot tables;
2. import the WASI interfaces and `canon lower` what the shim calls
   (memory: the shim's; realloc: the trampoline through the realloc slot);
3. instantiate the shim;
4. fill the realloc slot with the shim's `cabi_realloc`;
5. instantiate the main module, importing the shim's functions directly;
6. commands: fill the start slot with `_start` and lift the shim's `run`
   as `wasi:cli/run`; reactors: call `_initialize` once, right away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from componentize import abi, wasm
from componentize.abi import INITIALIZE
from componentize.abi.names import parse_resource_drop
from componentize.assemble import guest
from componentize.component import ComponentBuilder, Sort, SortIdx, WitEncoder, plan_imports
from componentize.component.builder import (
    CoreFuncIdx,
    CoreInstanceIdx,
    CoreMemoryIdx,
    CoreModuleIdx,
)
from componentize.errors import InternalError
from componentize.shim.contract import (
    PROVIDER_GUEST_MEMORY_EXPORT,
    PROVIDER_REALLOC_EXPORT,
    PROVIDER_REALLOC_TABLE_EXPORT,
    PROVIDER_SHIM_MEMORY_EXPORT,
    PROVIDER_START_TABLE_EXPORT,
    REALLOC_EXPORT,
    REALLOC_TYPE,
    RUN_EXPORT,
    SHIM_GUEST_MEMORY_IMPORT,
    SHIM_MEMORY_IMPORT,
    SHIM_START_TABLE_IMPORT,
    START_TYPE,
)
from componentize.wit.model import Interface, Resolve, TypeDef


@dataclass(frozen=True)
class Parts:
    """Everything the layout needs, already planned and rewritten."""

    main: bytes  # the main module, memory 0 turned into an import
    memory: guest.GuestMemory
    shim: bytes  # the gc'd shim, imports renamed to the target version
    shim_imports: list[tuple[str, str]]  # (interface, function) in import order
    guest_imports: Mapping[tuple[str, str], str]  # (module, name) -> shim export
    kind: str  # command | reactor
    resolve: Resolve  # WIT at the target version
    initialize: bool = False  # a reactor exporting `_initialize`


def build(parts: Parts) -> bytes:
    b = ComponentBuilder()
    provider = b.core_instantiate(_module(b, guest.provider_module(parts.memory), "memories"))
    shim_memory = b.alias_core_memory(provider, PROVIDER_SHIM_MEMORY_EXPORT)
    realloc = b.alias_core_func(provider, PROVIDER_REALLOC_EXPORT)

    wasi_args = _lower_wasi(b, parts, shim_memory, realloc)
    shim_module, shim_memory_name = SHIM_MEMORY_IMPORT
    shim_args = {
        shim_module: _core_exports(
            b, {shim_memory_name: (provider, PROVIDER_SHIM_MEMORY_EXPORT, Sort.CORE_MEMORY)}
        ),
        **_guest_args(b, parts, provider),
        **wasi_args,
    }
    shim = b.core_instantiate(_module(b, parts.shim, "shim"), shim_args)
    b.name(Sort.CORE_INSTANCE, shim, "shim")
    _fill_slot(b, provider, PROVIDER_REALLOC_TABLE_EXPORT, shim, REALLOC_EXPORT, REALLOC_TYPE)

    main = b.core_instantiate(_module(b, parts.main, "main"), _main_args(b, parts, provider, shim))
    b.name(Sort.CORE_INSTANCE, main, "main")
    if parts.kind == "command":
        _fill_slot(b, provider, PROVIDER_START_TABLE_EXPORT, main, "_start", START_TYPE)
        _export_run(b, parts.resolve, shim)
    elif parts.initialize:
        init = _module(b, guest.initializer_module(), "initialize")
        args = _core_exports(b, {"func": (main, INITIALIZE, Sort.CORE_FUNC)})
        b.core_instantiate(init, {guest.FILLER_MODULE: args})
    return b.finish()


def _module(b: ComponentBuilder, data: bytes, name: str) -> CoreModuleIdx:
    index = b.core_module(data)
    b.name(Sort.CORE_MODULE, index, name)
    return index


def _core_exports(
    b: ComponentBuilder, items: Mapping[str, tuple[CoreInstanceIdx, str, Sort]]
) -> CoreInstanceIdx:
    """A core instance re-exporting `name -> (instance, export, sort)`."""
    return b.core_instance_from_exports(
        {name: SortIdx(sort, b.alias_core_export(inst, export, sort))
         for name, (inst, export, sort) in items.items()}
    )  # fmt: skip


def _guest_args(
    b: ComponentBuilder, parts: Parts, provider: CoreInstanceIdx
) -> dict[str, CoreInstanceIdx]:
    """The shim's imports of the guest's memory and (commands) start table."""
    module, memory = SHIM_GUEST_MEMORY_IMPORT
    table_module, table = SHIM_START_TABLE_IMPORT
    assert table_module == module, "one core instance serves both"
    args = {memory: (provider, PROVIDER_GUEST_MEMORY_EXPORT, Sort.CORE_MEMORY)}
    if parts.kind == "command":
        args[table] = (provider, PROVIDER_START_TABLE_EXPORT, Sort.CORE_TABLE)
    return {module: _core_exports(b, args)}


def _lower_wasi(
    b: ComponentBuilder, parts: Parts, memory: CoreMemoryIdx, realloc: CoreFuncIdx
) -> dict[str, CoreInstanceIdx]:
    """Import the interfaces, lower each function the shim imports; one core
    instance per import module, named as the shim imports it."""
    wanted: dict[Interface, list[str]] = {}
    dropped: dict[Interface, list[TypeDef]] = {}
    for module, name in parts.shim_imports:
        iface = parts.resolve.interface(module)
        fns = wanted.setdefault(iface, [])
        resource = parse_resource_drop(name)
        if resource is not None:
            dropped.setdefault(iface, []).append(iface.types[resource])
        else:
            fns.append(name)
    encoder = WitEncoder(b)
    instances = {}
    for iface, (fns, extra) in plan_imports(wanted).items():
        extra += [td for td in dropped.get(iface, []) if td not in extra]
        instances[iface] = encoder.import_interface(iface, fns, extra)
    lowered: dict[str, dict[str, SortIdx]] = {}
    for module, name in parts.shim_imports:
        iface = parts.resolve.interface(module)
        resource = parse_resource_drop(name)
        if resource is not None:
            func = b.canon_resource_drop(encoder.component_type_of(iface.types[resource]))
        else:
            needs = abi.canon_needs(iface.functions[name], "lower")
            func = b.canon_lower(
                b.alias_func(instances[iface], name),
                memory=memory if needs.memory else None,
                realloc=realloc if needs.realloc else None,
            )
        lowered.setdefault(module, {})[name] = SortIdx(Sort.CORE_FUNC, func)
    return {module: b.core_instance_from_exports(funcs) for module, funcs in lowered.items()}


def _fill_slot(
    b: ComponentBuilder, provider: CoreInstanceIdx, table: str,
    owner: CoreInstanceIdx, func: str, func_type: wasm.FuncType,
) -> None:  # fmt: skip
    filler = _module(b, guest.filler_module(func_type), f"fill-{table}")
    args = _core_exports(
        b, {"table": (provider, table, Sort.CORE_TABLE), "func": (owner, func, Sort.CORE_FUNC)}
    )
    b.core_instantiate(filler, {guest.FILLER_MODULE: args})


def _main_args(
    b: ComponentBuilder, parts: Parts, provider: CoreInstanceIdx, shim: CoreInstanceIdx
) -> dict[str, CoreInstanceIdx]:
    """The main module's imports: preview1/preview0 straight from the shim."""
    by_module: dict[str, dict[str, tuple[CoreInstanceIdx, str, Sort]]] = {}
    for (module, name), export in parts.guest_imports.items():
        by_module.setdefault(module, {})[name] = (shim, export, Sort.CORE_FUNC)
    memory = parts.memory
    memory_args = by_module.setdefault(memory.import_module, {})
    if memory.import_name in memory_args:
        raise InternalError(f"memory import {memory.import_module}.{memory.import_name} clashes")
    memory_args[memory.import_name] = (provider, PROVIDER_GUEST_MEMORY_EXPORT, Sort.CORE_MEMORY)
    return {module: _core_exports(b, items) for module, items in sorted(by_module.items())}


def _export_run(b: ComponentBuilder, resolve: Resolve, shim: CoreInstanceIdx) -> None:
    run_iface = next(
        i for p in resolve.packages if p.name.name == "cli"
        for n, i in p.interfaces.items() if n == "run"
    )  # fmt: skip
    encoder = WitEncoder(b)
    lifted = b.canon_lift(
        b.alias_core_func(shim, RUN_EXPORT), encoder.func_type(run_iface.functions["run"])
    )
    instance = b.instance_from_exports({"run": SortIdx(Sort.FUNC, lifted)})
    b.export(run_iface.qualified_name(), Sort.INSTANCE, instance)
