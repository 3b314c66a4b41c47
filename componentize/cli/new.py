"""`componentize new IN.wasm -o OUT.wasm`: wrap a preview1 module in a component;
`componentize new A.wasm B.wasm DIR ... --out-dir OUT [-j N]`: many at once."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from componentize import log
from componentize.assemble import Options, componentize
from componentize.assemble.adapter import adapt, parse_adapt
from componentize.batch import Outcome, convert_many, default_workers, plan_jobs
from componentize.cli.funnel import EXIT_USAGE, Command
from componentize.cli.options import logging_options
from componentize.errors import InputError
from componentize.files import read_input, wasm_kind, write_output

WASI_VERSION_HELP = (
    "WASI 0.2.N to target (0.2.0 to 0.2.12); auto picks the lowest that keeps behaviour."
)


@click.command(cls=Command)
@click.argument("inputs", metavar="IN.wasm...", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=str),
    help="Output component (`-`: standard output), for one input.",
)
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Convert every input (files, directories searched for .wasm/.wat, glob patterns) "
    "into this directory, under the same relative names.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for --out-dir (default: the number of cores).",
)
@click.option("--wasi-version", default="auto", show_default=True, help=WASI_VERSION_HELP)
@click.option(
    "--skip-validation",
    is_flag=True,
    help="Do not compile the output with wasmtime to check it (as wasm-tools' option).",
)
@click.option(
    "--adapt",
    "adapt_specs",
    multiple=True,
    metavar="NAME=FILE",
    help="Serve the module's imports from module NAME with the adapter core module FILE "
    "(as wasm-tools' option), instead of the bundled shim; repeatable.",
)
@click.option(
    "--wit",
    "wit_path",
    type=click.Path(path_type=str),
    help="WIT directory or file with the world the module is built for (replaces the "
    "world embedded in its component-type sections).",
)
@click.option("--world", "world_name", help="The world of --wit (default: its only one).")
@logging_options
def new(
    inputs: tuple[str, ...],
    output: str | None,
    out_dir: Path | None,
    jobs: int | None,
    wasi_version: str,
    skip_validation: bool,
    adapt_specs: tuple[str, ...],
    wit_path: str | None,
    world_name: str | None,
) -> None:
    """Wrap the core module IN.wasm (binary or text; `-`: standard input) in a
    WASI 0.2 component; with --out-dir, every module given."""
    options = Options(
        wasi_version=wasi_version,
        source=inputs[0],
        validate=not skip_validation,
        wit=wit_path,
        world=world_name,
    )
    if out_dir is not None:
        if output is not None or adapt_specs:
            bad = "-o" if output is not None else "--adapt"
            raise InputError(f"{bad} cannot be combined with --out-dir", where=bad)
        convert_batch(inputs, out_dir, options, jobs)
        return
    if output is None or len(inputs) != 1:
        raise InputError(
            "give one input and -o OUT.wasm, or several inputs and --out-dir DIR",
            where="-o" if output is None else inputs[1],
        )
    input_file = inputs[0]
    logger = log.get("componentize.new")
    data = read_input(input_file)
    if wasm_kind(data, where=input_file) == "component":
        raise InputError(
            "is already a component",
            where=input_file,
            hint="give the core module it was built from",
        )
    if adapt_specs:
        adapted = adapt(data, read_adapters(adapt_specs), options)
        component, warnings = adapted.component, adapted.warnings
    else:
        result = componentize(data, options)
        component, warnings = result.component, result.warnings
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    write_output(output, component)
    logger.info("written", path=output, bytes=len(component))


def convert_batch(
    inputs: tuple[str, ...], out_dir: Path, options: Options, workers: int | None
) -> None:
    """Convert every input into `out_dir`: a progress bar on a terminal, a
    summary at the end; exit status 2 when any failed (the rest are written)."""
    jobs = plan_jobs(inputs, out_dir)
    workers = workers or default_workers()
    logger = log.get("componentize.new")
    logger.info("batch", modules=len(jobs), workers=workers, out_dir=str(out_dir))
    show = sys.stderr.isatty()
    with click.progressbar(
        length=len(jobs), label="converting", file=sys.stderr if show else io.StringIO()
    ) as bar:

        def done(outcome: Outcome) -> None:
            bar.update(1)
            logger.info(
                "converted" if outcome.ok else "failed",
                source=str(outcome.job.source),
                **({"bytes": outcome.size} if outcome.ok else {"error": outcome.error}),
            )

        outcomes = convert_many(jobs, options, workers=workers, done=done)
    failed = [o for o in outcomes if not o.ok]
    for outcome in outcomes:
        for warning in outcome.warnings:
            click.echo(f"warning: {outcome.job.source}: {warning}", err=True)
    click.echo(
        f"converted {len(outcomes) - len(failed)} of {len(outcomes)} modules into {out_dir}"
        + (f"; {len(failed)} failed:" if failed else ""),
        err=True,
    )
    for outcome in failed:
        click.echo(f"  {outcome.error}", err=True)
    if failed:
        raise click.exceptions.Exit(EXIT_USAGE)


def read_adapters(specs: tuple[str, ...]) -> dict[str, bytes]:
    """`--adapt NAME=FILE`s -> {NAME: the adapter's bytes}; FILE may be text."""
    adapters: dict[str, bytes] = {}
    for spec in specs:
        name, path = parse_adapt(spec)
        if name in adapters:
            raise InputError(f"`{name}` is adapted twice", where=f"--adapt {spec}")
        data = read_input(path)
        if wasm_kind(data, where=path) == "component":
            raise InputError(
                "is a component; an adapter is a core module",
                where=path,
                hint="give the adapter module (e.g. wasi_snapshot_preview1.command.wasm)",
            )
        adapters[name] = data
    return adapters
