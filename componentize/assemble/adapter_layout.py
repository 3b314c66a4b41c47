"""The component of a main module and its adapters (`--adapt`), step by step:

1. a guest-memory provider when the main module imports its memory (or has none);
2. the *stubs*: one `call_indirect` per function the main module imports
   from an adapter, and per WASI function an adapter calls whose lowering
   needs a `realloc` (the adapter's `cabi_import_realloc`, which exists only
   once the adapter does); the main module, instantiated with its stubs,
   keeps its memory defined and exports it;
3. the WASI interfaces imported (one component import per interface, shared
   by the adapters) and lowered on the main module's memory; an *allocator*
   (memory.grow on that memory) stands in for `cabi_realloc` when the
   adapter needs it and the main module does not export one;
4. each adapter instantiated on the main module's memory, with the main
   module's functions and the lowered (or stub) WASI functions;
5. the realloc-needing WASI functions lowered with the adapter's realloc, and
   a filler putting them and the adapters' exports into the stubs' slots;
6. the initializer: each adapter's stack allocation, the main module's start
   function, a reactor's `_initialize`;
7. the adapters' world exports (`wasi:cli/run`) lifted and exported.

Functions lowered without a realloc need no slot: the main module's memory
exists before any adapter does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from componentize import abi, wasm
from componentize.assemble import guest
from componentize.assemble.typed import Binding
from componentize.assemble.typed_layout import Typed
from componentize.component import ComponentBuilder, Sort, SortIdx, WitEncoder, plan_imports
from componentize.component.builder import (
    CoreFuncIdx,
    CoreInstanceIdx,
    CoreMemoryIdx,
    CoreModuleIdx,
)
from componentize.errors import InternalError, UnsupportedModuleError
from componentize.shim.contract import PROVIDER_GUEST_MEMORY_EXPORT, REALLOC_TYPE
from componentize.wit.model import Interface, TypeDef

MAIN = "main"
MAIN_MODULE = "__main_module__"  # what adapters import the main module's functions from
REALLOC = "cabi_realloc"
ALLOCATOR_REALLOC = REALLOC
INIT_EXPORT = "componentize:adapter-init"  # the function added to an adapter: its stack
PAGE = 65536
STACK_POINTER = "__stack_pointer"
ALLOCATION_STATE = "allocation_state"  # 0: no stack yet, 1: allocating, 2: allocated
STACK_SIZE = 65536
GLOBAL_NAMES = 7  # the name section's subsection of global names


@dataclass(frozen=True)
class WasiImport:
    """One WASI function an adapter imports, resolved to its WIT."""

    module: str  # as the adapter imports it (`wasi:io/streams@0.2.12`)
    name: str  # `[method]output-stream.write` or `[resource-drop]output-stream`
    iface: Interface
    core_type: wasm.FuncType
    resource: str | None = None  # the resource a `[resource-drop]` drops


@dataclass(frozen=True)
class Lift:
    """One export of an adapter's world, lifted from core export `core`."""

    iface: Interface
    function: str
    core: str


@dataclass
class AdapterParts:
    name: str  # the module the main module imports it as
    module: bytes  # gc'd, with its stack init
    exports: dict[str, wasm.FuncType]  # the functions it serves the main module
    memory: tuple[str, str]  # its memory import (the main module's memory)
    main_imports: list[str]  # functions it imports from the main module
    wasi: list[WasiImport]
    lifts: list[Lift] = field(default_factory=list)
    init: bool = False  # exports INIT_EXPORT
    import_realloc: str | None = None  # its realloc for lowered imports


@dataclass
class Parts:
    main: guest.Main
    adapters: list[AdapterParts]
    main_realloc: str | None  # the main module's `cabi_realloc` export, if any
    initialize: str | None = None  # what to call once first (a reactor's `_initialize`)
    binding: Binding | None = None  # the module's own WIT world, bound (assemble/typed.py)


def _needs(w: WasiImport) -> abi.CanonNeeds | None:
    if w.resource is not None:
        return None
    return abi.canon_needs(w.iface.functions[w.name], "lower")


def _deferred(parts: Parts) -> list[tuple[AdapterParts, WasiImport]]:
    """The WASI imports whose lowering needs the adapter's realloc."""
    out = []
    for adapter in parts.adapters:
        for w in adapter.wasi:
            needs = _needs(w)
            if needs is not None and needs.realloc:
                if adapter.import_realloc is None:
                    raise UnsupportedModuleError(
                        f"the adapter imports `{w.module}.{w.name}`, whose results need a "
                        "realloc, but exports no `cabi_import_realloc`",
                        where=f"--adapt {adapter.name}",
                    )
                out.append((adapter, w))
    return out


