"""Embed a WIT world in a core module: a `component-type` custom section
appended after every other section, as `wasm-tools component embed` does."""

from __future__ import annotations

from componentize.component.world_encode import encode_world
from componentize.errors import InputError
from componentize.wasm import decode_module
from componentize.wasm.leb128 import encode_name, encode_uleb
from componentize.wit import model as wit

SECTION_NAME = "component-type"
CORE_VERSION = b"\x01\x00\x00\x00"


def custom_section(name: str, payload: bytes) -> bytes:
    """A core custom section (id 0): size, name, payload."""
    body = bytes(encode_name(name)) + payload
    return b"\x00" + bytes(encode_uleb(len(body))) + body


def embed_world(
    data: bytes, world: wit.World, where: str = "<module>", string_encoding: str = "utf8"
) -> bytes:
    """`data` (a core module) with `world` appended as a `component-type`
    section (saying the module's strings are `string_encoding`); the module
    is decoded first, so malformed input is refused."""
    if data[4:8] != CORE_VERSION:
        raise InputError(
            "not a core module (a component, or another version)",
            where=where,
            hint="embed a world into the core module the component is made from",
        )
    decode_module(data)
    payload = encode_world(world, where, string_encoding)
    return data + custom_section(SECTION_NAME, payload)
