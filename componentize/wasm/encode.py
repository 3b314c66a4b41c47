"""Encode a `Module` back to bytes, section by section (mirrors decode.py).

A section whose model still equals what its original bytes decode to is
written as those bytes, so untouched modules come out byte-identical even
when their encoding was not canonical.  Everything else is encoded
canonically.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from componentize.errors import InternalError

from .decode import (
    CORE_VERSION,
    MAGIC,
    SECTION_ORDER,
    SECTIONS,
    LazyItems,
    decode_section_payload,
)
from .instructions import encode_locals
from .leb128 import Reader, encode_name, encode_uleb
from .model import (
    EXTERN_KINDS,
    Code,
    ConstExpr,
    CustomSection,
    Data,
    Element,
    Export,
    FuncDesc,
    Global,
    Import,
    ImportDesc,
    Limits,
    Module,
    RawSection,
    Table,
    TableType,
    TagType,
)
from .types import (
    bad_model,
    write_globaltype,
    write_limits,
    write_tabletype,
    write_typedef,
    write_valtype,
)

T = TypeVar("T")


def _vec(out: bytearray, items: Iterable[T], write: Callable[[bytearray, T], None]) -> None:
    seq = list(items)
    encode_uleb(len(seq), out)
    for item in seq:
        write(out, item)


def _expr(out: bytearray, e: ConstExpr | None) -> None:
    if not isinstance(e, ConstExpr):
        raise bad_model(f"expected a ConstExpr, got {e!r}")
    out += e.code


def _tag(out: bytearray, t: TagType) -> None:
    out.append(t.attribute)
    encode_uleb(t.type_index, out)


def _import_desc(out: bytearray, d: ImportDesc) -> None:
    if isinstance(d, FuncDesc):
        out.append(0)
        encode_uleb(d.type_index, out)
    elif isinstance(d, TableType):
        out.append(1)
        write_tabletype(out, d)
    elif isinstance(d, Limits):
        out.append(2)
        write_limits(out, d)
    elif isinstance(d, TagType):
        out.append(4)
        _tag(out, d)
    else:
        out.append(3)
        write_globaltype(out, d)


def _import(out: bytearray, i: Import) -> None:
    encode_name(i.module, out)
    encode_name(i.name, out)
    _import_desc(out, i.desc)


def _u32(out: bytearray, v: int) -> None:
    encode_uleb(v, out)


def _table(out: bytearray, t: Table) -> None:
    if t.init is not None:
        out += b"\x40\x00"
        write_tabletype(out, t.type)
        _expr(out, t.init)
    else:
        write_tabletype(out, t.type)


def _global(out: bytearray, g: Global) -> None:
    write_globaltype(out, g.type)
    _expr(out, g.init)


def _export(out: bytearray, e: Export) -> None:
    encode_name(e.name, out)
    out.append(EXTERN_KINDS.index(e.kind))
    encode_uleb(e.index, out)


def _element(out: bytearray, e: Element) -> None:
    items: list[Any] = list(e.items)
    exprs = any(isinstance(i, ConstExpr) for i in items) or e.type != "funcref"
    if exprs and not all(isinstance(i, ConstExpr) for i in items):
        raise bad_model("element segment of a non-funcref type needs ConstExpr items")
    if e.mode == "active":
        explicit = e.table != 0 or e.type != "funcref"  # forms 0 and 4 imply table 0, funcref
        flags = (2 if explicit else 0) | (4 if exprs else 0)
        encode_uleb(flags, out)
        if explicit:
            encode_uleb(e.table, out)
        _expr(out, e.offset)
    else:
        flags = (1 if e.mode == "passive" else 3) | (4 if exprs else 0)
        encode_uleb(flags, out)
    if flags & 3:
        if exprs:
            write_valtype(out, e.type)
        else:
            out.append(0x00)  # elemkind funcref
    if exprs:
        _vec(out, items, _expr)
    else:
        _vec(out, items, _u32)


def _code(out: bytearray, c: Code) -> None:
    body = bytearray()
    encode_locals(body, c.locals)
    body += c.code
    encode_uleb(len(body), out)
    out += body


def _data(out: bytearray, d: Data) -> None:
    if d.mode == "passive":
        out.append(1)
    elif d.memory:
        out.append(2)
        encode_uleb(d.memory, out)
        _expr(out, d.offset)
    else:
        out.append(0)
        _expr(out, d.offset)
    encode_uleb(len(d.data), out)
    out += d.data


def _vec_of(write: Callable[[bytearray, Any], None]) -> Callable[[bytearray, Any], None]:
    return lambda out, items: _vec(out, items, write)


_ENCODERS: dict[int, Callable[[bytearray, Any], None]] = {
    1: _vec_of(write_typedef),
    2: _vec_of(_import),
    3: _vec_of(_u32),
    4: _vec_of(_table),
    5: _vec_of(write_limits),
    13: _vec_of(_tag),
    6: _vec_of(_global),
    7: _vec_of(_export),
    8: _u32,
    9: _vec_of(_element),
    12: _u32,
    10: _vec_of(_code),
    11: _vec_of(_data),
}


def _section(parts: list[bytes | memoryview], sid: int, payload: bytes | bytearray) -> None:
    head = bytearray([sid])
    encode_uleb(len(payload), head)
    parts.append(bytes(head))
    parts.append(bytes(payload))


def _unchanged(sid: int, raw: RawSection, value: object) -> bool:
    """Whether `value` is still what `raw` decodes to: for immutable items,
    the same objects (a C-speed check); otherwise decoded again and compared."""
    if isinstance(value, LazyItems):
        return value.raw is raw
    if raw.items is not None and isinstance(value, list):
        return len(value) == len(raw.items) and all(map(operator.is_, value, raw.items))
    return bool(decode_section_payload(sid, raw) == value)


def _standard(parts: list[bytes | memoryview], module: Module, sid: int, reuse: bool) -> None:
    value = getattr(module, SECTIONS[sid][0])
    raw = module.raw.get(sid) if reuse else None
    if raw is not None and _unchanged(sid, raw, value):
        parts.append(memoryview(raw.source)[raw.start : raw.end])
        return
    if value is None or (isinstance(value, (list, LazyItems)) and not value):
        return
    payload = bytearray()
    try:
        _ENCODERS[sid](payload, value)
    except InternalError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError) as e:
        raise bad_model(f"{SECTIONS[sid][0]}: {e}") from None
    _section(parts, sid, payload)


def _custom(parts: list[bytes | memoryview], c: CustomSection, reuse: bool) -> None:
    raw = c.raw if reuse else None
    if raw is not None:
        r = Reader(raw.source, raw.payload, raw.end, "custom")
        if r.name() == c.name and raw.source[r.pos : raw.end] == c.data:
            parts.append(memoryview(raw.source)[raw.start : raw.end])
            return
    payload = bytearray()
    encode_name(c.name, payload)
    payload += c.data
    _section(parts, 0, payload)


def encode_module(module: Module, *, reuse_original: bool = True) -> bytes:
    """Encode a module.

    With `reuse_original` (the default) every section that is unchanged since
    `decode_module` is written as its original bytes; without it, everything
    is encoded canonically.
    """
    parts: list[bytes | memoryview] = [MAGIC + CORE_VERSION]
    placed: dict[int | None, list[CustomSection]] = {}
    for c in module.customs:
        key = c.after if c.after == 0 or c.after in SECTIONS else None
        placed.setdefault(key, []).append(c)
    for c in placed.get(0, ()):
        _custom(parts, c, reuse_original)
    for sid in SECTION_ORDER:
        _standard(parts, module, sid, reuse_original)
        for c in placed.get(sid, ()):
            _custom(parts, c, reuse_original)
    for c in placed.get(None, ()):
        _custom(parts, c, reuse_original)
    return b"".join(parts)