def build(parts: Parts) -> bytes:
    b = ComponentBuilder()
    encoder = WitEncoder(b)
    typed = Typed(parts.binding, encoder) if parts.binding is not None else None
    _import_interfaces(encoder, parts, typed)
    slots = [(a, e) for a in parts.adapters for e in sorted(a.exports)]
    deferred = _deferred(parts)
    types = [a.exports[e] for a, e in slots] + [w.core_type for _, w in deferred]
    if typed is not None:
        typed.offset = len(types)
        types += typed.stub_types()
    stubs = _instantiate(b, guest.stub_module(types), "stubs") if types else None
    if typed is not None:
        typed.define_resources(stubs)

    memory_item = _guest_memory(b, parts)
    main_args = _main_args(b, parts, stubs, slots, memory_item, typed)
    main = b.core_instantiate(_module(b, parts.main.data, MAIN), main_args)
    b.name(Sort.CORE_INSTANCE, main, MAIN)
    owner, export = memory_item if memory_item is not None else (main, parts.main.memory.export)
    assert export is not None
    memory = b.alias_core_memory(owner, export)

    adapters = _instantiate_adapters(b, encoder, parts, stubs, len(slots), deferred, main, memory)
    if stubs is not None:
        funcs = [b.alias_core_func(adapters[a.name], e) for a, e in slots]
        for a, w in deferred:
            assert a.import_realloc is not None
            own = b.alias_core_func(adapters[a.name], a.import_realloc)
            funcs.append(_lower(b, encoder, w, memory, own))
        if typed is not None:
            funcs += [_core_func(b, item) for item in typed.lower_slotted(main, memory)]
        _fill(b, stubs, funcs, types)
    _initialize(b, parts, adapters, main)
    exported = _world_exports(parts.binding)
    for adapter in parts.adapters:
        _lift(b, encoder, adapter, adapters[adapter.name], exported)
    if typed is not None:
        typed.export(main, memory)
    return b.finish()


def _instantiate_adapters(
    b: ComponentBuilder,
    encoder: WitEncoder,
    parts: Parts,
    stubs: CoreInstanceIdx | None,
    first_late: int,
    deferred: list[tuple[AdapterParts, WasiImport]],
    main: CoreInstanceIdx,
    memory: CoreMemoryIdx,
) -> dict[str, CoreInstanceIdx]:
    """Each adapter on the main module's memory, with its WASI imports
    lowered now, or (those needing its own realloc) as stubs whose slots,
    from `first_late` on, are filled once it exists."""
    realloc = _main_realloc(b, parts, main, memory)
    adapters = {}
    for adapter in parts.adapters:
        late = {
            (w.module, w.name): first_late + n for n, (a, w) in enumerate(deferred) if a is adapter
        }
        lowered = {
            (w.module, w.name): _stub_func(b, stubs, late[w.module, w.name])
            if (w.module, w.name) in late
            else _lower(b, encoder, w, memory, None)
            for w in adapter.wasi
        }
        args = _adapter_args(b, adapter, lowered, main, memory, realloc)
        inst = b.core_instantiate(_module(b, adapter.module, f"adapter:{adapter.name}"), args)
        b.name(Sort.CORE_INSTANCE, inst, adapter.name)
        adapters[adapter.name] = inst
    return adapters


def _core_func(
    b: ComponentBuilder, item: tuple[CoreInstanceIdx | None, str | CoreFuncIdx]
) -> CoreFuncIdx:
    """A slot function as Typed gives it: a core func, or an instance's export."""
    owner, func = item
    if owner is None:
        assert not isinstance(func, str)
        return func
    assert isinstance(func, str)
    return b.alias_core_func(owner, func)


def _world_exports(binding: Binding | None) -> set[str]:
    """The interfaces (unversioned) the module's own world exports: an
    adapter's export of the same (a command adapter's `wasi:cli/run` for a
    wasip2-style command) gives way to the module's."""
    if binding is None:
        return set()
    return {key.partition("@")[0] for key in binding.world.exports}


