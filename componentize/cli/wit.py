"""`componentize wit [PATH]`: print a resolved WIT package (or one world with
everything it pulls in), optionally for a WASI 0.2.N target and features.
PATH is a WIT directory or file, or a .wasm file: for a core module, the
world it was built for (its `component-type` sections); for a component,
its imports and exports as a world (`root:component/root`)."""

from __future__ import annotations

from pathlib import Path

import click

from componentize.assemble.world import embedded_world
from componentize.cli.funnel import Command
from componentize.component import decode_component
from componentize.component.world_of import component_world
from componentize.errors import InputError
from componentize.files import read_bytes, wasm_kind
from componentize.wit import (
    bundled_wit_dir,
    find_world,
    print_resolve,
    print_world,
    resolve_dir,
)
from componentize.wit.model import Resolve, Version


def _version(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version.parse(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a version like 0.2.3") from None


@click.command("wit", cls=Command)
@click.argument("directory", required=False, type=click.Path(file_okay=True, dir_okay=True))
@click.option("--world", "world_name", help="Print only this world and what it pulls in.")
@click.option("--wasi-version", help="Target WASI 0.2.N: drop items `@since` a later version.")
@click.option("--features", default="", help="Enable these `@unstable` features (a,b,...).")
@click.option("--all-features", is_flag=True, help="Keep every `@unstable` item.")
@click.option("--no-docs", is_flag=True, help="Leave out doc comments.")
def wit(
    directory: str | None,
    world_name: str | None,
    wasi_version: str | None,
    features: str,
    all_features: bool,
    no_docs: bool,
) -> None:
    """Print the WIT in DIRECTORY (default: the bundled WASI wit/) as resolved,
    or the world of a .wasm file (a core module's embedded world, a
    component's imports and exports)."""
    version = _version(wasi_version)
    enabled = frozenset(f.strip() for f in features.split(",") if f.strip())
    path = directory if directory is not None else str(bundled_wit_dir())
    if _is_wasm(Path(path)):
        resolve = _module_world(path)
    else:
        resolve = resolve_dir(path, version=version, features=enabled, all_features=all_features)
    if world_name is None:
        click.echo(print_resolve(resolve, docs=not no_docs), nl=False)
        return
    try:
        world = find_world(resolve, world_name)
    except KeyError:
        known = sorted(w for p in resolve.packages for w in p.worlds)
        raise InputError(f"no world `{world_name}` (known: {', '.join(known)})") from None
    click.echo(print_world(world, docs=not no_docs), nl=False)


def _is_wasm(path: Path) -> bool:
    """A binary (a module or component), not WIT text."""
    if not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(4) == b"\0asm"


def _module_world(path: str) -> Resolve:
    data = read_bytes(path)
    if wasm_kind(data, where=path) == "component":
        return component_world(decode_component(data), where=path)[0]
    found = embedded_world(data, where=path)
    if found is None:
        raise InputError(
            "the module carries no WIT world (no `component-type` custom section)",
            where=path,
            hint="build it with wit-bindgen, or `wasm-tools component embed WIT IN.wasm`",
        )
    return found[0]
