"""The world a core module was built for: its `component-type*` custom
sections (wit-bindgen, `wasm-tools component embed`), decoded and merged
into one WIT world."""

from __future__ import annotations

from componentize.component.wit_from_types import WorldDecoder
from componentize.errors import InputError
from componentize.wasm import decode_module
from componentize.wit import model as wit

SECTION_PREFIX = "component-type"


def embedded_world(data: bytes, where: str = "<module>") -> tuple[wit.Resolve, wit.World] | None:
    """The merged world of the module's `component-type*` sections, or None
    when it has none."""
    module = decode_module(data)
    sections = [c for c in module.customs if c.name.startswith(SECTION_PREFIX)]
    if not sections:
        return None
    decoder = WorldDecoder(where)
    for custom in sections:
        try:
            decoder.add_section(bytes(custom.data), custom.name)
        except InputError as err:
            raise InputError(err.what, where=f"{where}: {err.where}", hint=err.hint) from None
    return decoder.resolve()
