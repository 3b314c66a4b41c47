"""Run command components in wasmtime under WASI 0.2 (`componentize run`).

The tests' oracle, a core module run under wasmtime's native preview1, is in
the dev wing (toolchains/native.py); it shares the loading, WASI set-up and
outcome classification defined here.

Exit codes follow the wasmtime CLI on Unix, so a result reads the same as a
shell would see it:

- `proc_exit(n)` / `exit(ok|err)` / `exit-with-code(n)`: `n` (0 / 1 / `n`);
- a command that returns: 0 (preview1 `_start`, or `run` returning `ok`);
  `run` returning `err`: 1;
- a wasm trap (unreachable, out of bounds, stack exhausted ...): 134, which
  is what the wasmtime CLI exits with (128 + SIGABRT);
- any other host error (failed link, preview1 `proc_exit` with a code of
  126 or more, which wasmtime refuses): 1, the CLI's exit for an error.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

import wasmtime
from wasmtime import component as wc

from componentize import wave
from componentize.engine import cause_of, engine
from componentize.errors import InputError
from componentize.files import read_bytes, wasm_kind

Outcome = Literal["returned", "exit", "trap", "error"]
WasmInput = bytes | bytearray | str | os.PathLike[str]
EnvInput = Mapping[str, str] | Iterable[tuple[str, str]]
DirsInput = Iterable[tuple[str | os.PathLike[str], str]]

TRAP_EXIT_CODE = 134
ERROR_EXIT_CODE = 1
DEFAULT_PROGRAM_NAME = "main.wasm"


@dataclass(frozen=True)
class RunResult:
    """What a run did.  `stdout`/`stderr` are None when they were inherited.

    `message` is the cause wasmtime gave for a trap or an error (the
    "Caused by" part, without the backtrace, whose offsets differ between a
    module and its component); it is empty for `returned` and `exit`.
    """

    exit_code: int
    stdout: bytes | None
    stderr: bytes | None
    outcome: Outcome
    message: str = ""

    @property
    def trapped(self) -> bool:
        return self.outcome == "trap"


# ---------------------------------------------------------------- loading


def load_wasm(wasm: WasmInput) -> tuple[bytes, str]:
    """The bytes of `wasm` and a name for messages (file name or `<bytes>`)."""
    if isinstance(wasm, bytes | bytearray):
        return bytes(wasm), "<bytes>"
    return read_bytes(wasm), str(Path(wasm))


def program_argv(wasm: WasmInput, program_name: str | None, args: Sequence[str]) -> list[str]:
    """argv of a run: `[program_name, *args]`, the name defaulting to the
    file name of `wasm`, or `main.wasm` for bytes."""
    if program_name is None:
        if isinstance(wasm, bytes | bytearray):
            program_name = DEFAULT_PROGRAM_NAME
        else:
            program_name = Path(wasm).name
    return [program_name, *args]


def compile_error(kind: str, where: str, error: wasmtime.WasmtimeError) -> InputError:
    return InputError(f"wasmtime cannot compile this {kind}: {cause_of(str(error))}", where=where)


# ---------------------------------------------------------------- outcomes


# The shim traps through functions named for the reason (a code proc_exit
# cannot report, ...): their names, found in the backtrace, say why.
_SHIM_FRAME = re.compile(r"componentize-shim-preview1!(\w+_is_not_supported)\b")


def trap_reason(message: str) -> str:
    """Why the shim trapped, from a backtrace in `message` ("" if not known)."""
    found = _SHIM_FRAME.search(message)
    return found.group(1).replace("_", " ") if found else ""


_TRAP_CAUSE = re.compile(r"(?:^|; )(?:\d+: )?wasm trap:")


def classify(error: Exception) -> tuple[Outcome, int, str]:
    """(outcome, exit code, message) of a run that ended with `error`."""
    if isinstance(error, wasmtime.ExitTrap):
        return "exit", error.code, ""
    # Preview1 traps arrive as `Trap`; a component's as a WasmtimeError
    # whose causes include "wasm trap:", not always first (an out-of-bounds
    # access: "0: memory fault at ...; 1: wasm trap: out of bounds ...").
    message = error.message if isinstance(error, wasmtime.Trap) else str(error)
    cause = cause_of(message)
    if isinstance(error, wasmtime.Trap) or _TRAP_CAUSE.search(cause):
        reason = trap_reason(message)
        return "trap", TRAP_EXIT_CODE, f"{cause} ({reason})" if reason else cause
    return "error", ERROR_EXIT_CODE, cause


# ---------------------------------------------------------------- WASI config


@dataclass(frozen=True)
class Stdio:
    """Where the run's stdio goes; paths are files in a private temp dir."""

    stdin: str | None
    stdout: str | None
    stderr: str | None


