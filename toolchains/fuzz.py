"""Mutation fuzzing of `componentize new` and `inspect` (and the WIT front end).

Seeds: the committed real-toolchain and typed fixtures, the conformance
suite's modules and the bundled example; each input is a seed mutated a
few times (truncation, bit flips, byte runs, inserted and deleted ranges,
corrupted LEB128 lengths, spliced sections, and edits of decoded imports,
exports, memories and types).  For each input:

- `componentize()` either returns a component that the (cheap) validation
  accepted, or raises a user error (`ComponentizeError`) of at most two
  lines; an `InternalError` or any other exception is a finding;
- `componentize inspect` on the input, and on the component when there is
  one, exits 0 or 2, never 3;
- a component comes only from a module wasmtime validates, and (unless
  `--quick`) compiles in full, not only as the skeleton `componentize`
  checks for speed;
- for a module wasmtime accepts, a refusal is recorded (not a finding: a
  valid module may still be one WASI cannot run, e.g. a threads build).

Before that (unless `--quick` or `--wit`), every seed runs with its own
inputs natively and as a component (`seed_runs`): stdio, exit code and the
preopens must be the same.  With `--execute`, each valid mutant that has a
`_start` runs natively and as a component too (`Execute`).

    python -m toolchains.fuzz [--seconds 1800] [--seed 1] [--wit] [--quick] [--execute]

prints throughput and every distinct finding (kind, message) with the
input that first showed it (saved under `.cache/fuzz/`).  The tests run a
short deterministic pass (`tests/test_fuzz.py`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import stat
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import wasmtime
import wasmtime.component as wc
from click.testing import CliRunner

from componentize import wasm
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
from toolchains.native import run_module
from toolchains.real import REAL_DIR, load_manifest, read_program

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT.parent / "shared" / "conformance" / "wasi-testsuite" / "tests"
SEED_DIRS = [ROOT / "tests" / "fixtures" / "real", ROOT / "tests" / "fixtures" / "typed"]
OUT = ROOT / ".cache" / "fuzz"
MAX_SEED_BYTES = 400_000  # big modules make each run slow for little gain


def seed_paths(limit_bytes: int = MAX_SEED_BYTES) -> list[Path]:
    """Every small enough module of the fixtures and the suite, sorted by path."""
    paths = [ROOT / "examples" / "hello.wasm"]
    for folder in [*SEED_DIRS, SUITE]:
        paths += sorted(folder.rglob("*.wasm"))
    found = []
    for path in paths:
        data = path.read_bytes()
        if len(data) <= limit_bytes and data[4:8] == b"\x01\x00\x00\x00":
            found.append(path)
    return found


def seeds(limit_bytes: int = MAX_SEED_BYTES) -> list[bytes]:
    return [path.read_bytes() for path in seed_paths(limit_bytes)]


# ---------------------------------------------------------------- mutators

Mutator = Callable[[random.Random, bytes, list[bytes]], bytes]


def truncate(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    return data[: rng.randrange(8, max(9, len(data)))]


def flip(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    out = bytearray(data)
    for _flip in range(rng.randint(1, 4)):
        at = rng.randrange(8, len(out))
        out[at] ^= 1 << rng.randrange(8)
    return bytes(out)


def byte_run(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(8, len(data))
    value = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    return data[:at] + bytes([value]) * rng.randint(1, 8) + data[at + 8 :]


def insert(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(8, len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 16)) + data[at:]


def delete(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(8, len(data))
    return data[:at] + data[at + rng.randint(1, 32) :]


def leb(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    """Corrupt a LEB128-looking byte (continuation bit set): its length."""
    spots = [i for i in range(8, min(len(data), 4096)) if data[i] & 0x80]
    if not spots:
        return flip(rng, data, [])
    at = rng.choice(spots)
    out = bytearray(data)
    out[at] = rng.choice([0xFF, 0x80, out[at] ^ 0x40, 0x8F])
    return bytes(out)


def _sections(data: bytes) -> list[bytes]:
    """The module's sections as raw bytes (id, size, payload)."""
    out, at = [], 8
    while at < len(data):
        start = at
        at += 1
        size, shift = 0, 0
        while at < len(data):
            byte = data[at]
            at += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        at += size
        out.append(data[start:at])
    return out