def _module(b: ComponentBuilder, data: bytes, name: str) -> CoreModuleIdx:
    index = b.core_module(data)
    b.name(Sort.CORE_MODULE, index, name)
    return index


def _instantiate(
    b: ComponentBuilder, data: bytes, name: str, args: Mapping[str, CoreInstanceIdx] = {}
) -> CoreInstanceIdx:
    return b.core_instantiate(_module(b, data, name), args)


def _guest_memory(b: ComponentBuilder, parts: Parts) -> tuple[CoreInstanceIdx, str] | None:
    """A memory provider for a main module that imports its memory (or has none)."""
    memory = parts.main.memory
    if memory.export is not None:
        return None
    inst = _instantiate(b, guest.guest_memory_module(memory.limits), "guest-memory")
    return inst, PROVIDER_GUEST_MEMORY_EXPORT


def _main_args(
    b: ComponentBuilder,
    parts: Parts,
    stubs: CoreInstanceIdx | None,
    slots: list[tuple[AdapterParts, str]],
    memory_item: tuple[CoreInstanceIdx, str] | None,
    typed: Typed | None,
) -> dict[str, CoreInstanceIdx]:
    """The main module's imports: stub `i` for the function in slot `i`, its
    memory, and what its own world binds (Typed)."""
    by_module: dict[str, dict[str, SortIdx]] = {}
    memory = parts.main.memory
    if memory_item is not None and memory.import_name:
        owner, export = memory_item
        index = b.alias_core_memory(owner, export)
        by_module[memory.import_module] = {memory.import_name: SortIdx(Sort.CORE_MEMORY, index)}
    slot_of = {(a.name, e): i for i, (a, e) in enumerate(slots)}
    for (module, name), export in parts.main.imports.items():
        stub = _stub_func(b, stubs, slot_of[module, export])
        by_module.setdefault(module, {})[name] = SortIdx(Sort.CORE_FUNC, stub)
    for module, items in (typed.main_args(stubs) if typed else {}).items():
        for name, item in items.items():
            func: int = b.alias_core_export(*item) if isinstance(item, tuple) else item
            by_module.setdefault(module, {})[name] = SortIdx(Sort.CORE_FUNC, func)
    return {m: b.core_instance_from_exports(items) for m, items in sorted(by_module.items())}


def _stub_func(b: ComponentBuilder, stubs: CoreInstanceIdx | None, slot: int) -> CoreFuncIdx:
    if stubs is None:
        raise InternalError("no stubs for a slot")
    return b.alias_core_func(stubs, str(slot))


def _main_realloc(
    b: ComponentBuilder, parts: Parts, main: CoreInstanceIdx, memory: CoreMemoryIdx
) -> CoreFuncIdx | None:
    """The `cabi_realloc` adapters import from the main module: its own, or
    an allocator growing its memory by whole pages (what the official tool
    does for a module without one)."""
    if not any(ALLOCATOR_REALLOC in a.main_imports for a in parts.adapters):
        return None
    if parts.main_realloc is not None:
        return b.alias_core_func(main, parts.main_realloc)
    env = b.core_instance_from_exports({"memory": SortIdx(Sort.CORE_MEMORY, memory)})
    allocator = _instantiate(b, allocator_module(), "allocator", {"env": env})
    return b.alias_core_func(allocator, ALLOCATOR_REALLOC)


def allocator_module() -> bytes:
    """`cabi_realloc(old, old_size, align, size)` for fresh allocations only:
    grows the imported memory by enough pages for `size` and returns the
    first new page (page-aligned, so any `align` holds); traps on a
    reallocation or when the memory cannot grow."""

    body = [
        _ins("local.get", 0),
        _ins("if", None),
        _ins("unreachable"),
        _ins("end"),
        _ins("local.get", 3),
        _ins("i32.const", PAGE - 1),
        _ins("i32.add"),
        _ins("i32.const", 16),
        _ins("i32.shr_u"),
        _ins("memory.grow", 0),
        _ins("local.tee", 4),
        _ins("i32.const", -1),
        _ins("i32.eq"),
        _ins("if", None),
        _ins("unreachable"),
        _ins("end"),
        _ins("local.get", 4),
        _ins("i32.const", 16),
        _ins("i32.shl"),
        _ins("end"),
    ]
    module = wasm.Module(
        types=[REALLOC_TYPE],
        imports=[wasm.Import("env", "memory", wasm.Limits(0))],
        functions=[0],
        exports=[wasm.Export(ALLOCATOR_REALLOC, "func", 0)],
        codes=[wasm.Code([wasm.Local(1, "i32")], wasm.encode_expr(body))],
    )
    return wasm.encode_module(module)


