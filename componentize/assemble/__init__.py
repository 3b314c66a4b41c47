"""The `assemble` layer: the whole pipeline for one module.

    read -> analyze -> plan -> gc shim -> assemble -> validate

`componentize(data, options)` runs it and returns the component's bytes;
writing them is the caller's business (the CLI writes atomically).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

import wasmtime
from wasmtime import component as wc

from componentize import log, shim, wasm, wit
from componentize.abi import INITIALIZE
from componentize.assemble import guest, layout, plan
from componentize.assemble.analyze import Analysis, analyze
from componentize.engine import engine
from componentize.errors import InternalError
from componentize.wit.model import Resolve, Version


@dataclass(frozen=True)
class Options:
    wasi_version: str = "auto"  # auto | 0.2.N
    source: str = "<input>"  # for messages


@dataclass
class Result:
    component: bytes
    plan: plan.Plan
    analysis: Analysis
    warnings: list[str] = field(default_factory=list)


def componentize(data: bytes, options: Options = Options()) -> Result:
    logger = log.get("componentize")
    module = wasm.decode_module(data)
    analysis = analyze(module)
    logger.info("analyzed", kind=analysis.kind, wasi_imports=len(analysis.wasi_imports))

    asked = plan.parse_version(options.wasi_version)
    exit_with_code = asked is None or _has_exit_with_code(asked)
    full_shim = shim.load_shim_module()
    served = plan.serve_imports(analysis, full_shim, exit_with_code=exit_with_code,
                                where=options.source)  # fmt: skip
    the_plan = plan.Plan(analysis.kind, asked or plan.LOWEST, exit_with_code, served)
    small_shim = shim.gc(full_shim, the_plan.shim_exports)
    wasi_calls = shim.wasi_imports(small_shim)

    need, why = plan.required_version(_wit(None), wasi_calls)
    version = asked or need
    if asked is not None:
        plan.check_version(asked, need, why, "--wasi-version")
    warnings = [] if exit_with_code else plan.exit_code_warning(analysis, version)
    if analysis.kind == "reactor":
        warnings.append(plan.REACTOR_WARNING)
    the_plan = replace(the_plan, version=version, warnings=warnings)
    logger.info("planned", wasi_version=str(version), shim_exports=sorted(the_plan.shim_exports),
                wasi_functions=len(wasi_calls))  # fmt: skip

    main, memory = guest.take_memory(module, options.source)
    main, renamed = guest.unique_imports(main)
    main_imports = {**served, **{key: served[key[0], old] for key, old in renamed.items()
                                 if (key[0], old) in served}}  # fmt: skip
    small_shim = _retarget(small_shim, version)
    parts = layout.Parts(
        main=wasm.encode_module(main) if main is not module else data,
        memory=memory,
        shim=wasm.encode_module(small_shim),
        shim_imports=shim.wasi_imports(small_shim),
        guest_imports=main_imports,
        kind=analysis.kind,
        resolve=_wit(version),
        initialize=any(e.name == INITIALIZE and e.kind == "func" for e in analysis.exports),
    )
    component = layout.build(parts)
    logger.info("assembled", bytes=len(component), shim_bytes=len(parts.shim))
    validate(component)
    return Result(component, the_plan, analysis, warnings)


@cache
def _wit(version: Version | None) -> Resolve:
    """The bundled WASI WIT, gated to `version` (None: everything, 0.2.12)."""
    return wit.resolve_dir(wit.bundled_wit_dir(), version=version)


def _has_exit_with_code(version: Version) -> bool:
    exit_iface = _wit(version).interface(f"wasi:cli/exit@{version}")
    return "exit-with-code" in exit_iface.functions


def _retarget(module: wasm.Module, version: Version) -> wasm.Module:
    """Name the shim's WASI imports with the target version."""
    imports = [
        replace(imp, module=f"{imp.module.partition('@')[0]}@{version}")
        if imp.module.startswith("wasi:") else imp
        for imp in module.imports
    ]  # fmt: skip
    return replace(module, imports=imports)


def validate(component: bytes) -> None:
    """wasmtime must compile what we made; if it does not, that is our bug."""
    try:
        wc.Component(engine(), component)
    except wasmtime.WasmtimeError as error:
        raise InternalError(f"wasmtime rejects the component we built: {error}") from None
