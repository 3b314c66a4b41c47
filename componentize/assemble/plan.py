"""plan: from what the module imports to what the component imports.

preview1 functions the module imports -> shim exports to keep -> (after gc)
the WASI 0.2 functions the shim calls -> the lowest WASI 0.2.N that has them
all, or the version asked for.  Pure functions; the shim module and the
resolved WIT come in as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from componentize import wasm
from componentize.assemble import toolchain
from componentize.assemble.analyze import Analysis
from componentize.errors import UnsupportedModuleError
from componentize.shim import catalog
from componentize.wit.model import Resolve, Stability, Version

REACTOR_WARNING = (
    "reactor module: its own exports are not lifted yet (they need WIT types); the component "
    "imports what the shim needs (a subset of wasi:cli/imports) and exports nothing"
)
LOWEST = Version(0, 2, 0)
HIGHEST = Version(0, 2, 12)


@dataclass(frozen=True)
class Plan:
    kind: str  # command | reactor
    version: Version  # the WASI 0.2.N the component imports
    exit_with_code: bool  # proc_exit keeps its code (wasi:cli/exit.exit-with-code)
    # (module, name) of each preview1/preview0 import -> the shim export serving it
    guest_imports: dict[tuple[str, str], str]
    warnings: list[str] = field(default_factory=list)

    @property
    def shim_exports(self) -> set[str]:
        kept = set(self.guest_imports.values())
        if self.kind == "command":
            kept.add(catalog.RUN_EXPORT)
        return kept


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


def serve_imports(analysis: Analysis, shim: wasm.Module, *, exit_with_code: bool, where: str
                  ) -> dict[tuple[str, str], str]:  # fmt: skip
    """Map every preview1/preview0 import of the module to a shim export."""
    refuse_threads(analysis, where)
    for bad in analysis.other_imports:
        if bad.kind != "memory":
            advice = toolchain.advice_for(bad, analysis)
            by = f" ({advice.toolchain}'s runtime)" if advice else ""
            raise UnsupportedModuleError(
                f"imports {bad.kind} `{bad.module}.{bad.name}`{by}, which no WASI host provides",
                where=f"{where}: import {bad.module}.{bad.name}",
                hint=advice.hint if advice else
                "link that dependency into the module before componentizing it",
            )  # fmt: skip
    available = set(wasm.export_map(shim))
    served: dict[tuple[str, str], str] = {}
    for imp in analysis.wasi_imports:
        location = f"{where}: import {imp.module}.{imp.name}"
        if imp.kind != "func":
            raise UnsupportedModuleError(
                f"imports a {imp.kind} from {imp.module}", where=location,
                hint="WASI modules only import functions from it",
            )  # fmt: skip
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
    """wasi-threads modules (thread-spawn, shared memory) cannot be components."""
    for imp in analysis.imports:
        if imp.module == "wasi" and imp.name == "thread-spawn":
            raise UnsupportedModuleError(
                "imports `wasi.thread-spawn` (wasi-threads)",
                where=f"{where}: import wasi.thread-spawn", hint=toolchain.THREADS,
            )  # fmt: skip
    for memory in analysis.memories:
        if memory.shared:
            raise UnsupportedModuleError(
                f"memory {memory.index} is shared (a build for threads)",
                where=f"{where}: memory {memory.index}", hint=toolchain.THREADS,
            )  # fmt: skip


def required_version(resolve: Resolve, functions: list[tuple[str, str]]) -> tuple[Version, str]:
    """The lowest 0.2.N having every (interface, function) of the shim's
    imports, and the function that decides it (for messages)."""
    need, why = LOWEST, ""
    for iface_name, key in functions:
        iface = resolve.interface(iface_name)
        if key.startswith("[resource-drop]"):
            gates = [iface.stability, iface.types[key.removeprefix("[resource-drop]")].stability]
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