def _import_interfaces(encoder: WitEncoder, parts: Parts, typed: Typed | None) -> None:
    """One component import per interface the adapters call (with the
    functions they call and the resources they drop) or the module's own
    world imports: an interface both use is imported once."""
    wanted: dict[Interface, list[str]] = {}
    extra: dict[Interface, list[TypeDef]] = {}
    for adapter in parts.adapters:
        for w in adapter.wasi:
            if w.resource is not None:
                extra.setdefault(w.iface, []).append(w.iface.types[w.resource])
            else:
                wanted.setdefault(w.iface, []).append(w.name)
    if typed is not None:
        world_fns, world_types = typed.wanted()
        for iface, names in world_fns.items():
            wanted.setdefault(iface, []).extend(names)
        for iface, tds in world_types.items():
            extra.setdefault(iface, []).extend(tds)
    for iface in extra:
        wanted.setdefault(iface, [])
    unique = {iface: list(dict.fromkeys(names)) for iface, names in wanted.items()}
    for iface, (fns, more) in plan_imports(unique).items():
        more += [td for td in dict.fromkeys(extra.get(iface, [])) if td not in more]
        encoder.import_interface(iface, fns, more)
    if typed is not None:
        typed.import_world_functions()


def _lower(
    b: ComponentBuilder,
    encoder: WitEncoder,
    w: WasiImport,
    memory: CoreMemoryIdx,
    realloc: CoreFuncIdx | None,
) -> CoreFuncIdx:
    if w.resource is not None:
        return b.canon_resource_drop(encoder.component_type_of(w.iface.types[w.resource]))
    needs = _needs(w)
    assert needs is not None
    return b.canon_lower(
        b.alias_func(encoder.instances[w.iface], w.name),
        memory=memory if needs.memory else None,
        realloc=realloc if needs.realloc else None,
    )


def _adapter_args(
    b: ComponentBuilder,
    adapter: AdapterParts,
    lowered: Mapping[tuple[str, str], CoreFuncIdx],
    main: CoreInstanceIdx,
    memory: CoreMemoryIdx,
    realloc: CoreFuncIdx | None,
) -> dict[str, CoreInstanceIdx]:
    by_module: dict[str, dict[str, SortIdx]] = {}
    module, name = adapter.memory
    by_module[module] = {name: SortIdx(Sort.CORE_MEMORY, memory)}
    for name in adapter.main_imports:
        if name == ALLOCATOR_REALLOC and realloc is not None:
            func = realloc
        else:
            func = b.alias_core_func(main, name)
        by_module.setdefault(MAIN_MODULE, {})[name] = SortIdx(Sort.CORE_FUNC, func)
    for (module, name), func in lowered.items():
        by_module.setdefault(module, {})[name] = SortIdx(Sort.CORE_FUNC, func)
    return {m: b.core_instance_from_exports(items) for m, items in sorted(by_module.items())}


def _fill(
    b: ComponentBuilder,
    stubs: CoreInstanceIdx,
    funcs: list[CoreFuncIdx],
    types: list[wasm.FuncType],
) -> None:
    """Put `funcs` into slots 0.. of the stubs' table, with a filler module."""
    items = {guest.TABLE: SortIdx(Sort.CORE_TABLE, b.alias_core_table(stubs, guest.TABLE))}
    items.update({str(i): SortIdx(Sort.CORE_FUNC, f) for i, f in enumerate(funcs)})
    glue = b.core_instance_from_exports(items)
    _instantiate(b, guest.filler_module(types), "fill-stubs", {guest.GLUE_MODULE: glue})


def _initialize(
    b: ComponentBuilder,
    parts: Parts,
    adapters: Mapping[str, CoreInstanceIdx],
    main: CoreInstanceIdx,
) -> None:
    """Run, once and in order, after every slot is filled: each adapter's
    stack allocation, the main module's start function, a reactor's
    `_initialize`."""
    calls = [b.alias_core_func(adapters[a.name], INIT_EXPORT) for a in parts.adapters if a.init]
    if parts.main.start:
        calls.append(b.alias_core_func(main, guest.MAIN_START_EXPORT))
    if parts.initialize is not None:
        calls.append(b.alias_core_func(main, parts.initialize))
    if not calls:
        return
    glue = b.core_instance_from_exports(
        {str(i): SortIdx(Sort.CORE_FUNC, f) for i, f in enumerate(calls)}
    )
    _instantiate(b, guest.initializer_module(len(calls)), "initialize", {guest.GLUE_MODULE: glue})


