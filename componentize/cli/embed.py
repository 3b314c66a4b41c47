"""`componentize embed WIT --world W IN.wasm -o OUT.wasm`: write the world W
into a core module as a `component-type` custom section, as
`wasm-tools component embed` does (the world decodes the same)."""

from __future__ import annotations

import click

from componentize import log
from componentize.assemble.embed import embed_world
from componentize.assemble.world import pick_world
from componentize.cli.funnel import Command
from componentize.errors import InputError
from componentize.files import read_input, wasm_kind, write_output
from componentize.wit import resolve_dir

# wasm-tools' names for the canonical ABI's string encodings
ENCODINGS = {"utf8": "utf8", "utf16": "utf16", "compact-utf16": "latin1+utf16"}


@click.command("embed", cls=Command)
@click.argument("wit_dir", metavar="WIT", type=click.Path(path_type=str))
@click.argument("input_file", metavar="IN.wasm", type=click.Path(path_type=str))
@click.option("--world", "world_name", help="The world to embed (default: the only one).")
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=str), help="Output module."
)
@click.option(
    "--encoding",
    type=click.Choice(sorted(ENCODINGS)),
    default="utf8",
    show_default=True,
    help="The string encoding of the module's canonical ABI code (as wasm-tools' option).",
)
def embed(
    wit_dir: str, input_file: str, world_name: str | None, output: str, encoding: str
) -> None:
    """Embed a world of the WIT directory or file WIT in the core module
    IN.wasm (binary or text; `-`: standard input) as a `component-type`
    custom section."""
    world = pick_world(resolve_dir(wit_dir), world_name, wit_dir)
    data = read_input(input_file)
    if wasm_kind(data, where=input_file) == "component":
        raise InputError(
            "is a component, not a core module",
            where=input_file,
            hint="embed the world in the core module it is made from",
        )
    result = embed_world(data, world, where=input_file, string_encoding=ENCODINGS[encoding])
    write_output(output, result)
    log.get("componentize.embed").info("written", path=output, bytes=len(result))
