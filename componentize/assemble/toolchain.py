"""Which toolchain built a module, and what to tell its users about imports
that no WASI host provides.

Recognised from the producers section (`language`, `processed-by`, `sdk`)
and from import names that only one toolchain's runtime uses.  Pure: an
`Analysis` in, words out.
"""

from __future__ import annotations

from dataclasses import dataclass

from componentize.assemble.analyze import Analysis, ImportInfo


@dataclass(frozen=True)
class Advice:
    toolchain: str  # "AssemblyScript", "Emscripten", ...
    hint: str


ASSEMBLYSCRIPT = Advice(
    "AssemblyScript",
    "build with @assemblyscript/wasi-shim (asc ... --config "
    "node_modules/@assemblyscript/wasi-shim/asconfig.json), which serves `abort`, `trace` "
    "and `seed` with WASI calls",
)
EMSCRIPTEN_GROWTH = Advice(
    "Emscripten",
    "Emscripten imports it when memory may grow (-sALLOW_MEMORY_GROWTH): link with "
    "-sSTANDALONE_WASM and a fixed -sINITIAL_MEMORY instead",
)
EMSCRIPTEN = Advice(
    "Emscripten",
    "link with -sSTANDALONE_WASM so that the program uses WASI, not Emscripten's JS runtime",
)
GO_JS = Advice("Go", "build with GOOS=wasip1 GOARCH=wasm (GOOS=js targets the browser's runtime)")
WASM_BINDGEN = Advice(
    "Rust wasm-bindgen", "build for wasm32-wasip1 without wasm-bindgen (it targets JavaScript)"
)
THREADS = (
    "WASI 0.2 has no threads, so no component host can run it; build without threads "
    "(target wasm32-wasip1, not wasm32-wasip1-threads; no -pthread)"
)

_ASSEMBLYSCRIPT_ENV = {"abort", "trace", "seed"}


def advice_for(imp: ImportInfo, analysis: Analysis) -> Advice | None:
    """What to tell about one import no WASI host provides, if we know."""
    producers = " ".join(
        f"{name} {version}"
        for fields in analysis.producers.values()
        for name, version in fields.items()
    ).lower()
    if imp.module == "env" and imp.name == "emscripten_notify_memory_growth":
        return EMSCRIPTEN_GROWTH
    if imp.module == "env" and (
        imp.name.startswith(("emscripten_", "__syscall_", "_emscripten"))
        or "emscripten" in producers
    ):
        return EMSCRIPTEN
    if (
        imp.module == "env"
        and imp.name in _ASSEMBLYSCRIPT_ENV
        and ("assemblyscript" in producers or _looks_like_assemblyscript(analysis))
    ):
        return ASSEMBLYSCRIPT
    if imp.module in ("gojs", "go"):
        return GO_JS
    if imp.module.startswith("__wbindgen") or imp.name.startswith("__wbindgen"):
        return WASM_BINDGEN
    return None


def _looks_like_assemblyscript(analysis: Analysis) -> bool:
    """AssemblyScript's `env.abort(message, file, line, column)`."""
    return any(
        i.module == "env" and i.name == "abort" and i.signature == "(i32, i32, i32, i32) -> ()"
        for i in analysis.imports
    )
