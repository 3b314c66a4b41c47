"""The component layout (docs/architecture.md, "How a component is laid out"), step by step:

1. import the WASI interfaces (grouped: one type and one import section per
   dependency level);
2. the provider module: the stubs (one slot table) and, with a shim, the
   shim's memory, stack pointer, memory-grow, the realloc trampoline (through
   the slot after the stubs') and the start table; a guest-memory provider
   when the main module imports its memory;
3. the main module, importing its preview1 functions from the stubs (its
   memory stays defined; it exports it), linked by slot: its preview1
   imports, the stubs and the shim's exports are named by slot number;
4. `canon lower` what the shim calls (memory: the shim's; realloc: the
   trampoline) and instantiate the shim on both memories;
5. the glue module: its element segments fill the slots (the stubs with the
   shim's exports, the world's and the rules' slots, realloc, `_start`), then
   its start function calls the shim's init, the main module's start
   function and a reactor's `_initialize`;
6. commands: lift the shim's `run` as `wasi:cli/run`.

Sizes (issue 13; benches/bench_size.py): core modules we instantiate get
whole instances, their imports renamed to the supplying instance's export
names (`Links`), so no alias and no inline export is spent per item; what
only this layout links to by name has a one-character name.

Every core module meets what JS hosts (jco) require of a module with several
memories: only the shim has two, and it is built for that
(componentize.wasm.portable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from componentize import abi, wasm
from componentize.abi.names import parse_resource_drop
from componentize.assemble import guest
from componentize.assemble.core_modules import (
    PROVIDED,
    STUB_TABLE,
    Glue,
    Item,
    Links,
    Supply,
    core_exports,
    glue_module,
    provider_module,
    slot_name,
)
from componentize.assemble.rules import MEMORY_IMPORT, Rule, needs_memory, rule_types, rules_module
from componentize.component import ComponentBuilder, Sort, SortIdx, WitEncoder, plan_imports
from componentize.component.builder import (
    CoreFuncIdx,
    CoreInstanceIdx,
    CoreMemoryIdx,
    CoreModuleIdx,
    FuncIdx,
    TypeIdx,
)
from componentize.errors import InternalError
from componentize.shim.contract import (
    INIT_EXPORT,
    PROVIDER_GUEST_MEMORY_EXPORT,
    PROVIDER_MEMORY_GROW_EXPORT,
    PROVIDER_REALLOC_EXPORT,
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
    lowered_function,
    lowers_on_guest,
)
from componentize.wasm.portable import js_host_problems
from componentize.wit.model import Interface, Resolve, TypeDef

if TYPE_CHECKING:
    from componentize.assemble.typed import Binding
    from componentize.assemble.typed_layout import Typed

# typed.py and typed_layout.py load only for a module with a world (most
# have none; with the world decoder they cost about 40 ms to import).

MainArgs = dict[str, dict[str, Item | SortIdx]]  # main module imports: module -> name -> item
MAIN = "main"  # the name of the main module and its instance
SHIM = "shim"  # the name of the shim module and its instance
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


def _instantiate_linked(
    b: ComponentBuilder, data: bytes, name: str, supplies: Mapping[tuple[str, str], Supply]
) -> CoreInstanceIdx:
    """Instantiate a module of ours with each import (module, name) supplied
    by `supplies`, its imports renamed by `Links`."""
    module = wasm.decode_module(data)
    links = Links()
    imports = []
    for imp in module.imports:
        supply = supplies.get((imp.module, imp.name))
        if supply is None:
            raise InternalError(f"nothing supplies the {name} import {imp.module}.{imp.name}")
        linked_module, linked_name = links.name(supply)
        imports.append(replace(imp, module=linked_module, name=linked_name))
    linked = replace(module, imports=imports)
    index = _module(b, wasm.encode_module(linked), name, linked)
    return b.core_instantiate(index, links.args(b))


def _instantiate_glue(b: ComponentBuilder, glue: Glue) -> None:
    if glue.fills or glue.calls:
        links = Links()
        b.core_instantiate(_module(b, glue_module(glue, links), "glue"), links.args(b))


def _supplies(funcs: Sequence[tuple[CoreInstanceIdx | None, str | CoreFuncIdx]]) -> list[Supply]:
    """Typed-world slot functions (an instance's export, or a core function) as supplies."""
    out: list[Supply] = []
    for owner, f in funcs:
        if owner is None:
            assert isinstance(f, int)
            out.append(SortIdx(Sort.CORE_FUNC, f))
        else:
            assert isinstance(f, str)
            out.append((owner, f, CORE_FUNC))
    return out


def build(parts: Parts) -> bytes:
    b = ComponentBuilder()
    encoder = WitEncoder(b)
    typed = None
    if parts.binding is not None:
        from componentize.assemble.typed_layout import Typed

        typed = Typed(parts.binding, encoder)
    _import_all(encoder, parts, typed)
    # A module with no preview1 imports that is not a command (a wasip2-style
    # library) needs no shim: nothing of it would be called.
    with_shim = bool(parts.main.imports) or parts.kind == "command"
    # The shim exports the stubs stand for, by their slot names (in slot order).
    exports = sorted(set(parts.main.imports.values()) | set(parts.rule_imports.values()), key=int)
    if exports != [slot_name(i) for i in range(len(exports))]:
        raise InternalError(f"stubs not linked by slot: {exports}")
    shim_types = _shim_types(parts.shim, exports)
    typed_types = typed.stub_types() if typed else []
    rules_at = len(exports) + len(typed_types)  # the rules' first stub slot
    stub_types = shim_types + typed_types + rule_types(parts.rules)
    provider = None
    if with_shim or stub_types:
        # A repeated import (Go imports each function once per package) is
        # the same stub under one more name.
        aliases = {n: e for (_, n), e in parts.main.imports.items() if n != e}
        data = provider_module(stub_types, with_shim, parts.kind == "command", aliases)
        provider = b.core_instantiate(_module(b, data, "provider"))
    stubs = provider if stub_types else None
    guest_memory, main_args = _guest_memory(b, parts)
    if typed is not None:
        typed.offset = len(exports)
        typed.define_resources(stubs)
        for module, items in typed.main_args(stubs).items():
            target = main_args.setdefault(module, {})
            for name, item in items.items():
                target[name] = item if isinstance(item, tuple) else SortIdx(Sort.CORE_FUNC, item)
    for i, rule in enumerate(parts.rules):
        assert stubs is not None
        stub = (stubs, slot_name(rules_at + i), CORE_FUNC)
        main_args.setdefault(rule.module, {})[rule.name] = stub
    main = b.core_instantiate(
        _module(b, parts.main.data, MAIN), _main_args(b, parts, stubs, main_args)
    )
    b.name(Sort.CORE_INSTANCE, main, MAIN)
    if guest_memory is None:
        assert parts.main.memory.export is not None
        guest_memory = (main, parts.main.memory.export, Sort.CORE_MEMORY)
    glue = Glue()
    stub_table = None if stubs is None else (stubs, STUB_TABLE, Sort.CORE_TABLE)
    if typed is not None:
        main_memory = b.alias_core_memory(guest_memory[0], guest_memory[1])
        slots = typed.lower_slotted(main, main_memory)
        if slots:
            assert stub_table is not None
            glue.fill(stub_table, len(exports), _supplies(slots), typed_types)
    if parts.rules:
        assert stub_table is not None
        funcs = _serve_rules(b, parts, stub_table[0], guest_memory)
        glue.fill(stub_table, rules_at, funcs, rule_types(parts.rules))

    shim = None
    if provider is not None and with_shim:
        shim = _shim(b, encoder, parts, provider, guest_memory)
        realloc_slot = [(shim, REALLOC_EXPORT, CORE_FUNC)]
        glue.fill(
            (provider, STUB_TABLE, Sort.CORE_TABLE), len(stub_types), realloc_slot, [REALLOC_TYPE]
        )
        if exports:
            assert stub_table is not None
            glue.fill(stub_table, 0, [(shim, e, CORE_FUNC) for e in exports], shim_types)
        if parts.kind == "command":
            start_table = _provided(provider, PROVIDER_START_TABLE_EXPORT, Sort.CORE_TABLE)
            glue.fill(start_table, 0, [(main, "_start", CORE_FUNC)], [START_TYPE])
    glue.calls.extend(_initializers(parts, shim, main))
    _instantiate_glue(b, glue)
    if shim is not None and parts.kind == "command" and not _world_runs(parts):
        _export_run(encoder, parts.resolve, shim)
    if typed is not None:
        typed.export(main, main_memory)
    return b.finish()


def _serve_rules(
    b: ComponentBuilder,
    parts: Parts,
    stubs: CoreInstanceIdx,
    guest_memory: Item,
) -> list[Supply]:
    """Instantiate the rules module (on the module's memory, with preview1
    through the stubs when it needs them); its functions, for the main
    module's rule slots."""
    supplies: dict[tuple[str, str], Supply] = {
        key: (stubs, export, CORE_FUNC) for key, export in parts.rule_imports.items()
    }
    if needs_memory(parts.rules):
        supplies[MEMORY_IMPORT] = guest_memory
    instance = _instantiate_linked(b, rules_module(parts.rules), "rules", supplies)
    return [(instance, str(i), CORE_FUNC) for i in range(len(parts.rules))]


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
    module = _renamed_exports(guest.guest_memory_module(memory.limits), PROVIDED)
    provided = b.core_instantiate(_module(b, module, "guest-memory"))
    item = _provided(provided, PROVIDER_GUEST_MEMORY_EXPORT, Sort.CORE_MEMORY)
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
    """Lower what the shim calls and instantiate it: its own memory, stack
    pointer and memory-grow from the provider, the guest's memory, (commands)
    the start table."""
    shim_memory = b.alias_core_memory(provider, PROVIDED[PROVIDER_SHIM_MEMORY_EXPORT])
    realloc = b.alias_core_func(provider, PROVIDED[PROVIDER_REALLOC_EXPORT])
    supplies: dict[tuple[str, str], Supply] = {
        SHIM_MEMORY_IMPORT: _provided(provider, PROVIDER_SHIM_MEMORY_EXPORT, Sort.CORE_MEMORY),
        SHIM_STACK_POINTER_IMPORT: _provided(
            provider, PROVIDER_STACK_POINTER_EXPORT, Sort.CORE_GLOBAL
        ),
        SHIM_MEMORY_GROW_IMPORT: _provided(provider, PROVIDER_MEMORY_GROW_EXPORT, Sort.CORE_FUNC),
        SHIM_GUEST_MEMORY_IMPORT: guest_memory,
        **_lower_wasi(b, encoder, parts, shim_memory, realloc, guest_memory),
    }
    if parts.kind == "command":
        start_table = _provided(provider, PROVIDER_START_TABLE_EXPORT, Sort.CORE_TABLE)
        supplies[SHIM_START_TABLE_IMPORT] = start_table
    shim = _instantiate_linked(b, parts.shim, SHIM, supplies)
    b.name(Sort.CORE_INSTANCE, shim, SHIM)
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
        name, _ = lowered_function(name)
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
    imports = []
    for iface, (fns, more) in plan_imports(wanted).items():
        more += [td for td in extra.get(iface, []) if td not in more]
        inline_key = typed.import_name(iface) if typed is not None else None
        imports.append((iface, fns, more, inline_key))
    encoder.import_grouped(imports)
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


def _initializers(parts: Parts, shim: CoreInstanceIdx | None, main: CoreInstanceIdx) -> list[Item]:
    """What runs once every slot is filled, in order: the shim's init, the
    main module's start function, a reactor's `_initialize`."""
    calls: list[Item] = [] if shim is None else [(shim, INIT_EXPORT, CORE_FUNC)]
    if parts.main.start:
        calls.append((main, guest.MAIN_START_EXPORT, CORE_FUNC))
    if parts.initialize is not None:
        calls.append((main, parts.initialize, CORE_FUNC))
    return calls


def _module(
    b: ComponentBuilder, data: bytes, name: str, decoded: wasm.Module | None = None
) -> CoreModuleIdx:
    """Add core module `data` (`decoded`: the same, decoded) under `name`."""
    if name != MAIN:
        # Every module we add must run on JS hosts too; the main module is
        # the user's (assemble warns when it cannot).  The shim's bodies are
        # the bundled shim's, renumbered by gc or made to trap by deny, which
        # adds no memory instruction (tests/shim check all three), so only
        # its sections are checked here: decoding every body cost 8 ms a module.
        module = decoded if decoded is not None else wasm.decode_module(data)
        problems = js_host_problems(module, bodies=name != SHIM)
        if problems:
            raise InternalError(f"core module {name} would not run on JS hosts: {problems[0]}")
    index = b.core_module(data)
    b.name(Sort.CORE_MODULE, index, name)
    return index


def _lower_wasi(
    b: ComponentBuilder,
    encoder: WitEncoder,
    parts: Parts,
    memory: CoreMemoryIdx,
    realloc: CoreFuncIdx,
    guest_memory: Item,
) -> dict[tuple[str, str], Supply]:
    """Lower each function the shim imports (its interfaces are imported):
    (module, name) as the shim imports it -> the core function.  The shim's
    memory serves them all but those it marks for the guest's (contract:
    GUEST_LOWERING), whose results the host writes into the guest's memory."""
    # Every alias first, then every canon: one section of each, not one
    # section header per function.
    aliases: dict[tuple[str, str], int] = {}
    targets: dict[tuple[str, str], tuple[str, int]] = {}
    for module, name in parts.shim_imports:
        iface = parts.resolve.interface(module)
        resource = parse_resource_drop(name)
        if resource is not None:
            targets[module, name] = ("drop", encoder.component_type_of(iface.types[resource]))
            continue
        base, _ = lowered_function(name)
        if (module, base) not in aliases:
            aliases[module, base] = b.alias_func(encoder.instances[iface], base)
        targets[module, name] = ("lower", aliases[module, base])
    guest: CoreMemoryIdx | None = None
    if lowers_on_guest(parts.shim_imports):
        guest = b.alias_core_memory(guest_memory[0], guest_memory[1])
    lowered: dict[tuple[str, str], Supply] = {}
    for (module, name), (how, index) in targets.items():
        if how == "drop":
            func = b.canon_resource_drop(TypeIdx(index))
        else:
            base, on_guest = lowered_function(name)
            needs = abi.canon_needs(parts.resolve.interface(module).functions[base], "lower")
            on = guest if on_guest and guest is not None else memory
            func = b.canon_lower(
                FuncIdx(index),
                memory=on if needs.memory else None,
                realloc=realloc if needs.realloc else None,
            )
        lowered[module, name] = SortIdx(Sort.CORE_FUNC, func)
    return lowered


def _main_args(
    b: ComponentBuilder,
    parts: Parts,
    stubs: CoreInstanceIdx | None,
    memory_args: MainArgs,
) -> dict[str, CoreInstanceIdx]:
    """The main module's imports: preview1/preview0 from the stubs (each
    import linked by the name of the stub serving it, guest.link_imports),
    its memory when it imports it.  A module whose every import is the stub
    of its name (the linked preview1 imports) gets the stubs instance itself."""
    by_module = {module: dict(items) for module, items in memory_args.items()}
    for module, name in parts.main.imports:
        items = by_module.setdefault(module, {})
        if name in items:
            raise InternalError(f"import {module}.{name} is served twice")
        assert stubs is not None
        items[name] = (stubs, name, Sort.CORE_FUNC)
    return {
        module: stubs
        if stubs is not None and all(item == (stubs, n, CORE_FUNC) for n, item in items.items())
        else core_exports(b, items)
        for module, items in sorted(by_module.items())
    }


def _provided(provider: CoreInstanceIdx, export: str, sort: Sort) -> Item:
    """The provider's `export` (as contract.py names it), as this layout renamed it."""
    return provider, PROVIDED[export], sort


def _renamed_exports(data: bytes, names: Mapping[str, str]) -> bytes:
    module = wasm.decode_module(data)
    renamed = [replace(e, name=names.get(e.name, e.name)) for e in module.exports]
    return wasm.encode_module(replace(module, exports=renamed))


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
