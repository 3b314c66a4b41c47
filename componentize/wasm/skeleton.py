"""A module's skeleton: the same types, imports, exports and definitions,
every function body `unreachable`, no data, no custom sections.

A component's validity depends on its core modules' imports and exports,
not on their code; so the component check compiles the component with
skeletons instead (a few milliseconds instead of compiling every function),
after each real module was validated on its own, which is cheap
(`assemble.validate`).  Built from the raw sections, without decoding the
module: a Go module has some 100,000 data segments, which a decode would
parse only for them to be dropped.
"""

from __future__ import annotations

from componentize.wasm.leb128 import decode_uleb, encode_uleb

HEADER = 8
CUSTOM, FUNCTION, CODE, DATA, DATA_COUNT = 0, 3, 10, 11, 12
TRAPPING_BODY = b"\x03\x00\x00\x0b"  # size 3: no locals, unreachable, end


def sections(data: bytes) -> list[tuple[int, bytes]]:
    """(id, payload) of each section, in order."""
    out = []
    at = HEADER
    while at < len(data):
        section_id = data[at]
        size, at = decode_uleb(data, at + 1, len(data), 32, "section header")
        out.append((section_id, data[at : at + size]))
        at += size
    return out


def skeleton(data: bytes) -> bytes:
    """The skeleton of the (valid) module `data`."""
    out = bytearray(data[:HEADER])
    for section_id, payload in sections(data):
        if section_id in (CUSTOM, DATA, DATA_COUNT):
            continue
        if section_id == CODE:
            count, _ = decode_uleb(payload, 0, len(payload), 32, "code")
            payload = bytes(encode_uleb(count)) + TRAPPING_BODY * count
        out.append(section_id)
        out += encode_uleb(len(payload))
        out += payload
    return bytes(out)
