"""`componentize new --adapt NAME=FILE`: a user-supplied adapter module serves
the main module's imports from module NAME, as wit-component's `--adapt`
does, instead of our shim.

An adapter (such as the official `wasi_snapshot_preview1` adapter) is a core
module that imports the main module's memory (`env.memory`), functions of the
main module (`__main_module__.cabi_realloc`, `_start`) and WASI 0.2 functions
by their canonical core names (`wasi:io/streams@0.2.12` /
`[method]output-stream.write`); it exports the functions the main module
imports from NAME, `cabi_import_realloc` (the realloc of its lowered imports)
and its world's exports (`wasi:cli/run@0.2.12#run`); a `component-type`
section carries that world, whose WIT types the component uses.

Here the adapter is checked against the main module, given a stack (its
`__stack_pointer` starts at 0: an init function added to it allocates 64 KiB
through `cabi_realloc`, as the official tool's output does), gc'd down to the
exports needed, and laid out by `adapter_layout.build`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from componentize import log, wasm
from componentize.abi.names import parse_resource_drop
from componentize.assemble import Options, check_input, guest, typed, validate
from componentize.assemble.adapter_layout import (
    INIT_EXPORT,
    MAIN_MODULE,
    REALLOC,
    AdapterParts,
    Lift,
    Parts,
    WasiImport,
    add_stack_init,
    build,
)
from componentize.assemble.analyze import Analysis, analyze
from componentize.assemble.plan import (
    HIGHEST,
    LOWEST,
    bundled_wit,
    refuse_entry_points,
    refuse_threads,
    shared_guest_memory,
)
from componentize.assemble.world import bind_world, initialize_export
from componentize.component.wit_from_types import WorldDecoder, split_interface_name
from componentize.errors import InputError, UnsupportedModuleError
from componentize.shim.gc import gc
from componentize.wasm.portable import js_host_problems
from componentize.wit.model import Interface, Package, PackageName, Resolve, Version, World

IMPORT_REALLOC = "cabi_import_realloc"  # realloc for the adapter's lowered imports
ADAPTER_PAGES = 2  # what the official adapter allocates: a page of stack, a page of state


@dataclass
class AdaptResult:
    component: bytes
    kind: str  # command | reactor (of the main module)
    adapters: dict[str, int] = field(default_factory=dict)  # NAME -> gc'd adapter size
    warnings: list[str] = field(default_factory=list)


def parse_adapt(spec: str) -> tuple[str, str]:
    """`NAME=FILE` as `--adapt` takes it -> (NAME, FILE)."""
    name, sep, path = spec.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise InputError(
            f"`{spec}` is not NAME=FILE",
            where="--adapt",
            hint="e.g. --adapt wasi_snapshot_preview1=wasi_snapshot_preview1.command.wasm",
        )
    return name.strip(), path.strip()


def adapt(
    data: bytes, adapters: Mapping[str, bytes], options: Options | None = None
) -> AdaptResult:
    """The component of the core module `data` whose imports from each
    module NAME of `adapters` are served by that adapter module."""
    logger = log.get("componentize.adapt")
    options = options or Options()
    where = options.source
    if options.wasi_version != "auto":
        raise InputError(
            "--wasi-version does not apply with --adapt: the adapter's imports decide",
            where="--wasi-version",
            hint="leave --wasi-version out",
        )
    check_input(data, where)
    module = wasm.decode_module(data)
    analysis = analyze(module)
    refuse_entry_points(analysis, where)
    refuse_threads(analysis, where)
    if shared_guest_memory(analysis):
        raise UnsupportedModuleError(
            "the module's memory is shared; an adapter imports a memory that is not",
            where=f"{where}: memory 0",
            hint="build the module without shared memory, or convert it without --adapt",
        )
    parts = make_parts(module, data, adapters, analysis, options)
    check_room(parts, where)
    component = build(parts)
    logger.info("assembled", bytes=len(component), adapters=[a.name for a in parts.adapters])
    if options.validate:
        validate(component)
    sizes = {a.name: len(a.module) for a in parts.adapters}
    warnings = run_warnings(analysis.kind, parts) + host_warnings(module)
    return AdaptResult(component, analysis.kind, sizes, warnings)


def make_parts(
    module: wasm.Module,
    data: bytes,
    adapters: Mapping[str, bytes],
    analysis: Analysis,
    options: Options,
) -> Parts:
    """Everything the layout needs: the main module prepared, its world
    bound, each adapter checked against it, given a stack and gc'd."""
    where = options.source
    binding = bind_world(module, data, wit=options.wit, world=options.world, where=options.source)
    bound = binding.bound_imports() if binding is not None else set()
    wanted = _wanted(module, adapters, bound, where)
    served = {key: key[1] for key in _func_imports(module) if key[0] in adapters}
    main = guest.prepare(module, data, served, where)
    decoded = {name: _decode_adapter(name, adapters[name]) for name in sorted(adapters)}
    wit = adapters_wit(decoded)
    if binding is not None:
        # The module's own WASI imports and the adapters' share one import
        # of each interface (and so its resource types).
        typed.share_wasi(binding, sharing_resolve(binding, wit), where)
    main_exports = {e.name: e for e in module.exports}
    prepared = {
        name: prepare_adapter(name, decoded[name], wanted[name], wit, main_exports, module)
        for name in sorted(wanted)
    }
    _check_signatures(module, prepared, where)
    _check_exports_once(prepared)
    return Parts(
        main=main,
        adapters=list(prepared.values()),
        main_realloc=REALLOC if REALLOC in main_exports else None,
        initialize=initialize_export(analysis, binding),
        binding=binding,
    )


