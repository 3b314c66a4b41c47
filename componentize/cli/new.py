"""`componentize new IN.wasm -o OUT.wasm`: wrap a preview1 module in a component."""

from __future__ import annotations

import click

from componentize import log
from componentize.assemble import Options, componentize
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
@logging_options
def new(input_file: str, output: str, wasi_version: str, skip_validation: bool) -> None:
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
    options = Options(wasi_version=wasi_version, source=input_file, validate=not skip_validation)
    result = componentize(data, options)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    write_output(output, result.component)
    logger.info("written", path=output, bytes=len(result.component))
