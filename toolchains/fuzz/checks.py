"""One input through `componentize new` and `inspect` (or the WIT front
end), and what counts as a finding; `Execute` runs a valid mutant natively
and as a component."""

from __future__ import annotations

import tempfile
import traceback
from dataclasses import dataclass, field

import wasmtime
import wasmtime.component as wc
from click.testing import CliRunner

from componentize.assemble import Options, componentize
from componentize.cli.inspect import inspect
from componentize.engine import engine
from componentize.errors import ComponentizeError, InternalError
from componentize.run import (
    Limits,
    Outcome,
    RunResult,
    classify,
    finish,
    run_component,
    wasi_store,
)
from componentize.wit import resolve_text
from toolchains.fuzz.seeds import ROOT

OUT = ROOT / ".cache" / "fuzz"  # the inputs that showed a finding, and inspect's input


@dataclass
class Findings:
    inputs: int = 0
    components: int = 0
    user_errors: int = 0
    refused_valid: int = 0
    compiled: int = 0  # components compiled in full
    ran: int = 0  # components run, as their modules natively
    found: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def add(self, kind: str, message: str, data: bytes) -> None:
        key = (kind, message.splitlines()[0][:200] if message else "")
        self.found.setdefault(key, data)


def check(
    data: bytes,
    findings: Findings,
    *,
    run_inspect: bool = True,
    compile_on: wasmtime.Engine | None = None,
    execute: Execute | None = None,
) -> None:
    """One input through `new` and `inspect`; findings recorded.  With
    `compile_on`, each component is compiled in full there too; with
    `execute`, a command is run natively and as a component instead."""
    findings.inputs += 1
    component = None
    try:
        component = componentize(data, Options(source="<fuzz>")).component
        findings.components += 1
        if execute is None:
            _check_component(data, component, findings, compile_on)
        else:
            execute.both(data, component, findings)
    except ComponentizeError as error:
        findings.user_errors += 1
        if len(str(error).splitlines()) > 2:
            findings.add("message longer than two lines", str(error), data)
        if _valid(data):
            findings.refused_valid += 1
    except InternalError as error:
        findings.add("internal error", str(error), data)
    except Exception as error:  # noqa: BLE001 - every other exception is a finding
        findings.add(f"{type(error).__name__}", traceback.format_exc(limit=-3), data)
    if run_inspect:
        for blob in (data, component):
            if blob is not None:
                _inspect(blob, findings)


def _check_component(
    data: bytes, component: bytes, findings: Findings, compile_on: wasmtime.Engine | None
) -> None:
    """A component comes only from a valid module, and compiles in full:
    `componentize` checks it with skeletons of the modules (trapping bodies)
    for speed, so compiling the real thing checks that shortcut too."""
    if not _valid(data):
        findings.add("component made from an invalid module", "", data)
    if compile_on is None:
        return
    try:
        wc.Component(compile_on, component)
        findings.compiled += 1
    except wasmtime.WasmtimeError as error:
        findings.add("component does not compile", str(error), data)


@dataclass(frozen=True)
class Execute:
    """Running valid mutants natively and as components, with no inputs.

    Fuel bounds both runs (mutants loop); the component gets twice the
    native fuel, for the shim's own work.  A run out of fuel on either side
    proves nothing, nor do the native host's own refusals below; any other
    difference in exit code, outcome (trap or not), stdout or stderr is a
    finding.  `cached`: wasmtime's disk cache (the quick pass's inputs are
    the same each session)."""

    fuel: int = 20_000_000
    cached: bool = False

    def both(self, data: bytes, component: bytes, findings: Findings) -> None:
        native = self._native(data)
        if native is None:
            _check_component(data, component, findings, engine(cached=self.cached))
            return
        try:
            comp = run_component(
                component, stdin=b"", limits=Limits(fuel=2 * self.fuel), compile_cache=self.cached
            )
        except ComponentizeError as error:  # not a command, or does not compile
            findings.add("component of a command does not run", str(error), data)
            return
        findings.compiled += 1
        findings.ran += 1
        if _comparable(native, comp) and _outcome(native) != _outcome(comp):
            findings.add(
                "runs otherwise than natively",
                f"native {_outcome(native)[:3]} {native.message[:80]!r}, "
                f"component {_outcome(comp)[:3]} {comp.message[:80]!r}",
                data,
            )

    def _native(self, data: bytes) -> RunResult | None:
        """The module's `_start` run natively, or None if it has none or
        imports what the native host lacks."""
        on = engine(cached=self.cached, limits=True)
        module = wasmtime.Module(on, data)
        if not isinstance(_export(module, "_start"), wasmtime.FuncType):
            return None
        with tempfile.TemporaryDirectory(prefix="componentize-fuzz-") as tmp:
            store, stdio = wasi_store(
                tmp, ["main.wasm"], env=(), dirs=(), stdin=b"", capture=True, on=on
            )
            store.set_fuel(self.fuel)
            store.set_epoch_deadline(1)  # no timer: the epoch never moves
            linker = wasmtime.Linker(on)
            linker.define_wasi()
            try:
                instance = linker.instantiate(store, module)
                func = instance.exports(store)["_start"]
                assert isinstance(func, wasmtime.Func)
                func(store)
                ended: tuple[Outcome, int, str] = ("returned", 0, "")
            except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
                ended = classify(error)
            result = finish(store, stdio, ended)
        return None if "unknown import" in result.message else result


def _export(module: wasmtime.Module, name: str) -> object:
    return next((e.type for e in module.exports if e.name == name), None)


# What wasmtime's native preview1 host refuses and a component may do: an
# exit code of 126 or more (the component keeps it), a module that exports
# no memory (componentize exports it).  Out of fuel: no conclusion.
_NATIVE_REFUSALS = ("exit with invalid exit status", "missing required memory export")


def _comparable(native: RunResult, comp: RunResult) -> bool:
    if any("fuel" in r.message for r in (native, comp)):
        return False
    return not any(refusal in native.message for refusal in _NATIVE_REFUSALS)


def _outcome(result: RunResult) -> tuple[int, str, bytes | None, bytes | None]:
    return result.exit_code, result.outcome, result.stdout, result.stderr


def _valid(data: bytes) -> bool:
    try:
        wasmtime.Module.validate(engine(), data)
    except wasmtime.WasmtimeError:
        return False
    return True


def _inspect(blob: bytes, findings: Findings) -> None:
    path = OUT / "inspect-input.wasm"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    result = CliRunner().invoke(inspect, [str(path)])
    if result.exit_code not in (0, 2):
        findings.add(f"inspect exit {result.exit_code}", result.output, blob)


def check_wit(text: str, findings: Findings) -> None:
    findings.inputs += 1
    try:
        resolve_text(text, "fuzz.wit")
    except ComponentizeError:
        findings.user_errors += 1
    except Exception as error:  # noqa: BLE001 - a crash of the WIT front end is a finding
        findings.add(f"wit {type(error).__name__}", str(error), text.encode())
