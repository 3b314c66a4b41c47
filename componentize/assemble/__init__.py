"""The `assemble` layer: the whole pipeline for one module.

    read -> analyze -> plan -> prepare the shim and the main module -> layout -> validate

`componentize(data, options)` runs it and returns the component's bytes;
writing them is the caller's business (the CLI writes atomically).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import wasmtime
from wasmtime import component as wc

from componentize import log, shim, wasm
from componentize.assemble import guest, layout, plan, rules
from componentize.assemble.analyze import Analysis, analyze
from componentize.assemble.core_modules import links
from componentize.assemble.world import bind_world, initialize_export
from componentize.component import decode_component
from componentize.component.encode import encode_component
from componentize.component.model import CoreModuleSection
from componentize.engine import cause_of, engine
from componentize.errors import InputError, InternalError, UnsupportedModuleError
from componentize.shim.contract import lowers_on_guest
from componentize.wasm.portable import js_host_problems
from componentize.wasm.skeleton import skeleton


@dataclass(frozen=True)
class Options:
    wasi_version: str = "auto"  # auto | 0.2.N
    source: str = "<input>"  # for messages
    validate: bool = True  # compile the output with wasmtime (our bug if it fails)
    wit: str | None = None  # a WIT directory or file: the world to build for
    world: str | None = None  # which world of `wit`
    deny: frozenset[str] = frozenset()  # `--deny` names: WASI interfaces/packages (shim/deny.py)
    import_rules: tuple[str, ...] = ()  # `MODULE.NAME=ACTION` (assemble/rules.py)
    builtin_rules: bool = True  # the built-in rules of the detected toolchain


@dataclass
class Result:
    component: bytes
    plan: plan.Plan
    analysis: Analysis
    warnings: list[str] = field(default_factory=list)


def componentize(data: bytes, options: Options = Options()) -> Result:
    logger = log.get("componentize")
    # wasmtime validates the whole module right after, so its data segments
    # (Go: 33,000) are decoded only if something reads them.
    module = wasm.decode_module(data, lazy_data=True)
    check_input(data, options.source)
    analysis = analyze(module)
    logger.info("analyzed", kind=analysis.kind, wasi_imports=len(analysis.wasi_imports))
    binding = bind_world(module, data, wit=options.wit, world=options.world, where=options.source)
    denied = shim.deny.expand(options.deny)
    chosen = rules.choose(
        analysis, options.import_rules, builtins=options.builtin_rules, where=options.source
    )
    elsewhere = {(r.module, r.name) for r in chosen}
    elsewhere |= binding.bound_imports() if binding else set()
    floor = plan.LOWEST
    if binding is not None:
        from componentize.assemble import typed  # only for a module with a world

        floor = typed.wasi_floor(binding) or plan.LOWEST

    the_plan = plan.make_plan(
        analysis,
        options.wasi_version,
        where=options.source,
        world_imports=elsewhere,
        typed=binding is not None,
        floor=floor,
        denied=denied,
        also=rules.preview1_needs(chosen),
    )
    if binding is not None:
        from componentize.assemble import typed

        typed.share_wasi(binding, plan.bundled_wit(the_plan.version), options.source)
    small_shim = shim.prepare(the_plan.shim_exports, the_plan.version, denied)
    if plan.shared_guest_memory(analysis):
        refuse_shared_memory(
            world=binding is not None,
            rules_write=rules.needs_memory(chosen),
            direct_reads=lowers_on_guest(shim.wasi_imports(small_shim)),
            where=options.source,
        )
        small_shim = shim.share_guest_memory(small_shim)
    shim_imports = shim.wasi_imports(small_shim)
    # What the stubs stand for, linked by slot names (core_modules.links).
    link = links({*the_plan.guest_imports.values(), *the_plan.extra_imports.values()})
    small_shim = shim.rename_exports(small_shim, link)
    logger.info(
        "planned",
        wasi_version=str(the_plan.version),
        shim_exports=sorted(the_plan.shim_exports),
        wasi_functions=len(shim_imports),
    )

    main = guest.prepare(module, data, the_plan.guest_imports, options.source, link)
    parts = layout.Parts(
        main=main,
        shim=wasm.encode_module(small_shim),
        shim_imports=shim_imports,
        kind=the_plan.kind,
        resolve=plan.bundled_wit(the_plan.version),
        initialize=initialize_export(analysis, binding),
        binding=binding,
        rules=chosen,
        rule_imports={key: link[e] for key, e in the_plan.extra_imports.items()},
    )
    warnings = [*analysis.warnings, *the_plan.warnings, *_host_warnings(module)]
    warnings += shim.deny.implied_warnings(options.deny)
    warnings += [f"{r.describe()}" for r in chosen if r.builtin]
    component = layout.build(parts)
    logger.info("assembled", bytes=len(component), shim_bytes=len(parts.shim))
    if options.validate:
        validate(component)
    return Result(component, the_plan, analysis, warnings)


def _host_warnings(module: wasm.Module) -> list[str]:
    """A main module with several memories keeps them (the component runs on
    wasmtime), but JS hosts take it only in a form it may not have."""
    problems = js_host_problems(module)
    if not problems:
        return []
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return [
        f"the module uses several memories in a way JS hosts (jco, Node.js, browsers) do not "
        f"accept: {problems[0]}{more}; the component runs on wasmtime and other native hosts"
    ]


def check_input(data: bytes, where: str) -> None:
    """The module must be valid by wasmtime's rules (without compiling it):
    an invalid one is the user's to fix, not an internal error later."""
    try:
        wasmtime.Module.validate(engine(), data)
    except wasmtime.WasmtimeError as error:
        raise InputError(
            f"not a valid WebAssembly module: {cause_of(str(error))}",
            where=where,
            hint="check the toolchain that produced it (wasm-tools validate shows the same)",
        ) from None


