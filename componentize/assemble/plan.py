"""plan: from what the module imports to what the component imports.

preview1 functions the module imports -> shim exports to keep -> (after gc)
the WASI 0.2 functions the shim calls -> the lowest WASI 0.2.N that has them
all, or the version asked for.  `make_plan` is the whole decision, in one
step; it reads only the bundled shim and WIT (package data, cached).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field

from componentize import shim
from componentize.abi import INITIALIZE
from componentize.abi.names import parse_resource_drop
from componentize.assemble import toolchain
from componentize.assemble.analyze import Analysis, Kind
from componentize.errors import UnsupportedModuleError
from componentize.shim import catalog
from componentize.shim.contract import RUN_EXPORT, SHIM_WASI_VERSION, lowered_function
from componentize.wit.bundled import bundled_resolve
from componentize.wit.model import Resolve, Stability, Version

REACTOR_WARNING = (
    "reactor module: its own exports are not lifted yet (they need WIT types); the component "
    "imports what the shim needs (a subset of wasi:cli/imports) and exports nothing"
)
NON_WASI_HINT = (
    "link that dependency into the module, or, if it is built for a WIT world, pass "
    "--wit DIR --world NAME (or embed the world with `componentize embed`)"
)
LOWEST = Version(0, 2, 0)
HIGHEST = SHIM_WASI_VERSION  # the shim is built against the newest WIT we bundle


@dataclass(frozen=True)
class Plan:
    kind: Kind
    version: Version  # the WASI 0.2.N the component imports
    exit_with_code: bool  # proc_exit keeps its code (wasi:cli/exit.exit-with-code)
    # (module, name) of each preview1/preview0 import -> the shim export serving it
    guest_imports: dict[tuple[str, str], str]
    shim_exports: frozenset[str]  # what the shim is gc'd to: those, plus `run` for a command
    warnings: list[str] = field(default_factory=list)
    # preview1 functions the component needs besides the module's own imports
    # (the import rules' module calls them) -> the shim export serving each
    extra_imports: dict[tuple[str, str], str] = field(default_factory=dict)


def make_plan(
    analysis: Analysis,
    wasi_version: str,
    *,
    where: str,
    world_imports: Set[tuple[str, str]] = frozenset(),
    typed: bool = False,
    floor: Version = LOWEST,
    denied: frozenset[str] = frozenset(),
    also: Sequence[tuple[str, str]] = (),
) -> Plan:
    """Decide everything about the component to build for `analysis`:
    `wasi_version` is `auto` or `0.2.N` (as `--wasi-version` takes it),
    `where` names the input in messages, `world_imports` are the imports its
    WIT world serves (assemble/typed.py), `typed` says it has a world,
    `floor` is the WASI version the world imports (auto picks no lower, so
    the world and the shim share one import of each interface), `also` are
    preview1 functions needed besides the module's imports (import rules).
    `denied`: the interfaces `--deny` trims from the shim (shim.deny.expand).
    Raises UnsupportedModuleError for a module no WASI 0.2 host could run,
    or a version too old for it."""
    refuse_entry_points(analysis, where)
    refuse_denied(world_imports, denied, where)
    asked = parse_version(wasi_version)
    exit_with_code = asked is None or has_exit_with_code(asked)
    served = serve_imports(
        analysis,
        shim.available_exports(),
        exit_with_code=exit_with_code,
        where=where,
        world_imports=world_imports,
    )
    extra = {
        (module, name): catalog.shim_export(module, name, exit_with_code=exit_with_code)
        for module, name in also
    }
    kept = frozenset(served.values()) | frozenset(extra.values())
    kept |= {RUN_EXPORT} if analysis.kind == "command" else set()
    need, why = required_version(shim.wasi_calls(kept, denied))
    if asked is not None:
        check_version(asked, need, why, "--wasi-version")
    version = asked or max(need, min(floor, HIGHEST))
    warnings = [] if exit_with_code else exit_code_warning(analysis, version)
    if analysis.kind == "reactor" and not typed:
        warnings.append(REACTOR_WARNING)
    return Plan(analysis.kind, version, exit_with_code, served, kept, warnings, extra)


ENTRY_SIGNATURE = "() -> ()"


def refuse_entry_points(analysis: Analysis, where: str) -> None:
    """`_start` and `_initialize` are called with no arguments and no results."""
    for export in analysis.exports:
        entry = export.name in ("_start", INITIALIZE) and export.kind == "func"
        if entry and export.signature != ENTRY_SIGNATURE:
            raise UnsupportedModuleError(
                f"exports `{export.name}` with type {export.signature}; WASI calls it as "
                f"{ENTRY_SIGNATURE}",
                where=f"{where}: export {export.name}",
                hint=f"export `{export.name}` as a function without parameters or results",
            )


def bundled_wit(version: Version) -> Resolve:
    """The bundled WASI WIT, gated at `version` (0.2.0 to 0.2.12)."""
    return bundled_resolve(version)


def has_exit_with_code(version: Version) -> bool:
    """Whether WASI `version` has `wasi:cli/exit.exit-with-code` (0.2.12 and later)."""
    exit_iface = bundled_wit(version).interface(f"wasi:cli/exit@{version}")
    return "exit-with-code" in exit_iface.functions


def parse_version(text: str) -> Version | None:
    """`auto` -> None; `0.2.N` (0 <= N <= 12) -> Version; anything else is an error."""
    if text == "auto":
        return None
    try:
        version = Version.parse(text)
    except ValueError:
        version = None
    if version is None or not LOWEST <= version <= HIGHEST or version.pre or version.build:
        raise UnsupportedModuleError(
            f"unsupported WASI version `{text}`",
            where="--wasi-version",
            hint=f"use auto or 0.2.N with N from {LOWEST.patch} to {HIGHEST.patch}",
        )
    return version


def serve_imports(
    analysis: Analysis,
    available: Set[str],
    *,
    exit_with_code: bool,
    where: str,
    world_imports: Set[tuple[str, str]] = frozenset(),
) -> dict[tuple[str, str], str]:
    """Map every preview1/preview0 import of the module to one of the shim
    exports `available`; refuse the imports no WASI host provides (those of
    `world_imports` are the world's)."""
    refuse_threads(analysis, where)
    for bad in analysis.other_imports:
        if bad.kind != "memory" and (bad.module, bad.name) not in world_imports:
            advice = toolchain.advice_for(bad, analysis)
            by = f" ({advice.toolchain}'s runtime)" if advice else ""
            raise UnsupportedModuleError(
                f"imports {bad.kind} `{bad.module}.{bad.name}`{by}, which no WASI host provides",
                where=f"{where}: import {bad.module}.{bad.name}",
                hint=advice.hint if advice else NON_WASI_HINT,
            )
    served: dict[tuple[str, str], str] = {}
    for imp in analysis.wasi_imports:
        location = f"{where}: import {imp.module}.{imp.name}"
        if imp.kind != "func":
            raise UnsupportedModuleError(
                f"imports a {imp.kind} from {imp.module}",
                where=location,
                hint="WASI modules only import functions from it",
            )
        if imp.problem:
            raise UnsupportedModuleError(
                imp.problem, where=location, hint="rebuild with a WASI SDK"
            )
        export = catalog.shim_export(imp.module, imp.name, exit_with_code=exit_with_code)
        if export not in available:
            raise UnsupportedModuleError(
                f"`{imp.name}` is not implemented by this version of the shim yet",
                where=location,
                hint="remove the call, or use a componentize release that supports it",
            )
        served[imp.module, imp.name] = export
    return served


def refuse_threads(analysis: Analysis, where: str) -> None:
    """wasi-threads modules (they import thread-spawn) cannot be components.
    A shared memory alone is kept: the module runs on one thread, as it
    would under a preview1 host without wasi-threads."""
    for imp in analysis.imports:
        if imp.module == "wasi" and imp.name == "thread-spawn":
            raise UnsupportedModuleError(
                "imports `wasi.thread-spawn` (wasi-threads)",
                where=f"{where}: import wasi.thread-spawn",
                hint=toolchain.THREADS,
            )


def shared_guest_memory(analysis: Analysis) -> bool:
    """Whether the module's memory (the one preview1 pointers refer to) is shared."""
    return bool(analysis.memories) and analysis.memories[0].shared


def required_version(functions: Iterable[tuple[str, str]]) -> tuple[Version, str]:
    """The lowest 0.2.N having every (interface, function) of the shim's
    imports (named at the shim's version), and the function that decides it
    (for messages)."""
    resolve = bundled_wit(SHIM_WASI_VERSION)
    need, why = LOWEST, ""
    for iface_name, key in functions:
        key, _ = lowered_function(key)
        iface = resolve.interface(iface_name)
        resource = parse_resource_drop(key)
        if resource is not None:
            gates = [iface.stability, iface.types[resource].stability]
        else:
            gates = [iface.stability, iface.functions[key].stability]
        since = max((_since(g) for g in gates), default=LOWEST)
        if since > need:
            need, why = since, f"{iface_name.partition('@')[0]}.{key}"
    return need, why


def _since(gate: Stability) -> Version:
    return gate.since if gate.since is not None else LOWEST


def check_version(asked: Version, need: Version, why: str, where: str) -> None:
    if asked < need:
        raise UnsupportedModuleError(
            f"WASI {asked} is too old: `{why}` needs {need}",
            where=where,
            hint=f"use --wasi-version {need} or newer (or auto)",
        )


def exit_code_warning(analysis: Analysis, version: Version) -> list[str]:
    """The warning for a module whose exit codes the target version loses."""
    if not any(i.name == "proc_exit" for i in analysis.wasi_imports):
        return []
    return [
        f"WASI {version} has no wasi:cli/exit.exit-with-code: proc_exit(n) will exit with "
        f"success for 0 and failure for any other n; the exact code is lost "
        f"(use --wasi-version {HIGHEST} or auto to keep it)"
    ]


def refuse_denied(world_imports: Set[tuple[str, str]], denied: frozenset[str], where: str) -> None:
    """A world that imports a denied interface itself cannot be trimmed."""
    for module, name in sorted(world_imports):
        if module.partition("@")[0] in denied:
            raise UnsupportedModuleError(
                f"the module's WIT world imports `{module}`, which --deny denies",
                where=f"{where}: import {module}.{name}",
                hint="drop that --deny, or build the module for a world without it",
            )
