"""Run a preview1 core module under wasmtime's native WASI preview1 (the oracle).

stdio goes through temporary files so tests compare exact bytes.  A normal
return from `_start` is exit code 0, `proc_exit(n)` is n, and any other trap
is reported as `trap` with `exit_code` None.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import wasmtime

from toolchains.errors import ToolchainError


@dataclass(frozen=True)
class RunResult:
    stdout: bytes
    stderr: bytes
    exit_code: int | None  # None when the module trapped
    trap: str | None = None  # the trap message, when it trapped

    @property
    def text(self) -> str:
        return self.stdout.decode(errors="replace")


_ENGINE: wasmtime.Engine | None = None


def shared_engine() -> wasmtime.Engine:
    """One engine per process: compiling a module is the slow part, engines are cheap to share."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = wasmtime.Engine()
    return _ENGINE


def run_preview1(
    module: Path | bytes | wasmtime.Module,
    *,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    preopens: Sequence[tuple[Path | str, str]] = (),
    stdin: bytes = b"",
    program: str = "main.wasm",
    engine: wasmtime.Engine | None = None,
) -> RunResult:
    """Instantiate `module` with native preview1 and call `_start`.

    `args` exclude argv[0], which is `program`.  `preopens` are (host dir,
    guest path) pairs, opened read-write.
    """
    eng = engine or shared_engine()
    if isinstance(module, wasmtime.Module):
        compiled = module
    elif isinstance(module, bytes):
        compiled = wasmtime.Module(eng, module)
    else:
        compiled = wasmtime.Module.from_file(eng, str(module))
    if not any(e.name == "_start" and isinstance(e.type, wasmtime.FuncType)
               for e in compiled.exports):
        raise ToolchainError("the module exports no `_start` function: not a command")
    with tempfile.TemporaryDirectory(prefix="preview1-run-") as tmp:
        io = Path(tmp)
        (io / "stdin").write_bytes(stdin)
        config = wasmtime.WasiConfig()
        config.argv = [program, *args]
        config.env = sorted((env or {}).items())
        config.stdin_file = str(io / "stdin")
        config.stdout_file = str(io / "stdout")
        config.stderr_file = str(io / "stderr")
        for host, guest in preopens:
            config.preopen_dir(str(host), guest)
        exit_code, trap = _start(eng, compiled, config)
        return RunResult(
            stdout=(io / "stdout").read_bytes(),
            stderr=(io / "stderr").read_bytes(),
            exit_code=exit_code,
            trap=trap,
        )


def _start(
    engine: wasmtime.Engine, module: wasmtime.Module, config: wasmtime.WasiConfig
) -> tuple[int | None, str | None]:
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    store.set_wasi(config)
    try:
        instance = linker.instantiate(store, module)
        start = instance.exports(store)["_start"]
        assert isinstance(start, wasmtime.Func)
        start(store)
    except wasmtime.ExitTrap as exit_:
        return exit_.code, None
    except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
        return None, str(exc)
    return 0, None
