"""The component layout (docs/architecture.md, "How a component is laid out"), step by step:

1. the provider module: the shim's memory, stack pointer, memory-grow and
   slot tables; a guest-memory provider when the main module imports its memory;
2. the stubs, and the main module importing its preview1 functions from them
   (its memory stays defined; it exports it);
3. import the WASI interfaces and `canon lower` what the shim calls
   (memory: the shim's; realloc: the trampoline through the realloc slot);
4. instantiate the shim on both memories;
5. fill the slots: realloc, the stubs' table with the shim's exports, and
   (commands) `_start`;
6. the initializer: the shim's init, the main module's start function,
   a reactor's `_initialize`;
7. commands: lift the shim's `run` as `wasi:cli/run`.

Every core module meets what JS hosts (jco) require of a module with several
memories: only the shim has two, and it is built for that
(componentize.wasm.portable).
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
    INIT_EXPORT,
    PROVIDER_GUEST_MEMORY_EXPORT,
    PROVIDER_MEMORY_GROW_EXPORT,
    PROVIDER_REALLOC_EXPORT,
    PROVIDER_REALLOC_TABLE_EXPORT,
    PROVIDER_SHIM_MEMORY_EXPORT,
    PROVIDER_STACK_POINTER_EXPORT,
    PROVIDER_START_TABLE_EXPORT,
    REALLOC_EXPORT,
    REALLOC_TYPE,
    RUN_EXPORT,
    SHIM_GUEST_MEMORY_IMPORT,
    SHIM_MEMORY_GROW_IMPORT,
    SHIM_MEMORY_IMPORT,
    SHIM_STACK_POINTER_IMPORT,
    SHIM_START_TABLE_IMPORT,
    START_TYPE,
)
from componentize.wasm.portable import js_host_problems
from componentize.wit.model import Interface, Resolve, TypeDef

Item = tuple[CoreInstanceIdx, str, Sort]  # (instance, export name, sort)
MAIN = "main"  # the name of the main module and its instance


@dataclass(frozen=True)
class Parts:
    """Everything the layout needs, already planned and rewritten."""

    main: guest.Main  # the main module and how it is wired
    shim: bytes  # the gc'd shim, imports renamed to the target version
    shim_imports: list[tuple[str, str]]  # (interface, function) in import order
    kind: str  # command | reactor
    resolve: Resolve  # WIT at the target version
    initialize: bool = False  # a reactor exporting `_initialize`


def build(parts: Parts) -> bytes:
    b = ComponentBuilder()
    provider = b.core_instantiate(_module(b, guest.provider_module(), "provider"))
    memory = parts.main.memory
    guest_memory: Item
    main_memory_args: dict[str, dict[str, Item]] = {}
    if memory.export is None:
        provided = b.core_instantiate(
            _module(b, guest.guest_memory_module(memory.limits), "guest-memory")
        )
        guest_memory = (provided, PROVIDER_GUEST_MEMORY_EXPORT, Sort.CORE_MEMORY)
        if memory.import_name:
            main_memory_args = {memory.import_module: {memory.import_name: guest_memory}}

    exports = sorted(set(parts.main.imports.values()))
    stubs = _stubs(b, parts, exports)
    main = b.core_instantiate(
        _module(b, parts.main.data, MAIN), _main_args(b, parts, stubs, exports, main_memory_args)
    )
    b.name(Sort.CORE_INSTANCE, main, MAIN)
    if memory.export is not None:
        guest_memory = (main, memory.export, Sort.CORE_MEMORY)

    shim_memory = b.alias_core_memory(provider, PROVIDER_SHIM_MEMORY_EXPORT)
    realloc = b.alias_core_func(provider, PROVIDER_REALLOC_EXPORT)
    wasi_args = _lower_wasi(b, parts, shim_memory, realloc)
    shim_args = {**_shim_args(b, parts, provider, guest_memory), **wasi_args}
    shim = b.core_instantiate(_module(b, parts.shim, "shim"), shim_args)
    b.name(Sort.CORE_INSTANCE, shim, "shim")

    _fill(
        b,
        (provider, PROVIDER_REALLOC_TABLE_EXPORT),
        [(shim, REALLOC_EXPORT)],
        [REALLOC_TYPE],
        "realloc",
    )
    if exports:
        types = _shim_types(parts.shim, exports)
        _fill(b, (stubs, guest.TABLE), [(shim, e) for e in exports], types, "stubs")
    if parts.kind == "command":
        _fill(b, (provider, PROVIDER_START_TABLE_EXPORT), [(main, "_start")], [START_TYPE], "start")
    _initialize(b, parts, shim, main)
    if parts.kind == "command":
        _export_run(b, parts.resolve, shim)
    return b.finish()


def _stubs(b: ComponentBuilder, parts: Parts, exports: list[str]) -> CoreInstanceIdx:
    module = guest.stub_module(_shim_types(parts.shim, exports))
    return b.core_instantiate(_module(b, module, "stubs"))


def _shim_types(shim: bytes, exports: list[str]) -> list[wasm.FuncType]:
    module = wasm.decode_module(shim)
    by_name = wasm.export_map(module)
    types = []
    for name in exports:
        ft = wasm.func_type(module, by_name[name].index)
        if ft is None:
            raise InternalError(f"shim export {name} is not a function")
        types.append(ft)
    return types


def _initialize(
    b: ComponentBuilder, parts: Parts, shim: CoreInstanceIdx, main: CoreInstanceIdx
) -> None:
    """Run, once and in order: the shim's init, the main module's start
    function, a reactor's `_initialize`."""
    calls: list[Item] = [(shim, INIT_EXPORT, Sort.CORE_FUNC)]
    if parts.main.start:
        calls.append((main, guest.MAIN_START_EXPORT, Sort.CORE_FUNC))
    if parts.kind == "reactor" and parts.initialize:
        calls.append((main, INITIALIZE, Sort.CORE_FUNC))
    init = _module(b, guest.initializer_module(len(calls)), "initialize")
    args = _core_exports(b, {str(i): call for i, call in enumerate(calls)})
    b.core_instantiate(init, {guest.GLUE_MODULE: args})


