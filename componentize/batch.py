"""Many modules at once: `componentize new A.wasm B.wasm DIR/ 'glob*' --out-dir OUT`.

`plan_jobs` expands the inputs (files; directories, searched recursively for
`.wasm` and `.wat`; glob patterns) into jobs, each writing
`OUT/<path relative to its input>` with the extension `.wasm`, and refuses
two inputs that would write one output.  `convert_many` runs the jobs, in
worker processes when asked for more than one, and returns an `Outcome`
per job in job order: a failure (a module we refuse, even our own bug) is
recorded and the other jobs go on; each output is written atomically, so a
failed job leaves nothing behind.

This is the Python API of batch conversion as well as the CLI's engine.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from componentize.assemble import Options, componentize
from componentize.errors import ComponentizeError, InputError, InternalError
from componentize.files import read_input, wasm_kind, write_atomic

SUFFIXES = (".wasm", ".wat")
GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path
    options: Options | None = None  # None: the batch's
    adapters: tuple[tuple[str, str], ...] = ()  # (--adapt NAME, FILE)


@dataclass(frozen=True)
class Outcome:
    job: Job
    ok: bool
    error: str = ""  # the first line of the error, for a summary
    size: int = 0  # bytes written
    warnings: tuple[str, ...] = field(default_factory=tuple)


def plan_jobs(inputs: Sequence[str], out_dir: Path) -> list[Job]:
    """The jobs for `inputs` (files, directories, globs) into `out_dir`."""
    jobs: list[Job] = []
    for spec in inputs:
        jobs += [Job(src, out_dir / rel.with_suffix(".wasm")) for src, rel in _expand(spec)]
    seen: dict[Path, Path] = {}
    for job in jobs:
        other = seen.setdefault(job.output, job.source)
        if other != job.source:
            raise InputError(
                f"{other} and {job.source} would both be written to {job.output}",
                where="--out-dir",
                hint="convert them in separate runs, or into separate directories",
            )
    return list({job.output: job for job in jobs}.values())


def _expand(spec: str) -> list[tuple[Path, Path]]:
    """(source, output path relative to the output directory) for one input."""
    path = Path(spec)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        if not found:
            raise InputError("no .wasm or .wat files in this directory", where=spec)
        return [(p, p.relative_to(path)) for p in found]
    if not path.exists() and GLOB_CHARS & set(spec):
        matches = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
        if not matches:
            raise InputError("no file matches this pattern", where=spec)
        return [(p, Path(p.name)) for p in matches]
    return [(path, Path(path.name))]


def convert(job: Job, options: Options) -> Outcome:
    """One job, in this process; never raises for a bad module."""
    where = str(job.source)
    try:
        component, warnings = build(
            read_input(where), _for(job.options or options, where), dict(job.adapters)
        )
        job.output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(job.output, component)
    except (ComponentizeError, InternalError) as error:
        return Outcome(job, False, _located(where, str(error).splitlines()[0]))
    except OSError as error:
        return Outcome(job, False, _located(where, str(error.strerror or error)))
    return Outcome(job, True, size=len(component), warnings=tuple(warnings))


def build(
    data: bytes, options: Options, adapters: Mapping[str, str] = {}
) -> tuple[bytes, list[str]]:
    """The component of one module and its warnings: through the bundled
    shim, or through the adapter modules `adapters` names (NAME -> FILE)."""
    if wasm_kind(data, where=options.source) == "component":
        raise InputError(
            "is already a component",
            where=options.source,
            hint="give the core module it was built from",
        )
    if adapters and options.deny:
        raise InputError(
            "--deny trims the bundled shim; an adapter given with --adapt is used as it is",
            where="--deny",
            hint="drop --adapt, or the --deny options",
        )
    if adapters:
        from componentize.assemble.adapter import adapt  # only with --adapt

        adapted = adapt(data, read_adapters(adapters), options)
        return adapted.component, adapted.warnings
    result = componentize(data, options)
    return result.component, result.warnings


def read_adapters(adapters: Mapping[str, str]) -> dict[str, bytes]:
    """NAME -> FILE (binary or text) as `--adapt NAME=FILE` gives them ->
    NAME -> the adapter's bytes."""
    found: dict[str, bytes] = {}
    for name, path in adapters.items():
        data = read_input(path)
        if wasm_kind(data, where=path) == "component":
            raise InputError(
                "is a component; an adapter is a core module",
                where=path,
                hint="give the adapter module (e.g. wasi_snapshot_preview1.command.wasm)",
            )
        found[name] = data
    return found


def _located(where: str, message: str) -> str:
    """`message`, starting with the input's name (said once)."""
    return message if message.startswith(where) else f"{where}: {message}"


def _for(options: Options, source: str) -> Options:
    return replace(options, source=source)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def convert_many(
    jobs: Sequence[Job],
    options: Options = Options(),  # noqa: B008 - a frozen dataclass, never mutated
    *,
    workers: int = 1,
    done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run `jobs` (in `workers` processes when more than one); `done` is
    called as each finishes (in completion order); outcomes come back in
    job order."""
    if workers <= 1 or len(jobs) <= 1:
        outcomes = []
        for job in jobs:
            outcomes.append(convert(job, options))
            if done is not None:
                done(outcomes[-1])
        return outcomes
    # Imported here: a one-module run needs no process pool (~10 ms).
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    # A fresh interpreter per worker (not fork): wasmtime's engine and
    # threads in this process must not be copied mid-flight.
    context = get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = [pool.submit(convert, job, options) for job in jobs]
        if done is not None:
            for future in as_completed(futures):
                done(future.result())
        return [future.result() for future in futures]