def splice(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """A section of another seed put in, or one of ours repeated or dropped."""
    mine = _sections(data)
    if not mine:
        return data
    other = _sections(rng.choice(pool)) or mine
    at = rng.randrange(len(mine))
    choice = rng.randrange(3)
    if choice == 0:
        mine.insert(at, rng.choice(other))
    elif choice == 1:
        mine.insert(at, mine[at])
    else:
        del mine[at]
    return data[:8] + b"".join(mine)


def structural(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    """Decode, edit an import, an export, a memory or the start, encode."""
    try:
        module = wasm.decode_module(data)
    except ComponentizeError:
        return flip(rng, data, [])
    edits = [_rename_import, _rename_export, _memory, _start, _duplicate_export]
    try:
        return wasm.encode_module(rng.choice(edits)(rng, module))
    except (ComponentizeError, IndexError, ValueError):
        return data


def _odd_name(rng: random.Random, name: str) -> str:
    return rng.choice(
        [
            name + "\n" + name,
            name + "\x1b[31m",
            name * 200,
            "",
            "[resource-drop]" + name,
            "cm32p2|" + name,
            "$root",
            name.upper(),
        ]
    )


def _rename_import(rng: random.Random, module: wasm.Module) -> wasm.Module:
    if not module.imports:
        return module
    imports = list(module.imports)
    at = rng.randrange(len(imports))
    imp = imports[at]
    if rng.random() < 0.5:
        imports[at] = replace(imp, name=_odd_name(rng, imp.name))
    else:
        imports[at] = replace(imp, module=_odd_name(rng, imp.module))
    return replace(module, imports=imports)


def _rename_export(rng: random.Random, module: wasm.Module) -> wasm.Module:
    if not module.exports:
        return module
    exports = list(module.exports)
    at = rng.randrange(len(exports))
    new = rng.choice(["_start", "_initialize", "memory", "cabi_realloc", "cm32p2_initialize"])
    exports[at] = replace(exports[at], name=rng.choice([new, _odd_name(rng, exports[at].name)]))
    return replace(module, exports=exports)


def _duplicate_export(rng: random.Random, module: wasm.Module) -> wasm.Module:
    if not module.exports:
        return module
    return replace(module, exports=[*module.exports, rng.choice(module.exports)])


def _memory(rng: random.Random, module: wasm.Module) -> wasm.Module:
    if not module.memories:
        return replace(module, memories=[wasm.Limits(rng.randrange(3))])
    limits = module.memories[0]
    changed = rng.choice(
        [
            replace(limits, max=limits.min),
            replace(limits, min=limits.min + 1, max=limits.min),
            replace(limits, shared=True, max=limits.max or limits.min + 1),
            replace(limits, min=65536),
        ]
    )
    return replace(module, memories=[changed, *module.memories[1:]])


def _start(rng: random.Random, module: wasm.Module) -> wasm.Module:
    count = len(module.functions) + sum(1 for i in module.imports if i.kind == "func")
    return replace(module, start=rng.randrange(count + 2) if count else 0)


MUTATORS: list[Mutator] = [truncate, flip, byte_run, insert, delete, leb, splice, structural]


def mutants(rng: random.Random, pool: list[bytes]) -> Iterator[bytes]:
    while True:
        data = rng.choice(pool)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            if len(data) <= 8:
                break
            data = rng.choice(MUTATORS)(rng, data, pool)
        yield data


# ---------------------------------------------------------------- checks


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


WIT_SEED = """package a:b@1.0.0;
interface i {
  record r { x: u32, y: list<string> }
  variant v { a(r), b }
  resource res { constructor(x: u32); m: func() -> option<u32>; }
  f: func(a: r, b: borrow<res>) -> result<v, string>;
}
world w { import i; export f: func(x: tuple<u8, s64>) -> list<r>; }
"""
WIT_PIECES = ["list<", "tuple<", ">", "{", "}", ";", "use i.{r};", "%", "@since(version = 1.0.0)",
              "borrow<res>", "package", "\n", "func(", ")", "->", "x" * 300]  # fmt: skip


def wit_mutants(rng: random.Random) -> Iterator[str]:
    while True:
        text = WIT_SEED
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.5:
                text = text[:at] + rng.choice(WIT_PIECES) * rng.choice([1, 1, 2, 600]) + text[at:]
            else:
                text = text[:at] + text[at + rng.randint(1, 12) :]
        yield text


# ---------------------------------------------------------------- seeds, run

# A preopen's initial content: a host directory (copied fresh for each run)
# or files by relative path (None: an empty directory).
DirSource = Path | Mapping[str, bytes | None]


@dataclass(frozen=True)
class SeedRun:
    """One run of a seed with the inputs it needs (its fixture's or its
    conformance spec's), natively and as a component."""

    name: str
    path: Path
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    stdin: bytes = b""
    dirs: tuple[tuple[str, DirSource], ...] = ()
    # What the inputs make the module exit with natively: checked, so wrong
    # inputs (a run that fails early the same way on both sides) are seen.
    exit_code: int = 0
    compare_stdout: bool = True


# Seeds with no differential run, and why (a prefix of the seed's name).
NOT_RUN = {
    "tests/fixtures/typed/": "they import their world's non-WASI functions "
    "(test:typed/host, $root.decorate...), which no native preview1 host has; "
    "tests/typed runs them against their own oracle",
    "tests/fixtures/real/emscripten/memory_growth.wasm": "it imports "
    "env.emscripten_notify_memory_growth, which the native preview1 host lacks "
    "(the component gets it from a built-in import rule)",
}
# Seeds whose stdout differs from one native run to the next.
UNSTABLE_STDOUT = {
    # a Rust HashMap printed, its order seeded by random_get
    "wasi-testsuite/rust/testsuite/wasm32-wasip1/poll_oneoff_stdio.wasm",
}


def seed_name(path: Path) -> str:
    """The seed's path relative to the repository, or to the suite's parent."""
    if path.is_relative_to(SUITE):
        return "wasi-testsuite/" + path.relative_to(SUITE).as_posix()
    return path.relative_to(ROOT).as_posix()


def not_run_reason(path: Path) -> str | None:
    name = seed_name(path)
    return next((why for prefix, why in NOT_RUN.items() if name.startswith(prefix)), None)


def seed_runs(paths: Sequence[Path] | None = None) -> list[SeedRun]:
    """The runs of every seed that has inputs (see `unaccounted_seeds`)."""
    runs: list[SeedRun] = []
    for path in seed_paths() if paths is None else paths:
        if not_run_reason(path) is None:
            runs += _runs_of(path)
    return runs


def unaccounted_seeds() -> list[str]:
    """Seeds with neither a run nor a reason in NOT_RUN (should be none)."""
    return [
        seed_name(path)
        for path in seed_paths()
        if not_run_reason(path) is None and not _runs_of(path)
    ]


def _runs_of(path: Path) -> list[SeedRun]:
    if path.is_relative_to(REAL_DIR):
        return real_runs(path)
    if path.is_relative_to(SUITE):
        return _suite_runs(path)
    if path == ROOT / "examples" / "hello.wasm":
        return [SeedRun(seed_name(path), path)]
    return []


def real_runs(path: Path) -> list[SeedRun]:
    """The runs of a real fixture, from its source's `//!` lines."""
    entry = _binaries().get(path.relative_to(REAL_DIR).as_posix())
    if entry is None or entry["expect"] != "run":
        return []
    program = read_program(REAL_DIR / entry["source"])
    return [
        SeedRun(
            f"{seed_name(path)}#{run.name}",
            path,
            args=run.args,
            env=run.env,
            stdin=run.stdin,
            dirs=tuple(run.dirs.items()),
            exit_code=run.exit_code,
        )
        for run in program.runs_for(entry["toolchain"])
    ]


@cache
def _binaries() -> dict[str, Any]:
    binaries: dict[str, Any] = load_manifest()["binaries"]
    return binaries


def _suite_runs(path: Path) -> list[SeedRun]:
    """The suite's legacy spec (NAME.json: args, env, root, exit_code), the
    only form its preview1 tests use."""
    spec_path = path.with_suffix(".json")
    spec = json.loads(spec_path.read_text()) if spec_path.exists() else {}
    root = spec.get("root")
    name = seed_name(path)
    return [
        SeedRun(
            name,
            path,
            args=tuple(spec.get("args", ())),
            env=tuple(spec.get("env", {}).items()),
            dirs=(("/", path.parent / root),) if root else (),
            exit_code=spec.get("exit_code", 0),
            compare_stdout=name not in UNSTABLE_STDOUT,
        )
    ]


Tree = dict[str, tuple[str, bytes]]  # relative path -> (kind, contents or link target)


def seed_differences(
    run: SeedRun,
    component: bytes,
    native_runner: Callable[..., RunResult] = run_module,
    module: bytes | None = None,
) -> list[str]:
    """How the component's run differs from the module's native one
    (`native_runner`: `run_module` or one that caches its compiles;
    `module`: the seed's bytes, or a rewrite of them that `component` is of)."""
    return seed_results(run, component, native_runner, module)[2]


def seed_results(
    run: SeedRun,
    component: bytes,
    native_runner: Callable[..., RunResult] = run_module,
    module: bytes | None = None,
) -> tuple[RunResult, RunResult, list[str]]:
    """The native run, the component's, and how they differ."""
    module = run.path.read_bytes() if module is None else module
    kwargs: dict[str, Any] = dict(
        args=run.args, env=run.env, stdin=run.stdin, program_name=run.path.name
    )
    native, native_trees = _in_fresh_dirs(
        run, lambda dirs: native_runner(module, dirs=dirs, **kwargs)
    )
    comp, comp_trees = _in_fresh_dirs(
        run, lambda dirs: run_component(component, dirs=dirs, compile_cache=True, **kwargs)
    )
    out = []
    if native.exit_code != run.exit_code:
        out.append(f"native exit {native.exit_code} ({native.message}), inputs say {run.exit_code}")
    if (native.exit_code, native.outcome) != (comp.exit_code, comp.outcome):
        out.append(
            f"exit: native {native.exit_code} {native.outcome} {native.message!r}, "
            f"component {comp.exit_code} {comp.outcome} {comp.message!r}"
        )
    streams = ["stdout", "stderr"] if run.compare_stdout else ["stderr"]
    for stream in streams:
        mine, theirs = getattr(native, stream), getattr(comp, stream)
        if mine != theirs:
            out.append(f"{stream}: native {mine[:200]!r}, component {theirs[:200]!r}")
    for guest in native_trees:
        a, b = native_trees[guest], comp_trees[guest]
        wrong = sorted(rel for rel in a.keys() | b.keys() if a.get(rel) != b.get(rel))
        if wrong:
            out.append(f"preopen {guest}: these differ after the run: {', '.join(wrong[:10])}")
    return native, comp, out


def _in_fresh_dirs(
    run: SeedRun, runner: Callable[[list[tuple[Path, str]]], RunResult]
) -> tuple[RunResult, dict[str, Tree]]:
    with tempfile.TemporaryDirectory(prefix="componentize-seed-") as tmp:
        preopens = fresh_dirs(run, Path(tmp))
        result = runner(preopens)
        return result, {guest: _tree(host) for host, guest in preopens}


def fresh_dirs(run: SeedRun, into: Path) -> list[tuple[Path, str]]:
    """The run's preopens made under `into`: (host, guest) pairs."""
    preopens = []
    for i, (guest, source) in enumerate(run.dirs):
        host = into / f"d{i}"
        _populate(host, source)
        preopens.append((host, guest))
    return preopens


def _populate(host: Path, source: DirSource) -> None:
    if isinstance(source, Path):
        # symlinks kept as links; the suite's copy may be read-only
        shutil.copytree(source, host, symlinks=True)
        for entry in [host, *host.rglob("*")]:
            if not entry.is_symlink():
                entry.chmod(entry.stat().st_mode | stat.S_IWUSR)
        return
    host.mkdir(parents=True)
    for rel, data in sorted(source.items()):
        target = host / rel
        if data is None:
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _tree(root: Path) -> Tree:
    """Every entry below `root`, symlinks not followed, with its contents."""
    tree: Tree = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            tree[rel] = ("symlink", os.fsencode(os.readlink(path)))
        elif path.is_file():
            tree[rel] = ("file", path.read_bytes())
        else:
            tree[rel] = ("dir" if path.is_dir() else "other", b"")
    return tree


def check_seeds(findings: Findings, runs: Sequence[SeedRun] | None = None) -> None:
    """Each seed run natively and as a component: a difference is a finding."""
    components: dict[Path, bytes] = {}
    for run in seed_runs() if runs is None else runs:
        if run.path not in components:
            components[run.path] = componentize(run.path.read_bytes()).component
        found = seed_differences(run, components[run.path])
        if found:
            findings.add("seed differs from native", f"{run.name}: {found[0]}", b"")


# ---------------------------------------------------------------- driver


def run(
    seconds: float,
    seed: int,
    *,
    limit: int | None = None,
    wit: bool = False,
    compile_on: wasmtime.Engine | None = None,
    execute: Execute | None = None,
) -> Findings:
    rng = random.Random(seed)
    findings = Findings()
    deadline = time.monotonic() + seconds
    if wit:
        for text in wit_mutants(rng):
            check_wit(text, findings)
            if time.monotonic() > deadline or (limit and findings.inputs >= limit):
                break
        return findings
    for data in mutants(rng, seeds()):
        check(
            data,
            findings,
            run_inspect=findings.inputs % 4 == 0,
            compile_on=compile_on,
            execute=execute,
        )
        if time.monotonic() > deadline or (limit and findings.inputs >= limit):
            break
    return findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wit", action="store_true", help="fuzz the WIT front end instead")
    parser.add_argument(
        "--quick", action="store_true", help="neither run the seeds nor compile each component"
    )
    parser.add_argument(
        "--execute",
        action="store_true",
        help="run each valid mutant with a _start natively and as a component (about half the "
        "throughput)",
    )
    args = parser.parse_args()
    seed_findings = Findings()
    if not (args.wit or args.quick):
        check_seeds(seed_findings)  # a few seconds: every seed run natively and as a component
    start = time.monotonic()
    compile_on = None if args.quick else engine()
    execute = Execute() if args.execute else None
    findings = run(args.seconds, args.seed, wit=args.wit, compile_on=compile_on, execute=execute)
    took = time.monotonic() - start
    findings.found.update(seed_findings.found)
    print(
        f"{findings.inputs} inputs in {took:.0f} s ({findings.inputs / took:.1f}/s): "
        f"{findings.components} components ({findings.compiled} compiled in full, "
        f"{findings.ran} run as natively), "
        f"{findings.user_errors} user errors, "
        f"{findings.refused_valid} valid modules refused, {len(findings.found)} findings"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    for (kind, message), data in findings.found.items():
        name = hashlib.sha256(data).hexdigest()[:16]
        (OUT / f"{name}.{'wit' if args.wit else 'wasm'}").write_bytes(data)
        print(f"- {kind}: {message} ({OUT / name})")
    sys.exit(1 if findings.found else 0)


if __name__ == "__main__":
    main()
