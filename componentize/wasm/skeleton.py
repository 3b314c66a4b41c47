"""A module's skeleton: the same types, imports, exports and definitions,
every function body `unreachable`, no data, no custom sections.

A component's validity depends on its core modules' imports and exports,
not on their code; so the component check compiles the component with
skeletons instead (a few milliseconds instead of compiling every function),
after each real module was validated on its own, which is cheap
(`assemble.validate`).  Built from the raw sections, without decoding the
module: a Go module has some 100,000 data segments, which a decode would
parse only for them to be dropped.

Only the exported functions are kept (renumbered), without element
segments or a start function: compiling 4,400 trapping bodies of the Go
fixture cost 0.26 s, its 40 exports a few milliseconds.  When a global or
table initializer may name a function (`ref.func`), every function stays.
"""

from __future__ import annotations

from componentize.wasm.decode import SECTIONS, decode_section_payload
from componentize.wasm.encode import encode_module
from componentize.wasm.leb128 import decode_uleb, encode_uleb
from componentize.wasm.model import Code, Export, FuncDesc, Module, RawSection

HEADER = 8
CUSTOM, IMPORT, FUNCTION, TABLE, GLOBAL, EXPORT, CODE, DATA, DATA_COUNT = (
    0,
    2,
    3,
    4,
    6,
    7,
    10,
    11,
    12,
)
REF_FUNC = 0xD2
KEPT = (1, IMPORT, TABLE, 5, 13, GLOBAL)  # types, imports, tables, memories, tags, globals
UNREACHABLE = b"\x00\x0b"  # unreachable, end: every skeleton function's code
TRAPPING_BODY = b"\x03\x00" + UNREACHABLE  # size 3, no locals, then that code


def raw_sections(data: bytes) -> list[tuple[int, RawSection]]:
    """(id, where) of each section, in order."""
    out = []
    at = HEADER
    while at < len(data):
        start, section_id = at, data[at]
        size, at = decode_uleb(data, at + 1, len(data), 32, "section header")
        out.append((section_id, RawSection(data, start, at, at + size)))
        at += size
    return out


def sections(data: bytes) -> list[tuple[int, bytes]]:
    """(id, payload) of each section, in order."""
    return [(sid, data[raw.payload : raw.end]) for sid, raw in raw_sections(data)]


def skeleton(data: bytes) -> bytes:
    """The skeleton of the (valid) module `data`."""
    trimmed = _exports_only(data)
    return trimmed if trimmed is not None else _all_functions(data)


def _exports_only(data: bytes) -> bytes | None:
    """The skeleton with only the exported functions, or None when an
    initializer may refer to a function by index."""
    module = Module()
    for section_id, raw in raw_sections(data):
        if section_id in (*KEPT, FUNCTION, EXPORT):
            module.raw[section_id] = raw
            setattr(module, SECTIONS[section_id][0], decode_section_payload(section_id, raw))
    inits = [g.init for g in module.globals] + [t.init for t in module.tables if t.init]
    if any(REF_FUNC in expr.code for expr in inits):
        return None  # conservative: the byte may be an immediate, never a miss
    imported = sum(isinstance(i.desc, FuncDesc) for i in module.imports)
    kept: dict[int, int] = {}
    for export in module.exports:
        if export.kind == "func" and export.index >= imported and export.index not in kept:
            kept[export.index] = imported + len(kept)
    types = [module.functions[index - imported] for index in kept]
    module.exports = [
        Export(e.name, e.kind, kept.get(e.index, e.index) if e.kind == "func" else e.index)
        for e in module.exports
    ]
    module.functions = types
    module.codes = [Code([], UNREACHABLE) for _ in types]
    return encode_module(module)


def _all_functions(data: bytes) -> bytes:
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