def _func_imports(module: wasm.Module) -> list[tuple[str, str]]:
    return [(i.module, i.name) for i in module.imports if i.kind == "func"]


def _wanted(
    module: wasm.Module, adapters: Mapping[str, bytes], bound: set[tuple[str, str]], where: str
) -> dict[str, set[str]]:
    """NAME -> the functions the module imports from it; every import must
    be adapted, bound by its world (`bound`) or be the module's memory."""
    imported = sorted({i.module for i in module.imports if i.kind == "func"})
    for name in sorted(adapters):
        if name not in imported:
            raise InputError(
                f"the module imports nothing from `{name}` (it imports from: "
                f"{', '.join(imported) or 'nothing'})",
                where=f"--adapt {name}",
                hint="name a module the input imports from",
            )
    wanted: dict[str, set[str]] = {name: set() for name in adapters}
    for imp in module.imports:
        if imp.kind == "memory" or (imp.module, imp.name) in bound:
            continue
        if imp.module not in adapters:
            raise UnsupportedModuleError(
                f"imports {imp.kind} `{imp.module}.{imp.name}`, which no adapter serves "
                f"(--adapt gives {', '.join(sorted(adapters))})",
                where=f"{where}: import {imp.module}.{imp.name}",
                hint=f"add --adapt {imp.module}=ADAPTER.wasm, or link that import into the module",
            )
        if imp.kind != "func":
            raise UnsupportedModuleError(
                f"imports a {imp.kind} from {imp.module}; an adapter serves functions",
                where=f"{where}: import {imp.module}.{imp.name}",
            )
        wanted[imp.module].add(imp.name)
    return wanted


def check_room(parts: Parts, where: str) -> None:
    """An adapter allocating through the stand-in `cabi_realloc` takes whole
    pages of the main module's memory (its stack and its state: one page
    each); a memory whose maximum leaves no room would trap at the first
    WASI call (so does the official tool's output): refused here instead."""
    takes = any(REALLOC in a.main_imports for a in parts.adapters)
    limits = parts.main.memory.limits
    if not takes or parts.main_realloc is not None or limits.max is None:
        return
    room = limits.max - limits.min
    if room < ADAPTER_PAGES:
        raise UnsupportedModuleError(
            f"the module's memory cannot grow (at most {limits.max} pages, {room} free), "
            f"and the adapter needs {ADAPTER_PAGES} pages of it for its stack and state",
            where=f"{where}: memory 0",
            hint="link the module with a growable memory (emscripten: -sALLOW_MEMORY_GROWTH), "
            "or leave --adapt out: the bundled shim keeps its state in a memory of its own",
        )


