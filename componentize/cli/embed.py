"""`componentize embed WIT --world W IN.wasm -o OUT.wasm`: write the world W
into a core module as a `component-type` custom section, as
`wasm-tools component embed` does (the world decodes the same)."""

from __future__ import annotations

import click

from componentize import log
from componentize.assemble.embed import embed_world
from componentize.cli.funnel import Command
from componentize.errors import InputError
from componentize.files import read_input, wasm_kind, write_output
from componentize.wit import find_world, resolve_dir
from componentize.wit.model import Resolve, World


def pick_world(resolve: Resolve, name: str | None, where: str) -> World:
    """The world `name`, or the only world of the root package."""
    known = sorted(w for p in resolve.packages for w in p.worlds)
    if name is None:
        root = resolve.root.worlds if resolve.root is not None else {}
        if len(root) == 1:
            return next(iter(root.values()))
        raise InputError(
            f"the package has {len(root)} worlds, name one",
            where=where,
            hint=f"pass --world (known: {', '.join(known) or 'none'})",
        )
    try:
        return find_world(resolve, name)
    except KeyError:
        raise InputError(
            f"no world `{name}`", where=where, hint=f"known: {', '.join(known) or 'none'}"
        ) from None


@click.command("embed", cls=Command)
@click.argument("wit_dir", metavar="WIT", type=click.Path(path_type=str))
@click.argument("input_file", metavar="IN.wasm", type=click.Path(path_type=str))
@click.option("--world", "world_name", help="The world to embed (default: the only one).")
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=str), help="Output module."
)
def embed(wit_dir: str, input_file: str, world_name: str | None, output: str) -> None:
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
    result = embed_world(data, world, where=input_file)
    write_output(output, result)
    log.get("componentize.embed").info("written", path=output, bytes=len(result))