def _lift(
    b: ComponentBuilder,
    encoder: WitEncoder,
    adapter: AdapterParts,
    inst: CoreInstanceIdx,
    skip: set[str],
) -> None:
    """Export each interface of the adapter's world it implements (but those
    in `skip`, which the module exports itself)."""
    by_iface: dict[Interface, dict[str, SortIdx]] = {}
    for lift in adapter.lifts:
        if lift.iface.qualified_name().partition("@")[0] in skip:
            continue
        fn = lift.iface.functions[lift.function]
        needs = abi.canon_needs(fn, "lift")
        if needs.memory or needs.realloc:
            raise UnsupportedModuleError(
                f"the adapter exports `{lift.core}`, whose lifting needs memory options "
                "(not supported yet)",
                where=f"--adapt {adapter.name}",
            )
        lifted = b.canon_lift(b.alias_core_func(inst, lift.core), encoder.func_type(fn))
        by_iface.setdefault(lift.iface, {})[lift.function] = SortIdx(Sort.FUNC, lifted)
    for iface, funcs in by_iface.items():
        instance = b.instance_from_exports(funcs)
        b.export(iface.qualified_name(), Sort.INSTANCE, instance)


# ---------------------------------------------------------------- the adapter's stack


def _global_names(module: wasm.Module) -> dict[str, int]:
    """Global name -> index, from the name section (adapters are built with it)."""
    section = wasm.find_custom(module, "name")
    if section is None:
        return {}
    names: dict[str, int] = {}
    for sub_id, payload in wasm.decode_name_section(section.data).others:
        if sub_id != GLOBAL_NAMES:
            continue
        r = wasm.Reader(bytes(payload), 0, len(payload), "name")
        for _ in range(r.count("name")):
            index = r.u32()
            names[r.name()] = index
    return names


def add_stack_init(module: wasm.Module) -> tuple[wasm.Module, bool]:
    """Give the adapter an exported init that allocates its stack through
    the main module's `cabi_realloc`, as the official tool's start function
    does: an adapter's `__stack_pointer` starts at 0, and its stack must not
    overlap the main module's data.  No change (False) for an adapter
    without a `__stack_pointer` or a `cabi_realloc` import."""
    names = _global_names(module)
    sp = names.get(STACK_POINTER)
    realloc = next(
        (
            i
            for i, imp in enumerate(wasm.iter_imports(module, "func"))
            if (imp.module, imp.name) == (MAIN_MODULE, REALLOC)
        ),
        None,
    )
    if sp is None or realloc is None or not all(isinstance(t, wasm.FuncType) for t in module.types):
        return module, False
    state = names.get(ALLOCATION_STATE)
    body = _stack_body(sp, realloc, state)
    index = wasm.imported_count(module, "func") + len(module.functions)
    return replace(
        module,
        types=[*module.types, wasm.FuncType([], [])],
        functions=[*module.functions, len(module.types)],
        codes=[*module.codes, wasm.Code([], wasm.encode_expr(body))],
        exports=[*module.exports, wasm.Export(INIT_EXPORT, "func", index)],
    ), True


def _ins(op: str, *imm: object) -> wasm.Instruction:
    return wasm.Instruction(op, imm)


def _stack_body(sp: int, realloc: int, state: int | None) -> list[wasm.Instruction]:
    """sp = cabi_realloc(0, 0, 8, STACK_SIZE) + STACK_SIZE, within the
    adapter's allocation-state protocol when it has one."""
    allocate = [
        *(_ins("i32.const", v) for v in (0, 0, 8, STACK_SIZE)),
        _ins("call", realloc),
        _ins("i32.const", STACK_SIZE),
        _ins("i32.add"),
        _ins("global.set", sp),
    ]
    if state is None:
        return [*allocate, _ins("end")]
    return [
        _ins("global.get", state),
        _ins("i32.eqz"),
        _ins("if", None),
        _ins("i32.const", 1),
        _ins("global.set", state),
        *allocate,
        _ins("i32.const", 2),
        _ins("global.set", state),
        _ins("end"),
        _ins("end"),
    ]
