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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from componentize import abi, wasm
from componentize.abi.names import parse_resource_drop
from componentize.assemble import guest
from componentize.assemble.rules import MEMORY_IMPORT, Rule, needs_memory, rule_types, rules_module
from componentize.assemble.typed import Binding
from componentize.assemble.typed_layout import Typed
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
MainArgs = dict[str, dict[str, Item | SortIdx]]  # main module imports: module -> name -> item
MAIN = "main"  # the name of the main module and its instance
CORE_FUNC = Sort.CORE_FUNC
RUN_INTERFACE = "wasi:cli/run"


@dataclass(frozen=True)
class Parts:
    """Everything the layout needs, already planned and rewritten."""

    main: guest.Main  # the main module and how it is wired
    shim: bytes  # the gc'd shim, imports renamed to the target version
    shim_imports: list[tuple[str, str]]  # (interface, function) in import order
    kind: str  # command | reactor
    resolve: Resolve  # WIT at the target version
    initialize: str | None = None  # a reactor's `_initialize` (or `cm32p2_initialize`)
    binding: Binding | None = None  # the module's WIT world, bound (assemble/typed.py)
    rules: Sequence[Rule] = ()  # imports served by import rules (assemble/rules.py)
    rule_imports: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # (preview1 module, name) the rules module imports -> the shim export serving it


def build(parts: Parts) -> bytes:
    b = ComponentBuilder()
    encoder = WitEncoder(b)
    typed = Typed(parts.binding, encoder) if parts.binding is not None else None
    _import_all(encoder, parts, typed)
    # A module with no preview1 imports that is not a command (a wasip2-style
    # library) needs no shim: nothing of it would be called.
    with_shim = bool(parts.main.imports) or parts.kind == "command"
    provider = (
        b.core_instantiate(_module(b, guest.provider_module(), "provider")) if with_shim else None
    )
    guest_memory, main_args = _guest_memory(b, parts)

    exports = sorted(set(parts.main.imports.values()) | set(parts.rule_imports.values()))
    shim_types = _shim_types(parts.shim, exports)
    typed_types = typed.stub_types() if typed else []
    rules_at = len(exports) + len(typed_types)  # the rules' first stub slot
    stub_types = shim_types + typed_types + rule_types(parts.rules)
    stubs = (
        b.core_instantiate(_module(b, guest.stub_module(stub_types), "stubs"))
        if stub_types
        else None
    )
    if typed is not None:
        typed.offset = len(exports)
        typed.define_resources(stubs)
        for module, items in typed.main_args(stubs).items():
            target = main_args.setdefault(module, {})
            for name, item in items.items():
                target[name] = item if isinstance(item, tuple) else SortIdx(Sort.CORE_FUNC, item)
    for i, rule in enumerate(parts.rules):
        assert stubs is not None
        main_args.setdefault(rule.module, {})[rule.name] = (stubs, str(rules_at + i), CORE_FUNC)
    main = b.core_instantiate(
        _module(b, parts.main.data, MAIN), _main_args(b, parts, stubs, exports, main_args)
    )
    b.name(Sort.CORE_INSTANCE, main, MAIN)
    if guest_memory is None:
        assert parts.main.memory.export is not None
        guest_memory = (main, parts.main.memory.export, Sort.CORE_MEMORY)
    if typed is not None:
        main_memory = b.alias_core_memory(guest_memory[0], guest_memory[1])
        slots = typed.lower_slotted(main, main_memory)
        if slots:
            assert stubs is not None
            _fill(b, (stubs, guest.TABLE), slots, typed_types, "world", len(exports))
    if parts.rules:
        assert stubs is not None
        _serve_rules(b, parts, stubs, exports, guest_memory, rules_at)

    shim = None
    if provider is not None:
        shim = _shim(b, encoder, parts, provider, guest_memory)
        if exports:
            assert stubs is not None
            _fill(b, (stubs, guest.TABLE), [(shim, e) for e in exports], shim_types, "stubs")
        if parts.kind == "command":
            start = [(main, "_start")]
            _fill(b, (provider, PROVIDER_START_TABLE_EXPORT), start, [START_TYPE], "start")
    _initialize(b, parts, shim, main)
    if shim is not None and parts.kind == "command" and not _world_runs(parts):
        _export_run(encoder, parts.resolve, shim)
    if typed is not None:
        typed.export(main, main_memory)
    return b.finish()


