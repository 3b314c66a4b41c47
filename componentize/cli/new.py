"""`componentize new IN.wasm -o OUT.wasm`: wrap a preview1 module in a component."""

from __future__ import annotations

import click

from componentize import log
from componentize.assemble import Options, componentize
from componentize.assemble.adapter import adapt, parse_adapt
from componentize.cli.funnel import Command
from componentize.cli.options import logging_options
from componentize.errors import InputError
from componentize.files import read_input, wasm_kind, write_output

WASI_VERSION_HELP = (
    "WASI 0.2.N to target (0.2.0 to 0.2.12); auto picks the lowest that keeps behaviour."
)


@click.command(cls=Command)
@click.argument("input_file", metavar="IN.wasm", type=click.Path(path_type=str))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=str),
    help="Output component (`-`: standard output).",
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
    input_file: str,
    output: str,
    wasi_version: str,
    skip_validation: bool,
    adapt_specs: tuple[str, ...],
    wit_path: str | None,
    world_name: str | None,
) -> None:
    """Wrap the core module IN.wasm (binary or text; `-`: standard input) in a
    WASI 0.2 component."""
    logger = log.get("componentize.new")
    data = read_input(input_file)
    if wasm_kind(data, where=input_file) == "component":
        raise InputError(
            "is already a component",
            where=input_file,
            hint="give the core module it was built from",
        )
    options = Options(
        wasi_version=wasi_version,
        source=input_file,
        validate=not skip_validation,
        wit=wit_path,
        world=world_name,
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
