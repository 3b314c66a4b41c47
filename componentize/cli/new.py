"""`componentize new IN.wasm -o OUT.wasm`: wrap a preview1 module in a component."""

from __future__ import annotations

import click

from componentize import log
from componentize.assemble import Options, componentize
from componentize.cli.funnel import Command
from componentize.cli.options import logging_options
from componentize.errors import InputError
from componentize.files import read_bytes, wasm_kind, write_atomic

WASI_VERSION_HELP = (
    "WASI 0.2.N to target (0.2.0 to 0.2.12); auto picks the lowest that keeps behaviour."
)


@click.command(cls=Command)
@click.argument("input_file", metavar="IN.wasm", type=click.Path(path_type=str))
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=str), help="Output component."
)
@click.option("--wasi-version", default="auto", show_default=True, help=WASI_VERSION_HELP)
@logging_options
def new(input_file: str, output: str, wasi_version: str) -> None:
    """Wrap the core module IN.wasm in a WASI 0.2 component."""
    logger = log.get("componentize.new")
    data = read_bytes(input_file)
    if wasm_kind(data, where=input_file) == "component":
        raise InputError(
            "is already a component",
            where=input_file,
            hint="give the core module it was built from",
        )
    result = componentize(data, Options(wasi_version=wasi_version, source=input_file))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    write_atomic(output, result.component)
    logger.info("written", path=output, bytes=len(result.component))