def host_warnings(module: wasm.Module) -> list[str]:
    """The main module is the user's: one JS hosts refuse is kept, with a
    warning (every module we add has one memory, which they all take)."""
    problems = js_host_problems(module)
    if not problems:
        return []
    return [
        f"the module uses several memories in a way JS hosts (jco, Node.js, browsers) do not "
        f"accept: {problems[0]}; the component runs on wasmtime and other native hosts"
    ]


def run_warnings(kind: str, parts: Parts) -> list[str]:
    """A command whose adapter lifts no `run`: nothing will call its `_start`."""
    lifted = [lift for a in parts.adapters for lift in a.lifts]
    if kind != "command" or lifted:
        return []
    return [
        "the module is a command (it exports _start) but no adapter exports wasi:cli/run: "
        "the component exports nothing and its _start is never called (use a command adapter)"
    ]


# ---------------------------------------------------------------- the adapter's WIT


def adapter_world(adapters: Mapping[str, wasm.Module]) -> tuple[Resolve, World] | None:
    """The world of the adapters' `component-type` sections, merged (None
    when none has one: the bundled WASI WIT is used instead)."""
    decoder = WorldDecoder()
    found = False
    for _, module in sorted(adapters.items()):
        for custom in module.customs:
            if _is_world(custom.name):
                decoder.add_section(bytes(custom.data), custom.name)
                found = True
    if not found:
        return None
    return decoder.resolve()


@dataclass(frozen=True)
class Wit:
    """Where the adapters' interfaces come from: their world, or (for
    adapters without a `component-type` section) the bundled WASI WIT at the
    highest version they import, so that every interface of a package is
    one version and resources are shared (preopens@0.2.6's descriptor must
    be types@0.2.12's)."""

    world: World | None
    bundled: Version | None = None
    resolve: Resolve | None = None  # the world's packages, or the bundled WIT


def adapters_wit(adapters: Mapping[str, wasm.Module]) -> Wit:
    found = adapter_world(adapters)
    if found is not None:
        return Wit(found[1], resolve=found[0])
    versions = [
        split[0].version
        for module in adapters.values()
        for imp in module.imports
        if imp.module.startswith("wasi:") and (split := split_interface_name(imp.module))
    ]
    version = max((v for v in versions if v is not None), default=None)
    if version is None or not LOWEST <= version <= HIGHEST:
        return Wit(None)
    return Wit(None, version, bundled_wit(version))


def find_interface(wit: Wit, module: str, *, exported: bool = False) -> Interface | None:
    """The interface a core import module (`ns:pkg/iface@V`) names: the world
    import with the same name at a semver-compatible version (the official
    adapter imports `wasi:filesystem/preopens@0.2.6` beside 0.2.12), else the
    bundled WASI WIT's."""
    split = split_interface_name(module)
    if split is None:
        return None
    pkg, iface = split
    if wit.world is not None:
        for item in (wit.world.exports if exported else wit.world.imports).values():
            candidate = item.item
            if not isinstance(candidate, Interface) or candidate.package is None:
                continue
            other = candidate.package.name
            same = (other.namespace, other.name, candidate.name) == (pkg.namespace, pkg.name, iface)
            if same and _compatible(other.version, pkg.version):
                return candidate
        return None
    if pkg.namespace == "wasi" and wit.bundled and _compatible(pkg.version, wit.bundled):
        return _bundled_interface(f"wasi:{pkg.name}/{iface}@{wit.bundled}", wit.bundled)
    return None


def sharing_resolve(binding: typed.Binding, wit: Wit) -> Resolve:
    """For each interface the module's world imports, the adapters' copy of
    it at the same or a newer compatible version (as wit-component merges
    0.2.3 into 0.2.12), filed under the module's name for it: what
    `typed.share_wasi` looks its imports up in."""
    packages: dict[PackageName, Package] = {}
    for item in binding.world.imports.values():
        iface = item.item
        if not isinstance(iface, Interface) or iface.package is None or iface.name is None:
            continue
        ours = find_interface(wit, iface.qualified_name())
        mine, theirs = iface.package.name.version, ours and ours.package and ours.package.name
        if ours is None or mine is None or not theirs or not theirs.version:
            continue
        if theirs.version >= mine:
            name = iface.package.name
            packages.setdefault(name, Package(name)).interfaces[iface.name] = ours
    return Resolve(list(packages.values()))


