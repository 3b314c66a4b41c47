"""Decode a core module's sections into `Module` (code bodies stay bytes).

Each section decoder takes a `Reader` bounded to the section's payload and
returns the value of one `Module` field; `encode.py` mirrors them one to one
and reuses them to check whether a section still matches its original bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from componentize.errors import WasmDecodeError

from .instructions import read_const_expr, read_locals
from .leb128 import Reader, decode_uleb
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
    Module,
    RawSection,
    Table,
    TagType,
    ValType,
)
from .types import (
    read_globaltype,
    read_limits,
    read_reftype,
    read_tabletype,
    read_typedef,
)

# The preamble: the magic, then a u32 version for a core module; a component
# splits those four bytes into a u16 version and a u16 layer (1).
MAGIC = b"\x00asm"
CORE_VERSION = b"\x01\x00\x00\x00"
COMPONENT_LAYER = b"\x01\x00"

SECTION_NAMES = {
    0: "custom",
    1: "type",
    2: "import",
    3: "function",
    4: "table",
    5: "memory",
    6: "global",
    7: "export",
    8: "start",
    9: "element",
    10: "code",
    11: "data",
    12: "datacount",
    13: "tag",
}
# The order sections must appear in (WebAssembly 3.0: tags sit between memory and global).
SECTION_ORDER = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11)
_RANK = {sid: rank for rank, sid in enumerate(SECTION_ORDER)}
# Sections whose items cannot change in place (ints, frozen `Data`): the
# encoder compares them by identity (`RawSection.items`).
IMMUTABLE_ITEMS = frozenset({3, 10, 11})  # function type indices, bodies, data segments
DATA = 11


def _vec(r: Reader, what: str, item: Callable[[Reader], Any]) -> list[Any]:
    return [item(r) for _ in range(r.count(what))]


def _import_desc(r: Reader) -> ImportDesc:
    start = r.pos
    kind = r.u8()
    if kind == 0:
        return FuncDesc(r.u32())
    if kind == 1:
        return read_tabletype(r)
    if kind == 2:
        return read_limits(r)
    if kind == 3:
        return read_globaltype(r)
    if kind == 4:
        return _tag(r)
    raise r.error(f"unknown import kind 0x{kind:02x}", start)


def _import(r: Reader) -> Import:
    module = r.name()
    name = r.name()
    return Import(module, name, _import_desc(r))


def _table(r: Reader) -> Table:
    if r.peek() != 0x40:
        return Table(read_tabletype(r))
    start = r.pos
    r.pos += 1
    if r.u8() != 0x00:
        raise r.error("expected 0x00 after 0x40 in a table with an initializer", start)
    table_type = read_tabletype(r)
    return Table(table_type, read_const_expr(r))


def _global(r: Reader) -> Global:
    t = read_globaltype(r)
    return Global(t, read_const_expr(r))


def _export(r: Reader) -> Export:
    name = r.name()
    start = r.pos
    kind = r.u8()
    if kind >= len(EXTERN_KINDS):
        raise r.error(f"unknown export kind 0x{kind:02x}", start)
    return Export(name, EXTERN_KINDS[kind], r.u32())


def _tag(r: Reader) -> TagType:
    start = r.pos
    attribute = r.u8()
    if attribute != 0:
        raise r.error(f"unknown tag attribute 0x{attribute:02x}", start)
    return TagType(r.u32(), attribute)


def _elemkind(r: Reader) -> ValType:
    start = r.pos
    kind = r.u8()
    if kind != 0x00:
        raise r.error(f"unknown element kind 0x{kind:02x}", start)
    return "funcref"


def _element(r: Reader) -> Element:
    start = r.pos
    flags = r.u32()
    if flags > 7:
        raise r.error(f"unknown element segment form {flags}", start)
    # bit 0: not active; bit 1: explicit table (active) or declarative; bit 2: expressions
    exprs = bool(flags & 4)
    if flags & 1:
        elem = Element("declarative" if flags & 2 else "passive")
    else:
        table = r.u32() if flags & 2 else 0
        elem = Element("active", table=table, offset=read_const_expr(r))
    if flags & 3:  # every form but 0 and 4 spells out the type
        elem.type = read_reftype(r) if exprs else _elemkind(r)
    if exprs:
        elem.items = _vec(r, "element expression", read_const_expr)
    else:
        elem.items = _vec(r, "function index", Reader.u32)
    return elem


def _code(r: Reader) -> Code:
    start = r.pos
    size = r.u32()
    body_end = r.pos + size
    if body_end > r.end:
        raise r.error(f"function body size {size} exceeds the section", start)
    section_end, r.end = r.end, body_end
    try:
        locals_ = read_locals(r)
    finally:
        r.end = section_end
    code_start = r.pos
    code = r.data[code_start:body_end]
    # A body always ends with `end`: a cheap check that catches most size errors.
    if not code or code[-1] != 0x0B:
        raise r.error("function body does not end with the end opcode (0x0b)", body_end - 1)
    r.pos = body_end
    return Code(locals_, code, code_start)


def _data(r: Reader) -> Data:
    start = r.pos
    flags = r.u32()
    if flags == 1:
        return Data("passive", r.bytes(r.u32()))
    if flags > 2:
        raise r.error(f"unknown data segment form {flags}", start)
    memory = r.u32() if flags == 2 else 0
    offset = read_const_expr(r)
    return Data("active", r.bytes(r.u32()), memory, offset)


def _datas(r: Reader) -> list[Data]:
    """The data section.  Go modules have about 100,000 segments, so the usual
    form (flags 0, `i32.const N end` with 0 <= N < 2**27, a size below 2**28)
    is read inline; anything else goes through `_data`, which checks it all."""
    data, end = r.data, r.end
    out: list[Data] = []
    append = out.append
    for _ in range(r.count("data segment")):
        pos = r.pos
        found = _plain_segment(data, pos, end)
        if found is None:
            append(_data(r))
            continue
        expr_end, body, size = found
        append(Data("active", data[body : body + size], 0, ConstExpr(data[pos + 1 : expr_end])))
        r.pos = body + size
    return out


def _plain_segment(data: bytes, pos: int, end: int) -> tuple[int, int, int] | None:
    """(end of the offset expression, start of the bytes, their size) for a
    segment of the usual form at `pos`, else None.  At most four LEB bytes
    each, so every value is in range and canonical checks are moot."""
    if end - pos < 5 or data[pos] != 0 or data[pos + 1] != 0x41:
        return None
    p, last = pos + 2, min(pos + 6, end)
    while p < last and data[p] & 0x80:
        p += 1
    if p >= last or data[p] & 0x40 or p + 1 >= end or data[p + 1] != 0x0B:
        return None  # long, negative or not followed by `end`
    expr_end = p + 2
    size, shift, p, last = 0, 0, expr_end, min(expr_end + 4, end)
    while p < last:
        byte = data[p]
        size |= (byte & 0x7F) << shift
        p += 1
        if not byte & 0x80:
            return (expr_end, p, size) if size <= end - p else None
        shift += 7
    return None


def _single_u32(r: Reader) -> int:
    return r.u32()


# section id -> (Module attribute, payload decoder)
SECTIONS: dict[int, tuple[str, Callable[[Reader], Any]]] = {
    1: ("types", lambda r: _vec(r, "type", read_typedef)),
    2: ("imports", lambda r: _vec(r, "import", _import)),
    3: ("functions", lambda r: _vec(r, "function", Reader.u32)),
    4: ("tables", lambda r: _vec(r, "table", _table)),
    5: ("memories", lambda r: _vec(r, "memory", read_limits)),
    13: ("tags", lambda r: _vec(r, "tag", _tag)),
    6: ("globals", lambda r: _vec(r, "global", _global)),
    7: ("exports", lambda r: _vec(r, "export", _export)),
    8: ("start", _single_u32),
    9: ("elements", lambda r: _vec(r, "element segment", _element)),
    12: ("data_count", _single_u32),
    10: ("codes", lambda r: _vec(r, "function body", _code)),
    11: ("datas", _datas),
}


class LazyItems(Sequence[Data]):
    """The data section's segments, decoded when first read.

    `decode_module(..., lazy_data=True)` leaves them so: a caller that has
    the whole module validated otherwise (assemble: wasmtime, right after)
    and only counts the segments or writes them back unchanged never pays
    for them (a 2.7 MB Go module has 33,000: 0.4 s of CPU).  The count is
    the vector's, read when decoding; the encoder writes the original bytes
    while `raw` is the section they came from.
    """

    def __init__(self, raw: RawSection) -> None:
        self.raw = raw
        r = Reader(raw.source, raw.payload, raw.end, SECTION_NAMES[11])
        self._count = r.count("data segment")
        self._items: tuple[Data, ...] | None = None

    def items(self) -> tuple[Data, ...]:
        if self._items is None:
            self._items = tuple(decode_section_payload(11, self.raw))
        return self._items

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Data: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Data]: ...
    def __getitem__(self, index: int | slice) -> Data | Sequence[Data]:
        return self.items()[index]

    def __iter__(self) -> Iterator[Data]:
        return iter(self.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # like the list it stands for

    def __repr__(self) -> str:
        return f"LazyItems({self._count} data segments)"


def decode_section_payload(sid: int, raw: RawSection) -> Any:
    """Decode one standard section's payload into the value of its `Module` field."""
    r = Reader(raw.source, raw.payload, raw.end, SECTION_NAMES[sid])
    value = SECTIONS[sid][1](r)
    r.expect_end()
    return value