def refuse_shared_memory(*, world: bool, rules_write: bool, direct_reads: bool, where: str) -> None:
    """What cannot use the module's memory when it is shared: the canonical
    ABI (wasmtime: "mismatch in the shared flag"), so a world's functions,
    the shim's direct file reads (lowered on the guest's memory), and the
    import rules' module, which writes it."""
    users = [
        (
            world,
            "the canonical ABI of its world's functions needs a memory that is not",
            "build the module without shared memory (no atomics/threads target)",
        ),
        (
            direct_reads,
            "the shim's file reads are lowered on the module's memory, which the "
            "canonical ABI needs unshared",
            "build the module without shared memory (no atomics/threads target)",
        ),
        (
            rules_write,
            "the built-in AssemblyScript abort rule writes a memory that is not",
            "pass --no-builtin-rules with --import-rule env.abort=trap",
        ),
    ]
    for used, why, hint in users:
        if used:
            raise UnsupportedModuleError(
                f"the module's memory is shared, and {why}", where=f"{where}: memory 0", hint=hint
            )


def validate(component: bytes) -> None:
    """wasmtime must take what we made; if it does not, that is our bug.

    Cheaply: each core module is validated on its own (no compilation),
    then the component is compiled with every module replaced by its
    skeleton (same imports, exports and definitions, trapping bodies), so
    every component-level rule is checked without compiling the module's
    code: 0.7 s instead of 8.9 s for the 2.7 MB Go fixture."""
    model = decode_component(component)
    for section in model.sections:
        if isinstance(section, CoreModuleSection):
            try:
                wasmtime.Module.validate(engine(), section.module)
            except wasmtime.WasmtimeError as error:
                raise InternalError(f"wasmtime rejects a core module we built: {error}") from None
            section.module = skeleton(section.module)
    try:
        wc.Component(engine(), encode_component(model))
    except wasmtime.WasmtimeError as error:
        raise InternalError(f"wasmtime rejects the component we built: {error}") from None
