"""Components and native compiles kept across test sessions, so the tests
that run many real modules (the fuzz seeds, guest-memory isolation) pay for
running them, not for building and compiling them again.

- `component_of(module)`: `componentize(module)` with default options, kept
  in `.cache/components/` under a key made of the module's bytes, every file
  of the `componentize` package (code, shim, WIT) and wasmtime's version:
  any change to the tool makes a new key, so a stale component is never used.
- `run_native(module, ...)`: `toolchains.native.run_module`, but compiled
  through wasmtime's on-disk cache (the oracle itself compiles every time:
  13 of the 17 s the seed runs took).  Same host, same classification.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path

import wasmtime

from componentize.assemble import componentize
from componentize.engine import engine
from componentize.run import (
    ERROR_EXIT_CODE,
    DirsInput,
    EnvInput,
    Outcome,
    RunResult,
    classify,
    finish,
    flush_python_stdio,
    wasi_store,
)
from toolchains.native import PREVIEW0, run_module

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "components"


@cache
def _tool_key() -> bytes:
    """What the tool's output depends on besides the input."""
    digest = hashlib.sha256(version("wasmtime").encode())
    package = REPO / "componentize"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def component_of(module: bytes) -> bytes:
    """The component of `module` (default options), from the cache if made before."""
    key = hashlib.sha256(_tool_key() + module).hexdigest()
    path = CACHE / f"{key}.wasm"
    if path.is_file():
        return path.read_bytes()
    component = componentize(module).component
    CACHE.mkdir(parents=True, exist_ok=True)
    # temp file + rename: a concurrent session never reads half a file
    fd, tmp = tempfile.mkstemp(dir=CACHE, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        out.write(component)
    os.replace(tmp, path)
    return component


def run_native(
    module: bytes,
    *,
    args: Sequence[str] = (),
    env: EnvInput = (),
    dirs: DirsInput = (),
    stdin: bytes | None = None,
    program_name: str = "main.wasm",
) -> RunResult:
    """`module`'s `_start` under wasmtime's native preview1, stdio captured."""
    compiled = wasmtime.Module(engine(cached=True), module)
    if any(imp.module == PREVIEW0 for imp in compiled.imports):
        # the preview0 bridge lives in the oracle; no need to copy it here
        return run_module(
            module, args=args, env=env, dirs=dirs, stdin=stdin, program_name=program_name
        )
    with tempfile.TemporaryDirectory(prefix="componentize-native-") as tmp:
        store, stdio = wasi_store(
            tmp,
            [program_name, *args],
            env=env,
            dirs=dirs,
            stdin=stdin,
            capture=True,
            on=engine(cached=True),
        )
        return finish(store, stdio, _start(store, compiled))


def _start(store: wasmtime.Store, module: wasmtime.Module) -> tuple[Outcome, int, str]:
    linker = wasmtime.Linker(engine(cached=True))
    linker.define_wasi()
    flush_python_stdio()
    try:
        # inside the try: a start function may already exit or trap
        instance = linker.instantiate(store, module)
        func = instance.exports(store).get("_start")
        if not isinstance(func, wasmtime.Func):
            return "error", ERROR_EXIT_CODE, "module has no exported function `_start`"
        func(store)
    except (wasmtime.WasmtimeError, wasmtime.Trap) as e:
        return classify(e)
    return "returned", 0, ""