def _compatible(a: Version | None, b: Version | None) -> bool:
    if a is None or b is None:
        return a == b
    if a.major == 0:
        return (a.major, a.minor) == (b.major, b.minor)
    return a.major == b.major


def _bundled_interface(module: str, version: Version) -> Interface | None:
    try:
        return bundled_wit(version).interface(module)
    except (KeyError, ValueError, UnsupportedModuleError):
        return None


# ---------------------------------------------------------------- preparing an adapter


def _decode_adapter(name: str, data: bytes) -> wasm.Module:
    """The adapter, valid by wasmtime's rules (a user error if not)."""
    check_input(data, f"--adapt {name}")
    return wasm.decode_module(data)


def prepare_adapter(
    name: str,
    module: wasm.Module,
    wanted: set[str],
    wit: Wit,
    main_exports: Mapping[str, wasm.Export],
    main: wasm.Module,
) -> AdapterParts:
    """The adapter for NAME, checked, given a stack and gc'd to `wanted`
    (plus `cabi_import_realloc`, its world's exports and the init)."""
    where = f"--adapt {name}"
    exports = wasm.export_map(module)
    missing = sorted(w for w in wanted if w not in exports or exports[w].kind != "func")
    if missing:
        raise UnsupportedModuleError(
            f"the adapter does not export {_list(missing)}, which the module imports from `{name}`",
            where=where,
            hint="use an adapter that implements every function the module imports",
        )
    module, init = add_stack_init(module)
    lifts = _lifts(module, wit, where)
    keep = wanted | {lift.core for lift in lifts} | ({INIT_EXPORT} if init else set())
    if IMPORT_REALLOC in exports:
        keep.add(IMPORT_REALLOC)
    module = _gc(module, keep)
    # The component carries the adapter's types itself: its world section
    # (10.8 KB in the official adapter) would only be dead weight.
    module = replace(module, customs=[c for c in module.customs if not _is_world(c.name)])
    _check_main_imports(module, main_exports, main, where)
    by_name = wasm.export_map(module)
    memory = _memory_import(module, where)
    return AdapterParts(
        name=name,
        module=wasm.encode_module(module),
        exports={w: wasm.func_type(module, by_name[w].index) for w in sorted(wanted)},
        memory=memory,
        main_imports=[i.name for i in module.imports if i.module == MAIN_MODULE],
        wasi=_wasi_imports(module, wit, where),
        lifts=lifts,
        init=init,
        import_realloc=IMPORT_REALLOC if IMPORT_REALLOC in by_name else None,
    )


def _memory_import(module: wasm.Module, where: str) -> tuple[str, str]:
    """An adapter works on the main module's memory, which it imports: its
    pointers and the lowered WASI functions' are into that one memory."""
    imported = [(i.module, i.name) for i in module.imports if i.kind == "memory"]
    if len(imported) != 1 or module.memories:
        raise UnsupportedModuleError(
            f"the adapter imports {len(imported)} memories and defines {len(module.memories)}; "
            "an adapter imports one, the module's (env.memory), and defines none",
            where=where,
        )
    return imported[0]


def _is_world(section: str) -> bool:
    return section.startswith("component-type")


