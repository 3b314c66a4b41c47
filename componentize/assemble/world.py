"""The world a core module was built for: its `component-type*` custom
sections (wit-bindgen, `wasm-tools component embed`), decoded and merged
into one WIT world."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import wasmtime
from wasmtime import component as wc

from componentize.abi import INITIALIZE
from componentize.assemble.analyze import Analysis
from componentize.assemble.guest import WORLD_SECTION_PREFIX
from componentize.engine import cause_of, engine
from componentize.errors import InputError
from componentize.wasm import Module, decode_module
from componentize.wit import model as wit

if TYPE_CHECKING:
    from componentize.assemble.typed import Binding

# typed.py, the world decoder and the WIT front end load only for a module
# that has a world: most modules have none, and they cost 40 ms to import.


@dataclass(frozen=True)
class ModuleWorld:
    """The world a module is built for, and the string encoding its
    canonical ABI code uses."""

    resolve: wit.Resolve
    world: wit.World
    string_encoding: str = "utf8"


def embedded_world(data: bytes, where: str = "<module>") -> tuple[wit.Resolve, wit.World] | None:
    """The merged world of the module's `component-type*` sections, or None
    when it has none."""
    found = _embedded(data, where)
    return None if found is None else (found.resolve, found.world)


def _embedded(data: bytes, where: str, module: Module | None = None) -> ModuleWorld | None:
    module = module if module is not None else decode_module(data)
    sections = [c for c in module.customs if c.name.startswith(WORLD_SECTION_PREFIX)]
    if not sections:
        return None
    from componentize.component.wit_from_types import WorldDecoder

    decoder = WorldDecoder(where)
    for custom in sections:
        _check_section(bytes(custom.data), custom.name, where)
        try:
            decoder.add_section(bytes(custom.data), custom.name)
        except InputError as err:
            raise InputError(err.what, where=f"{where}: {err.where}", hint=err.hint) from None
    if len(decoder.string_encodings) > 1:
        raise InputError(
            f"its component-type sections name different string encodings "
            f"({', '.join(sorted(decoder.string_encodings))})",
            where=f"{where}: custom sections",
            hint="link code built for one string encoding",
        )
    resolve, world = decoder.resolve()
    encoding = next(iter(decoder.string_encodings), "utf8")
    return ModuleWorld(resolve, world, encoding)


def _check_section(payload: bytes, name: str, where: str) -> None:
    """A world section is a component of types: wasmtime must take it (names
    in kebab case, indices in range...) before we read a world out of it."""
    try:
        wc.Component(engine(), payload)
    except wasmtime.WasmtimeError as error:
        raise InputError(
            f"custom section {name!r} is not a valid encoded world: {cause_of(str(error))}",
            where=where,
            hint="embed the world again (componentize embed, or wasm-tools component embed)",
        ) from None


def pick_world(resolve: wit.Resolve, name: str | None, where: str) -> wit.World:
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
    from componentize.wit import find_world

    try:
        return find_world(resolve, name)
    except KeyError:
        raise InputError(
            f"no world `{name}`", where=where, hint=f"known: {', '.join(known) or 'none'}"
        ) from None


def world_of(
    data: bytes,
    wit_path: str | None,
    world_name: str | None,
    where: str,
    module: Module | None = None,
) -> ModuleWorld | None:
    """The world to build for: from WIT on the command line when given
    (it replaces what the module embeds), else the embedded one."""
    if wit_path is not None:
        from componentize.wit import resolve_dir

        resolve = resolve_dir(wit_path)
        return ModuleWorld(resolve, pick_world(resolve, world_name, wit_path))
    if world_name is not None:
        raise InputError(
            "--world needs --wit", where="--world", hint="pass the WIT directory or file with --wit"
        )
    return _embedded(data, where, module)


def bind_world(
    module: Module, data: bytes, *, wit: str | None, world: str | None, where: str
) -> Binding | None:
    """The module's WIT world (embedded, or `--wit`/`--world`) bound to its
    imports and exports, with its string encoding; without one, the WASI 0.2
    interfaces it imports directly (direct_wasi.py); None if neither."""
    found = world_of(data, wit, world, where, module)
    if found is None:
        from componentize.assemble.direct_wasi import bind_direct_wasi

        return bind_direct_wasi(module, where)
    from componentize.assemble.typed import bind

    binding = bind(module, found.resolve, found.world, where)
    binding.string_encoding = found.string_encoding
    return binding


def initialize_export(analysis: Analysis, binding: Binding | None) -> str | None:
    """The export to call once before any other: what the world's build
    target names, or a reactor's `_initialize`."""
    if binding is not None and binding.initialize is not None:
        return binding.initialize
    if analysis.kind == "reactor" and any(
        e.name == INITIALIZE and e.kind == "func" for e in analysis.exports
    ):
        return INITIALIZE
    return None
