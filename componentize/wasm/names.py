"""The `name` and `producers` custom sections, decoded on demand.

They are custom sections, so a malformed one does not make a module invalid:
`decode_module` keeps them as bytes, and these functions raise
`WasmDecodeError` only when asked to decode one that is broken.
"""

from __future__ import annotations

from componentize.errors import WasmDecodeError

from .leb128 import Reader, encode_name, encode_uleb
from .model import NameSection, ProducersSection

_MODULE, _FUNCTIONS, _LOCALS = 0, 1, 2


def _reader(data: bytes, section: str) -> Reader:
    return Reader(bytes(data), 0, len(data), section)


def _rebase(e: WasmDecodeError, offset: int) -> WasmDecodeError:
    """The same error with the offset moved from section-relative to file-absolute."""
    where = None if e.offset is None else e.offset + offset
    return WasmDecodeError(e.what, section=e.section, offset=where)


def _read_namemap(r: Reader) -> dict[int, str]:
    out: dict[int, str] = {}
    for _ in range(r.count("name")):
        index = r.u32()
        out[index] = r.name()
    return out


def decode_name_section(data: bytes, offset: int = 0) -> NameSection:
    """Decode the payload of a `name` custom section (after its name).

    `offset` is where the payload starts in the file, for error messages.
    """
    r = _reader(data, "name")
    ns = NameSection()
    try:
        while not r.at_end():
            sub_id = r.u8()
            size = r.u32()
            if size > r.remaining:
                raise r.error(f"name subsection {sub_id} size {size} exceeds the section")
            end = r.pos + size
            sub = Reader(r.data, r.pos, end, "name")
            if sub_id == _MODULE:
                ns.module = sub.name()
            elif sub_id == _FUNCTIONS:
                ns.functions = _read_namemap(sub)
            elif sub_id == _LOCALS:
                for _ in range(sub.count("function")):
                    index = sub.u32()
                    ns.locals[index] = _read_namemap(sub)
            else:
                sub.pos = end
                ns.others.append((sub_id, r.data[r.pos : end]))
            sub.expect_end()
            r.pos = end
    except WasmDecodeError as e:
        raise _rebase(e, offset) from None
    return ns


def _namemap(out: bytearray, names: dict[int, str]) -> None:
    encode_uleb(len(names), out)
    for index, name in names.items():
        encode_uleb(index, out)
        encode_name(name, out)


def _subsection(out: bytearray, sub_id: int, payload: bytes | bytearray) -> None:
    out.append(sub_id)
    encode_uleb(len(payload), out)
    out += payload


def encode_name_section(ns: NameSection) -> bytes:
    """Encode the payload of a `name` section: module, functions, locals, then the rest."""
    out = bytearray()
    if ns.module is not None:
        sub = bytearray()
        encode_name(ns.module, sub)
        _subsection(out, _MODULE, sub)
    if ns.functions:
        sub = bytearray()
        _namemap(sub, ns.functions)
        _subsection(out, _FUNCTIONS, sub)
    if ns.locals:
        sub = bytearray()
        encode_uleb(len(ns.locals), sub)
        for index, names in ns.locals.items():
            encode_uleb(index, sub)
            _namemap(sub, names)
        _subsection(out, _LOCALS, sub)
    for sub_id, payload in ns.others:
        _subsection(out, sub_id, payload)
    return bytes(out)


def decode_producers_section(data: bytes, offset: int = 0) -> ProducersSection:
    """Decode the payload of a `producers` custom section."""
    r = _reader(data, "producers")
    fields: dict[str, dict[str, str]] = {}
    try:
        for _ in range(r.count("field")):
            field_name = r.name()
            values = fields.setdefault(field_name, {})
            for _ in range(r.count("value")):
                value = r.name()
                values[value] = r.name()
        r.expect_end()
    except WasmDecodeError as e:
        raise _rebase(e, offset) from None
    return ProducersSection(fields)


def encode_producers_section(p: ProducersSection) -> bytes:
    out = bytearray()
    encode_uleb(len(p.fields), out)
    for field_name, values in p.fields.items():
        encode_name(field_name, out)
        encode_uleb(len(values), out)
        for value, version in values.items():
            encode_name(value, out)
            encode_name(version, out)
    return bytes(out)