def _list(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _gc(module: wasm.Module, keep: set[str]) -> wasm.Module:
    """The adapter without what `keep` does not reach (our shim's gc; it
    takes modules without data, element or tag sections and with function
    types only, which an adapter is: anything else keeps it whole)."""
    gc_able = not (module.datas or module.elements or module.tags) and all(
        isinstance(t, wasm.FuncType) for t in module.types
    )
    if not gc_able:
        log.get("componentize.adapt").info("adapter kept whole (not gc-able)")
        return module
    return gc(module, keep)


def _check_main_imports(
    adapter: wasm.Module, main_exports: Mapping[str, wasm.Export], main: wasm.Module, where: str
) -> None:
    """What the (gc'd) adapter imports from the main module, it must export
    (`cabi_realloc` excepted: an allocator stands in for it)."""
    for imp in adapter.imports:
        if imp.module != MAIN_MODULE:
            continue
        export = main_exports.get(imp.name)
        if export is None and imp.name == REALLOC:
            continue
        if export is None or export.kind != imp.kind:
            hint = "a command adapter needs a command (one exporting _start); use the reactor one"
            raise UnsupportedModuleError(
                f"the adapter imports {imp.kind} `{imp.name}` from the main module, "
                "which does not export it",
                where=where,
                hint=hint if imp.name == "_start" else "export it from the module",
            )
        if isinstance(imp.desc, wasm.FuncDesc):
            expected = wasm.type_space(adapter)[imp.desc.type_index]
            actual = wasm.func_type(main, export.index)
            if expected != actual:
                raise UnsupportedModuleError(
                    f"the adapter imports `{imp.name}` as {_sig(expected)}; the module "
                    f"exports it as {_sig(actual)}",
                    where=where,
                )


def _sig(ft: object) -> str:
    if not isinstance(ft, wasm.FuncType):
        return str(ft)
    return f"({', '.join(map(str, ft.params))}) -> ({', '.join(map(str, ft.results))})"


def _check_exports_once(adapters: Mapping[str, AdapterParts]) -> None:
    """A component exports each interface once: one adapter may export it."""
    owner: dict[str, str] = {}
    for name, adapter in adapters.items():
        for lift in adapter.lifts:
            iface = lift.iface.qualified_name()
            first = owner.setdefault(iface, name)
            if first != name:
                raise UnsupportedModuleError(
                    f"the adapters for `{first}` and `{name}` both export {iface}",
                    where=f"--adapt {name}",
                    hint="give one of them an adapter that does not (e.g. the reactor adapter)",
                )


def _check_signatures(main: wasm.Module, adapters: Mapping[str, AdapterParts], where: str) -> None:
    """Each function the module imports must have the type its adapter exports."""
    types = wasm.type_space(main)
    for imp in main.imports:
        if not isinstance(imp.desc, wasm.FuncDesc) or imp.module not in adapters:
            continue
        actual = types[imp.desc.type_index]
        expected = adapters[imp.module].exports[imp.name]
        if actual != expected:
            raise UnsupportedModuleError(
                f"imports `{imp.name}` as {_sig(actual)}; the adapter exports it as "
                f"{_sig(expected)}",
                where=f"{where}: import {imp.module}.{imp.name}",
                hint="use an adapter built for this module's ABI",
            )


def _lifts(module: wasm.Module, wit: Wit, where: str) -> list[Lift]:
    """The adapter's exports named `iface#function`: its world's exports."""
    lifts = []
    for export in module.exports:
        iface_name, sep, function = export.name.partition("#")
        if export.kind != "func" or not sep:
            continue
        iface = find_interface(wit, iface_name, exported=True)
        if iface is None or function not in iface.functions:
            raise UnsupportedModuleError(
                f"the adapter exports `{export.name}`, which its world does not describe",
                where=where,
                hint="build the adapter with its component-type section",
            )
        lifts.append(Lift(iface, function, export.name))
    return lifts


def _wasi_imports(module: wasm.Module, wit: Wit, where: str) -> list[WasiImport]:
    """The adapter's interface imports, each resolved to its WIT function (or
    resource, for a `[resource-drop]`)."""
    types = wasm.type_space(module)
    out = []
    for imp in module.imports:
        if imp.kind not in ("func", "memory"):
            raise UnsupportedModuleError(
                f"the adapter imports {imp.kind} `{imp.module}.{imp.name}`; an adapter may "
                "import a memory (the module's) and functions",
                where=where,
            )
        if imp.module == MAIN_MODULE or not isinstance(imp.desc, wasm.FuncDesc):
            continue
        iface = find_interface(wit, imp.module)
        resource = parse_resource_drop(imp.name)
        known = iface is not None and (
            resource in iface.types if resource is not None else imp.name in iface.functions
        )
        if iface is None or not known:
            raise UnsupportedModuleError(
                f"the adapter imports `{imp.module}.{imp.name}`, which "
                f"{'its WIT does not have' if iface else 'is no interface of its world'}",
                where=where,
                hint="give the adapter its component-type section (wit-bindgen writes one)",
            )
        core_type = types[imp.desc.type_index]
        assert isinstance(core_type, wasm.FuncType)
        out.append(WasiImport(imp.module, imp.name, iface, core_type, resource))
    return out