def _check_header(data: bytes) -> None:
    if not data:
        raise WasmDecodeError("empty input, not a WebAssembly binary", section="header", offset=0)
    if data[:4] != MAGIC[: len(data)]:
        raise WasmDecodeError("not a WebAssembly binary (bad magic)", section="header", offset=0)
    if len(data) < 8:
        raise WasmDecodeError(
            f"truncated module header ({len(data)} of 8 bytes)", section="header", offset=0
        )
    version = data[4:8]
    if version == CORE_VERSION:
        return
    if version[2:4] == COMPONENT_LAYER:
        raise WasmDecodeError(
            "this is a WebAssembly component, not a core module",
            section="header",
            offset=4,
            hint="componentize takes a core module built for WASI preview1",
        )
    raise WasmDecodeError(
        f"unsupported WebAssembly version {version.hex()}", section="header", offset=4
    )


def _custom(data: bytes, start: int, payload: int, end: int, after: int) -> CustomSection:
    r = Reader(data, payload, end, "custom")
    name = r.name()
    section = CustomSection(name, data[r.pos : end], after, r.pos)
    section.raw = RawSection(data, start, payload, end)
    return section


def decode_module(data: bytes | bytearray | memoryview, *, lazy_data: bool = False) -> Module:
    """Decode a core WebAssembly module; raises `WasmDecodeError` on malformed input.

    With `lazy_data`, the data section's segments are decoded only when read
    (`LazyItems`); a malformed segment is then found by whoever validates
    the module, or when they are read."""
    data = bytes(data)  # one immutable copy; slices of it become the model's bytes
    _check_header(data)
    module = Module()
    size_total = len(data)
    pos = 8
    last_rank = -1
    last_id = 0
    while pos < size_total:
        start = pos
        sid = data[pos]
        name = SECTION_NAMES.get(sid, f"unknown ({sid})")
        size, pos = decode_uleb(data, pos + 1, size_total, 32, name)
        end = pos + size
        if end > size_total:
            raise WasmDecodeError(
                f"section size {size} runs past the end of the file "
                f"({size_total - pos} bytes left)",
                section=name,
                offset=start,
            )
        if sid == 0:
            module.customs.append(_custom(data, start, pos, end, last_id))
        elif sid not in _RANK:
            raise WasmDecodeError(f"unknown section id {sid}", section=name, offset=start)
        else:
            if _RANK[sid] <= last_rank:
                what = "duplicate" if _RANK[sid] == last_rank else "out-of-order"
                raise WasmDecodeError(f"{what} {name} section", section=name, offset=start)
            last_rank, last_id = _RANK[sid], sid
            raw = RawSection(data, start, pos, end)
            lazy = lazy_data and sid == DATA
            value = LazyItems(raw) if lazy else decode_section_payload(sid, raw)
            setattr(module, SECTIONS[sid][0], value)
            if sid in IMMUTABLE_ITEMS and not lazy:
                raw.items = tuple(value)
            module.raw[sid] = raw
        pos = end
    _check_counts(module)
    return module


def _check_counts(module: Module) -> None:
    if len(module.functions) != len(module.codes):
        where = module.raw.get(10) or module.raw.get(3)
        raise WasmDecodeError(
            f"function and code section have inconsistent lengths "
            f"({len(module.functions)} functions, {len(module.codes)} bodies)",
            section="code" if 10 in module.raw else "function",
            offset=where.start if where else None,
        )
    if module.data_count is not None and module.data_count != len(module.datas):
        where = module.raw.get(11) or module.raw[12]
        raise WasmDecodeError(
            f"data count {module.data_count} does not match {len(module.datas)} data segments",
            section="data" if 11 in module.raw else "datacount",
            offset=where.start,
        )