def _stdio(tmp: str, stdin: bytes | None, capture: bool) -> Stdio:
    stdin_path = None
    if stdin is not None:
        stdin_path = os.path.join(tmp, "stdin")
        Path(stdin_path).write_bytes(stdin)
    if not capture:
        return Stdio(stdin_path, None, None)
    return Stdio(stdin_path, os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr"))


def _env_pairs(env: EnvInput) -> list[tuple[str, str]]:
    items = env.items() if isinstance(env, Mapping) else env
    return [(str(k), str(v)) for k, v in items]


def _wasi_config(
    argv: list[str], env: EnvInput, dirs: DirsInput, stdio: Stdio, capture: bool
) -> wasmtime.WasiConfig:
    config = wasmtime.WasiConfig()
    config.argv = argv
    config.env = _env_pairs(env)
    for host, guest in dirs:
        host_path = os.fspath(host)
        if not os.path.isdir(host_path):
            raise InputError("not a directory", where=host_path, hint="--dir takes a directory")
        config.preopen_dir(host_path, guest)
    if stdio.stdin is not None:
        config.stdin_file = stdio.stdin
    elif not capture:
        config.inherit_stdin()
    if stdio.stdout is not None and stdio.stderr is not None:
        config.stdout_file = stdio.stdout
        config.stderr_file = stdio.stderr
    else:
        config.inherit_stdout()
        config.inherit_stderr()
    return config


def _read(path: str | None) -> bytes | None:
    return None if path is None else Path(path).read_bytes()


def wasi_store(
    tmp: str,
    argv: list[str],
    *,
    env: EnvInput,
    dirs: DirsInput,
    stdin: bytes | None,
    capture: bool,
    on: wasmtime.Engine | None = None,
) -> tuple[wasmtime.Store, Stdio]:
    """A store with WASI configured for one run (in the engine `on`, default
    the shared one); captured stdio goes to files in `tmp`."""
    stdio = _stdio(tmp, stdin, capture)
    store = wasmtime.Store(on or engine())
    store.set_wasi(_wasi_config(argv, env, dirs, stdio, capture))
    return store, stdio


def finish(store: wasmtime.Store, stdio: Stdio, ended: tuple[Outcome, int, str]) -> RunResult:
    """Close the run's store and collect what it wrote (call before `tmp` goes away)."""
    outcome, code, message = ended
    store.close()
    return RunResult(code, _read(stdio.stdout), _read(stdio.stderr), outcome, message)


def flush_python_stdio() -> None:
    # Inherited stdio is written by wasmtime straight to fds 1 and 2: flush
    # what Python buffered first so the order on the terminal is right.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class Limits:
    """What a run may use: wall-clock seconds and fuel (about one unit per
    wasm instruction); None is no limit."""

    seconds: float | None = None
    fuel: int | None = None

    @property
    def any(self) -> bool:
        return self.seconds is not None or self.fuel is not None


NO_LIMITS = Limits()
UNLIMITED_FUEL = 2**63 - 1


class RunOptions(TypedDict, total=False):
    """The keyword arguments of `run_component` and `invoke_component`:
    fields of `RunSettings`, which has their defaults and meaning (mypy
    checks each one against it where the settings are made)."""

    args: Sequence[str]
    env: EnvInput
    dirs: DirsInput
    stdin: bytes | None
    capture: bool
    program_name: str | None
    limits: Limits
    compile_cache: bool


@dataclass(frozen=True)
class RunSettings:
    """How a component runs.

    argv is `[program_name, *args]` (default name: the file name, or
    `main.wasm` for bytes).  `dirs` are (host, guest) preopens, writable.
    With `capture`, stdout and stderr are collected and stdin is `stdin` or
    empty; without it, all three are inherited (unless `stdin` is given).
    A run past its `limits` traps (134) and says which limit;
    `compile_cache` uses wasmtime's on-disk cache.
    """

    args: Sequence[str] = ()
    env: EnvInput = ()
    dirs: DirsInput = ()
    stdin: bytes | None = None
    capture: bool = True
    program_name: str | None = None
    limits: Limits = NO_LIMITS
    compile_cache: bool = False


# What a run does once WASI is set up: call into the instance, say how it ended.
_Call = Callable[[wc.Linker, wasmtime.Store], tuple[Outcome, int, str]]


def run_component(wasm: WasmInput, **options: Unpack[RunOptions]) -> RunResult:
    """Run a command component's `wasi:cli/run@0.2.N#run` with wasmtime's WASI 0.2.

    `options`: see `RunSettings`.  `run` returning `ok` gives 0 and `err`
    gives 1; `exit` and `exit-with-code` give their code.
    """
    settings = RunSettings(**options)
    on, component, where = _compiled(wasm, settings)
    run_name = find_run_export(component, on)
    if run_name is None:
        raise InputError(
            "the component exports no `wasi:cli/run` instance: it is not a command",
            where=where,
        )
    return _run(
        wasm,
        settings,
        on,
        component,
        lambda linker, store: _call_run(linker, store, component, run_name),
    )


def invoke_component(
    wasm: WasmInput, call: str, **options: Unpack[RunOptions]
) -> tuple[RunResult, str | None]:
    """Call one export of a component, `NAME(ARGS)` in WAVE (as `wasmtime
    run --invoke`): the run, and the result in WAVE when it returned.

    NAME is a world-level function, `INTERFACE#NAME` (INTERFACE may be
    the interface's short name), or a function only one exported interface
    has.  Imports the WASI host does not provide trap when called.
    `options`: see `RunSettings`."""
    settings = RunSettings(**options)
    on, component, where = _compiled(wasm, settings)
    name, nodes = wave.parse_call(call)
    path, functype = _find_function(component, on, name, where)
    values = _arguments(nodes, functype, name)
    printed: list[str] = []
    result = _run(
        wasm,
        settings,
        on,
        component,
        lambda linker, store: _call(linker, store, component, path, values, functype, printed),
        stub_unknown_imports=True,
    )
    return result, printed[0] if printed else None


def _compiled(wasm: WasmInput, settings: RunSettings) -> tuple[wasmtime.Engine, wc.Component, str]:
    data, where = load_wasm(wasm)
    if wasm_kind(data, where=where) != "component":
        raise InputError(
            "this is a core module, not a component",
            where=where,
            hint="run `componentize new` on it first",
        )
    on = engine(cached=settings.compile_cache, limits=settings.limits.any)
    try:
        return on, wc.Component(on, data), where
    except wasmtime.WasmtimeError as e:
        raise compile_error("component", where, e) from None


def _run(
    wasm: WasmInput,
    settings: RunSettings,
    on: wasmtime.Engine,
    component: wc.Component,
    call: _Call,
    *,
    stub_unknown_imports: bool = False,
) -> RunResult:
    """`call` made with WASI 0.2 set up as `settings` say, within its limits
    (`stub_unknown_imports`: imports the host lacks trap when called)."""
    argv = program_argv(wasm, settings.program_name, settings.args)
    with tempfile.TemporaryDirectory(prefix="componentize-run-") as tmp:
        store, stdio = wasi_store(
            tmp,
            argv,
            env=settings.env,
            dirs=settings.dirs,
            stdin=settings.stdin,
            capture=settings.capture,
            on=on,
        )
        linker = wc.Linker(on)
        linker.add_wasip2()
        if stub_unknown_imports:
            linker.define_unknown_imports_as_traps(component)
        with _limited(on, store, settings.limits):
            ended = call(linker, store)
        return finish(store, stdio, _explained(ended, settings.limits))


def _find_function(
    component: wc.Component, on: wasmtime.Engine, name: str, where: str
) -> tuple[list[str], Any]:
    """The export path of function `name` and its type."""
    exports = component.type.exports(on)
    iface, sep, func = name.rpartition("#")
    found: list[tuple[list[str], Any]] = []
    for export, item in exports.items():
        ty = item.ty
        if isinstance(ty, wc.FuncType) and not sep and export == name:
            found.append(([export], ty))
        elif isinstance(ty, wc.ComponentInstanceType):
            short = export.partition("/")[2].partition("@")[0]
            if sep and iface not in (export, short, export.partition("@")[0]):
                continue
            inner = ty.exports(on).get(func if sep else name)
            if inner is not None and isinstance(inner.ty, wc.FuncType):
                found.append(([export, func if sep else name], inner.ty))
    if len(found) != 1:
        funcs = sorted(_function_names(exports, on))
        problem = "no exported function" if not found else "more than one exported function"
        raise InputError(
            f"{problem} `{name}`",
            where=f"{where}: --invoke",
            hint=f"exported: {', '.join(funcs) or 'none'}",
        )
    return found[0]


def _function_names(exports: Mapping[str, Any], on: wasmtime.Engine) -> Iterator[str]:
    for export, item in exports.items():
        if isinstance(item.ty, wc.FuncType):
            yield export
        elif isinstance(item.ty, wc.ComponentInstanceType):
            for inner, sub in item.ty.exports(on).items():
                if isinstance(sub.ty, wc.FuncType):
                    yield f"{export}#{inner}"


def _arguments(nodes: Sequence[wave.Node], functype: Any, name: str) -> list[Any]:
    if len(nodes) != len(functype.params):
        params = ", ".join(p for p, _ in functype.params)
        raise InputError(
            f"`{name}` takes {len(functype.params)} arguments ({params}), not {len(nodes)}",
            where="--invoke",
        )
    return [wave.to_python(node, ty) for node, (_, ty) in zip(nodes, functype.params, strict=True)]


def _call(
    linker: wc.Linker,
    store: wasmtime.Store,
    component: wc.Component,
    path: list[str],
    values: list[Any],
    functype: Any,
    printed: list[str],
) -> tuple[Outcome, int, str]:
    flush_python_stdio()
    try:
        instance = linker.instantiate(store, component)
        parent = None
        for step in path[:-1]:
            parent = instance.get_export_index(store, step, parent)
        index = instance.get_export_index(store, path[-1], parent)
        func = instance.get_func(store, index) if index else None
        if func is None:
            return "error", ERROR_EXIT_CODE, f"no function `{path[-1]}`"
        result = func(store, *values)
        if functype.result is not None:
            printed.append(wave.to_wave(result, functype.result))
        func.post_return(store)
    except (wasmtime.WasmtimeError, wasmtime.Trap) as e:
        return classify(e)
    return "returned", 0, ""


@contextlib.contextmanager
def _limited(on: wasmtime.Engine, store: wasmtime.Store, limits: Limits) -> Iterator[None]:
    """Fuel and an epoch deadline for the run; a timer ends the epoch."""
    if not limits.any:
        yield
        return
    store.set_fuel(limits.fuel if limits.fuel is not None else UNLIMITED_FUEL)
    store.set_epoch_deadline(1)
    timer = None
    if limits.seconds is not None:
        timer = threading.Timer(limits.seconds, on.increment_epoch)
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()


def _explained(ended: tuple[Outcome, int, str], limits: Limits) -> tuple[Outcome, int, str]:
    """A trap for running out of time or fuel, said in those words."""
    outcome, code, message = ended
    if outcome == "trap" and "interrupt" in message and limits.seconds is not None:
        return outcome, code, f"time limit of {limits.seconds:g} s exceeded"
    if outcome == "trap" and "fuel" in message and limits.fuel is not None:
        return outcome, code, f"fuel limit of {limits.fuel} exhausted"
    too_old = ("matching implementation was not found", "function implementation is missing")
    if outcome == "error" and any(sign in message for sign in too_old):
        return (
            outcome,
            code,
            f"{message} (this wasmtime lacks that WASI version: "
            + ("rebuild with an older --wasi-version)"),
        )
    return ended


def find_run_export(component: wc.Component, on: wasmtime.Engine | None = None) -> str | None:
    """The name of the component's `wasi:cli/run@...` export, if any."""
    for name in component.type.exports(on or engine()):
        if name == "wasi:cli/run" or name.startswith("wasi:cli/run@"):
            return name
    return None


def _call_run(
    linker: wc.Linker, store: wasmtime.Store, component: wc.Component, run_name: str
) -> tuple[Outcome, int, str]:
    flush_python_stdio()
    try:
        instance = linker.instantiate(store, component)
        iface = instance.get_export_index(store, run_name)
        index = instance.get_export_index(store, "run", iface) if iface else None
        func = instance.get_func(store, index) if index else None
        if func is None:
            return "error", ERROR_EXIT_CODE, f"`{run_name}` has no function `run`"
        result = func(store)
        func.post_return(store)
    except (wasmtime.WasmtimeError, wasmtime.Trap) as e:
        return classify(e)
    # `run: func() -> result` comes back as Variant(tag="ok"|"err").
    tag = getattr(result, "tag", None)
    return "returned", 0 if tag == "ok" else ERROR_EXIT_CODE, ""