def _module(b: ComponentBuilder, data: bytes, name: str) -> CoreModuleIdx:
    if name != MAIN:
        # Every module we add must run on JS hosts too; the main module is
        # the user's (assemble warns when it cannot).
        problems = js_host_problems(wasm.decode_module(data))
        if problems:
            raise InternalError(f"core module {name} would not run on JS hosts: {problems[0]}")
    index = b.core_module(data)
    b.name(Sort.CORE_MODULE, index, name)
    return index


def _core_exports(b: ComponentBuilder, items: Mapping[str, Item]) -> CoreInstanceIdx:
    """A core instance re-exporting `name -> (instance, export, sort)`."""
    return b.core_instance_from_exports(
        {
            name: SortIdx(sort, b.alias_core_export(inst, export, sort))
            for name, (inst, export, sort) in items.items()
        }
    )


def _shim_args(
    b: ComponentBuilder, parts: Parts, provider: CoreInstanceIdx, guest_memory: Item
) -> dict[str, CoreInstanceIdx]:
    """The shim's own imports: its memory, stack pointer and memory-grow
    from the provider; the guest's memory and (commands) start table."""
    env: dict[str, Item] = {}
    for (module, name), item in (
        (SHIM_MEMORY_IMPORT, (provider, PROVIDER_SHIM_MEMORY_EXPORT, Sort.CORE_MEMORY)),
        (SHIM_STACK_POINTER_IMPORT, (provider, PROVIDER_STACK_POINTER_EXPORT, Sort.CORE_GLOBAL)),
        (SHIM_MEMORY_GROW_IMPORT, (provider, PROVIDER_MEMORY_GROW_EXPORT, Sort.CORE_FUNC)),
    ):
        assert module == SHIM_MEMORY_IMPORT[0], "one core instance serves the shim's own imports"
        env[name] = item
    module, memory = SHIM_GUEST_MEMORY_IMPORT
    table_module, table = SHIM_START_TABLE_IMPORT
    assert table_module == module, "one core instance serves both"
    args: dict[str, Item] = {memory: guest_memory}
    if parts.kind == "command":
        args[table] = (provider, PROVIDER_START_TABLE_EXPORT, Sort.CORE_TABLE)
    return {SHIM_MEMORY_IMPORT[0]: _core_exports(b, env), module: _core_exports(b, args)}


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


def _fill(
    b: ComponentBuilder,
    table: tuple[CoreInstanceIdx, str],
    funcs: list[tuple[CoreInstanceIdx, str]],
    types: list[wasm.FuncType],
    name: str,
) -> None:
    """Put `funcs` into slots 0.. of `table`, with a filler module."""
    filler = _module(b, guest.filler_module(types), f"fill-{name}")
    items: dict[str, Item] = {guest.TABLE: (*table, Sort.CORE_TABLE)}
    items.update({str(i): (owner, f, Sort.CORE_FUNC) for i, (owner, f) in enumerate(funcs)})
    b.core_instantiate(filler, {guest.GLUE_MODULE: _core_exports(b, items)})


def _main_args(
    b: ComponentBuilder,
    parts: Parts,
    stubs: CoreInstanceIdx,
    exports: list[str],
    memory_args: dict[str, dict[str, Item]],
) -> dict[str, CoreInstanceIdx]:
    """The main module's imports: preview1/preview0 from the stubs (stub `i`
    calls the shim's `exports[i]`), its memory when it imports it."""
    by_module = {module: dict(items) for module, items in memory_args.items()}
    for (module, name), export in parts.main.imports.items():
        items = by_module.setdefault(module, {})
        if name in items:
            raise InternalError(f"import {module}.{name} is served twice")
        items[name] = (stubs, str(exports.index(export)), Sort.CORE_FUNC)
    return {module: _core_exports(b, items) for module, items in sorted(by_module.items())}


def _export_run(b: ComponentBuilder, resolve: Resolve, shim: CoreInstanceIdx) -> None:
    run_iface = next(
        i
        for p in resolve.packages
        if p.name.name == "cli"
        for n, i in p.interfaces.items()
        if n == "run"
    )
    encoder = WitEncoder(b)
    lifted = b.canon_lift(
        b.alias_core_func(shim, RUN_EXPORT), encoder.func_type(run_iface.functions["run"])
    )
    instance = b.instance_from_exports({"run": SortIdx(Sort.FUNC, lifted)})
    b.export(run_iface.qualified_name(), Sort.INSTANCE, instance)