def _serve_rules(
    b: ComponentBuilder,
    parts: Parts,
    stubs: CoreInstanceIdx,
    exports: list[str],
    guest_memory: Item,
    first_slot: int,
) -> None:
    """Instantiate the rules module (on the module's memory, with preview1
    through the stubs when it needs them) and put its functions into the
    main module's rule slots."""
    args: dict[str, dict[str, Item]] = {}
    for (module_name, name), export in parts.rule_imports.items():
        args.setdefault(module_name, {})[name] = (stubs, str(exports.index(export)), CORE_FUNC)
    if needs_memory(parts.rules):
        args.setdefault(MEMORY_IMPORT[0], {})[MEMORY_IMPORT[1]] = guest_memory
    rules = _module(b, rules_module(parts.rules), "rules")
    instance = b.core_instantiate(
        rules, {name: _core_exports(b, items) for name, items in sorted(args.items())}
    )
    funcs = [(instance, str(i)) for i in range(len(parts.rules))]
    types = rule_types(parts.rules)
    _fill(b, (stubs, guest.TABLE), funcs, types, "rules", first_slot)


def _world_runs(parts: Parts) -> bool:
    """Whether the world exports `wasi:cli/run` itself (a wasip2-style
    command): then the module's own `run` is lifted, not the shim's."""
    binding = parts.binding
    return binding is not None and any(
        key.partition("@")[0] == RUN_INTERFACE for key in binding.world.exports
    )


def _guest_memory(b: ComponentBuilder, parts: Parts) -> tuple[Item | None, MainArgs]:
    """The memory preview1 pointers refer to, when a provider defines it
    (None: the main module's own, exported), and the main module's memory
    import (when it has one)."""
    memory = parts.main.memory
    if memory.export is not None:
        return None, {}
    module = guest.guest_memory_module(memory.limits)
    provided = b.core_instantiate(_module(b, module, "guest-memory"))
    item = (provided, PROVIDER_GUEST_MEMORY_EXPORT, Sort.CORE_MEMORY)
    if memory.import_name:
        return item, {memory.import_module: {memory.import_name: item}}
    return item, {}


def _shim(
    b: ComponentBuilder,
    encoder: WitEncoder,
    parts: Parts,
    provider: CoreInstanceIdx,
    guest_memory: Item,
) -> CoreInstanceIdx:
    """Lower what the shim calls, instantiate it, fill the realloc slot."""
    shim_memory = b.alias_core_memory(provider, PROVIDER_SHIM_MEMORY_EXPORT)
    realloc = b.alias_core_func(provider, PROVIDER_REALLOC_EXPORT)
    wasi_args = _lower_wasi(b, encoder, parts, shim_memory, realloc)
    shim_args = {**_shim_args(b, parts, provider, guest_memory), **wasi_args}
    shim = b.core_instantiate(_module(b, parts.shim, "shim"), shim_args)
    b.name(Sort.CORE_INSTANCE, shim, "shim")
    realloc_table = (provider, PROVIDER_REALLOC_TABLE_EXPORT)
    _fill(b, realloc_table, [(shim, REALLOC_EXPORT)], [REALLOC_TYPE], "realloc")
    return shim


def _import_all(encoder: WitEncoder, parts: Parts, typed: Typed | None) -> None:
    """Import the WASI interfaces the shim calls and the world's imports,
    in one plan: an interface both use is imported once."""
    wanted: dict[Interface, list[str]] = {}
    extra: dict[Interface, list[TypeDef]] = {}
    for module, name in parts.shim_imports:
        iface = parts.resolve.interface(module)
        fns = wanted.setdefault(iface, [])
        resource = parse_resource_drop(name)
        if resource is not None:
            extra.setdefault(iface, []).append(iface.types[resource])
        elif name not in fns:
            fns.append(name)
    if typed is not None:
        world_fns, world_types = typed.wanted()
        for iface, names in world_fns.items():
            wanted.setdefault(iface, []).extend(n for n in names if n not in wanted[iface])
        for iface, tds in world_types.items():
            extra.setdefault(iface, []).extend(tds)
    for iface in extra:
        wanted.setdefault(iface, [])
    for iface, (fns, more) in plan_imports(wanted).items():
        more += [td for td in extra.get(iface, []) if td not in more]
        inline_key = typed.import_name(iface) if typed is not None else None
        encoder.import_interface(iface, fns, more, inline_key)
    if typed is not None:
        typed.import_world_functions()


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
    b: ComponentBuilder, parts: Parts, shim: CoreInstanceIdx | None, main: CoreInstanceIdx
) -> None:
    """Run, once and in order: the shim's init, the main module's start
    function, a reactor's `_initialize`."""
    calls: list[Item] = [] if shim is None else [(shim, INIT_EXPORT, Sort.CORE_FUNC)]
    if parts.main.start:
        calls.append((main, guest.MAIN_START_EXPORT, Sort.CORE_FUNC))
    if parts.initialize is not None:
        calls.append((main, parts.initialize, Sort.CORE_FUNC))
    if not calls:
        return
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


