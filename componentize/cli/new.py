"""`componentize new IN.wasm -o OUT.wasm`: wrap a preview1 module in a component;
`componentize new A.wasm B.wasm DIR ... --out-dir OUT [-j N]`: many at once."""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from pathlib import Path

import click

from componentize import log
from componentize.batch import Outcome, build, convert_many, default_workers, plan_jobs
from componentize.cli.funnel import EXIT_USAGE, Command
from componentize.cli.options import logging_options
from componentize.config import Config, Settings
from componentize.config import load as load_config
from componentize.errors import InputError
from componentize.files import read_input, write_output
from componentize.shim.deny import expand as expand_deny

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
@click.option("--wasi-version", default=None, help=WASI_VERSION_HELP)
@click.option(
    "--skip-validation",
    is_flag=True,
    default=None,
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
@click.option(
    "--deny",
    "deny",
    multiple=True,
    metavar="NAME",
    help="Do not import this WASI interface (wasi:clocks/wall-clock) or package "
    "(wasi:filesystem); the preview1 calls needing it fail as natively without it; "
    "repeatable.",
)
@click.option(
    "--import-rule",
    "import_rules",
    multiple=True,
    metavar="MODULE.NAME=ACTION",
    help="Serve an import no WASI host provides: trap, unreachable, zero or noop; repeatable.",
)
@click.option(
    "--no-builtin-rules",
    "no_builtin_rules",
    is_flag=True,
    default=None,
    help="Do not serve toolchain runtime imports (AssemblyScript's env.abort, Emscripten's "
    "memory-growth hook) with the built-in rules; refuse them.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=str),
    help="Options from this file ([tool.componentize] of a pyproject.toml, or that table "
    "alone); default: the nearest pyproject.toml with one, upward from here.",
)
@logging_options
def new(
    inputs: tuple[str, ...],
    output: str | None,
    out_dir: Path | None,
    jobs: int | None,
    wasi_version: str | None,
    skip_validation: bool | None,
    adapt_specs: tuple[str, ...],
    wit_path: str | None,
    world_name: str | None,
    deny: tuple[str, ...],
    import_rules: tuple[str, ...],
    no_builtin_rules: bool | None,
    config_path: str | None,
) -> None:
    """Wrap the core module IN.wasm (binary or text; `-`: standard input) in a
    WASI 0.2 component; with --out-dir, every module given."""
    command_line = Settings(
        wasi_version=wasi_version,
        wit=wit_path,
        world=world_name,
        skip_validation=skip_validation,
        jobs=jobs,
        adapt=_adapt_options(adapt_specs),
        deny=_deny_option(deny),
        import_rules=dict(_rule_option(spec) for spec in import_rules),
        builtin_rules=None if no_builtin_rules is None else not no_builtin_rules,
    )
    config = load_config(config_path)
    if out_dir is not None:
        if output is not None:
            raise InputError("-o cannot be combined with --out-dir", where="-o")
        convert_batch(inputs, out_dir, config, command_line)
        return
    if output is None or len(inputs) != 1:
        raise InputError(
            "give one input and -o OUT.wasm, or several inputs and --out-dir DIR",
            where="-o" if output is None else inputs[1],
        )
    input_file = inputs[0]
    settings = config.for_input(input_file).merged(command_line)
    component, warnings = build(
        read_input(input_file), settings.options(input_file), settings.adapt
    )
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    write_output(output, component)
    log.get("componentize.new").info("written", path=output, bytes=len(component))


def _rule_option(spec: str) -> tuple[str, str]:
    target, sep, action = spec.rpartition("=")
    if not sep or not target:
        raise InputError(
            f"`{spec}` is not MODULE.NAME=ACTION",
            where="--import-rule",
            hint="e.g. --import-rule env.abort=trap",
        )
    return target, action


def _deny_option(names: tuple[str, ...]) -> tuple[str, ...]:
    expand_deny(names)  # an unknown name is an error before any input is read
    return names


def _adapt_options(specs: tuple[str, ...]) -> dict[str, str]:
    adapters: dict[str, str] = {}
    for spec in specs:
        from componentize.assemble.adapter import parse_adapt  # only with --adapt

        name, path = parse_adapt(spec)
        if name in adapters:
            raise InputError(f"`{name}` is adapted twice", where=f"--adapt {spec}")
        adapters[name] = path
    return adapters


def convert_batch(
    inputs: tuple[str, ...], out_dir: Path, config: Config, command_line: Settings
) -> None:
    """Convert every input into `out_dir`: a progress bar on a terminal, a
    summary at the end; exit status 2 when any failed (the rest are written)."""
    jobs = []
    for job in plan_jobs(inputs, out_dir):
        settings = config.for_input(str(job.source)).merged(command_line)
        adapters = tuple(sorted(settings.adapt.items()))
        jobs.append(replace(job, options=settings.options(str(job.source)), adapters=adapters))
    workers = command_line.jobs or config.defaults.jobs or default_workers()
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

        outcomes = convert_many(jobs, workers=workers, done=done)
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