def _core_exports(b: ComponentBuilder, items: Mapping[str, Item | SortIdx]) -> CoreInstanceIdx:
    """A core instance re-exporting `name -> (instance, export, sort)` (or
    a core definition itself)."""
    return b.core_instance_from_exports({name: _item(b, item) for name, item in items.items()})


def _item(b: ComponentBuilder, item: Item | SortIdx) -> SortIdx:
    if isinstance(item, SortIdx):
        return item
    inst, export, sort = item
    return SortIdx(sort, b.alias_core_export(inst, export, sort))


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
    b: ComponentBuilder,
    encoder: WitEncoder,
    parts: Parts,
    memory: CoreMemoryIdx,
    realloc: CoreFuncIdx,
) -> dict[str, CoreInstanceIdx]:
    """Lower each function the shim imports (its interfaces are imported);
    one core instance per import module, named as the shim imports it."""
    lowered: dict[str, dict[str, SortIdx]] = {}
    for module, name in parts.shim_imports:
        iface = parts.resolve.interface(module)
        resource = parse_resource_drop(name)
        if resource is not None:
            func = b.canon_resource_drop(encoder.component_type_of(iface.types[resource]))
        else:
            needs = abi.canon_needs(iface.functions[name], "lower")
            func = b.canon_lower(
                b.alias_func(encoder.instances[iface], name),
                memory=memory if needs.memory else None,
                realloc=realloc if needs.realloc else None,
            )
        lowered.setdefault(module, {})[name] = SortIdx(Sort.CORE_FUNC, func)
    return {module: b.core_instance_from_exports(funcs) for module, funcs in lowered.items()}


def _fill(
    b: ComponentBuilder,
    table: tuple[CoreInstanceIdx, str],
    funcs: Sequence[tuple[CoreInstanceIdx | None, str | CoreFuncIdx]],
    types: list[wasm.FuncType],
    name: str,
    offset: int = 0,
) -> None:
    """Put `funcs` (an instance's export, or a core function when the
    instance is None) into slots offset.. of `table`, with a filler module."""
    filler = _module(b, guest.filler_module(types, offset), f"fill-{name}")
    items: dict[str, Item | SortIdx] = {guest.TABLE: (*table, Sort.CORE_TABLE)}
    for i, (owner, f) in enumerate(funcs):
        if owner is None:
            assert isinstance(f, int)
            items[str(i)] = SortIdx(Sort.CORE_FUNC, f)
        else:
            assert isinstance(f, str)
            items[str(i)] = (owner, f, Sort.CORE_FUNC)
    b.core_instantiate(filler, {guest.GLUE_MODULE: _core_exports(b, items)})


def _main_args(
    b: ComponentBuilder,
    parts: Parts,
    stubs: CoreInstanceIdx | None,
    exports: list[str],
    memory_args: MainArgs,
) -> dict[str, CoreInstanceIdx]:
    """The main module's imports: preview1/preview0 from the stubs (stub `i`
    calls the shim's `exports[i]`), its memory when it imports it."""
    by_module = {module: dict(items) for module, items in memory_args.items()}
    for (module, name), export in parts.main.imports.items():
        items = by_module.setdefault(module, {})
        if name in items:
            raise InternalError(f"import {module}.{name} is served twice")
        assert stubs is not None
        items[name] = (stubs, str(exports.index(export)), Sort.CORE_FUNC)
    return {module: _core_exports(b, items) for module, items in sorted(by_module.items())}


def _export_run(encoder: WitEncoder, resolve: Resolve, shim: CoreInstanceIdx) -> None:
    run_iface = next(
        i
        for p in resolve.packages
        if p.name.name == "cli"
        for n, i in p.interfaces.items()
        if n == "run"
    )
    b = encoder.builder
    lifted = b.canon_lift(
        b.alias_core_func(shim, RUN_EXPORT), encoder.func_type(run_iface.functions["run"])
    )
    instance = b.instance_from_exports({"run": SortIdx(Sort.FUNC, lifted)})
    b.export(run_iface.qualified_name(), Sort.INSTANCE, instance)
