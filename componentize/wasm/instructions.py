"""Instruction-level decoding and encoding of code bodies and constant expressions.

Only used when asked: `decode_module` keeps bodies as bytes.  Encodings are
canonical (shortest LEB128s, 0x1B for untyped `select`, no memory index for
memory 0), so decode -> encode -> decode gives the same instructions while
the bytes may differ from a non-canonical input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from componentize.errors import WasmDecodeError

from .leb128 import Reader, encode_sleb, encode_uleb
from .model import Body, Catch, CatchKind, Code, ConstExpr, Instruction, Local, MemArg, RefType
from .opcodes import BY_NAME, COMPOSITE_SPACES, OPS, PREFIXED, SINGLE, Op
from .types import (
    VAL_BYTES,
    bad_model,
    read_blocktype,
    read_heaptype,
    read_valtype,
    write_blocktype,
    write_heaptype,
    write_valtype,
)

_OPENERS = frozenset(("block", "loop", "if", "try", "try_table"))
_CATCH_KINDS: tuple[CatchKind, ...] = ("catch", "catch_ref", "catch_all", "catch_all_ref")
_MAX_LOCALS = (1 << 32) - 1

# The forms the name table cannot hold: typed `select` and the nullable casts.
_TYPED_SELECT = Op("select", None, 0x1C, "select")
_NULL_CASTS = {21: Op("ref.test", 0xFB, 21, "cast"), 23: Op("ref.cast", 0xFB, 23, "cast")}


# -- decoding ----------------------------------------------------------------------


def _memarg(r: Reader) -> MemArg:
    flags = r.u32()
    memory = 0
    if flags & 0x40:  # multi-memory: an explicit memory index follows the alignment
        flags &= ~0x40
        memory = r.u32()
    return MemArg(flags, r.u64(), memory)


def _catch(r: Reader) -> Catch:
    start = r.pos
    kind = r.u8()
    if kind > 3:
        raise r.error(f"unknown catch clause kind 0x{kind:02x}", start)
    if kind < 2:
        tag = r.u32()
        return Catch(_CATCH_KINDS[kind], r.u32(), tag)
    return Catch(_CATCH_KINDS[kind], r.u32())


def _read_br_cast(r: Reader) -> tuple[object, ...]:
    start = r.pos
    flags = r.u8()
    if flags > 3:
        raise r.error(f"invalid br_on_cast flags 0x{flags:02x}", start)
    label = r.u32()
    first = RefType(bool(flags & 1), read_heaptype(r))
    return (label, first, RefType(bool(flags & 2), read_heaptype(r)))


def _read_zero(r: Reader) -> tuple[object, ...]:
    start = r.pos
    if r.u8() != 0:
        raise r.error("expected a reserved 0x00 byte", start)
    return ()


_Reader = Callable[[Reader, Op], tuple[object, ...]]
_U32_READERS: dict[int, _Reader] = {
    1: lambda r, op: (r.u32(),),
    2: lambda r, op: (r.u32(), r.u32()),
}
_READERS: dict[str, _Reader] = {
    "": lambda r, op: (),
    "block": lambda r, op: (read_blocktype(r),),
    "br_table": lambda r, op: (tuple(r.u32() for _ in range(r.count("label"))), r.u32()),
    "memarg": lambda r, op: (_memarg(r),),
    "memlane": lambda r, op: (_memarg(r), r.u8()),
    "lane": lambda r, op: (r.u8(),),
    "s32": lambda r, op: (r.s32(),),
    "s64": lambda r, op: (r.s64(),),
    "f32": lambda r, op: (r.bytes(4),),
    "f64": lambda r, op: (r.bytes(8),),
    "v128": lambda r, op: (r.bytes(16),),
    "shuffle": lambda r, op: (r.bytes(16),),
    "select": lambda r, op: (
        (tuple(read_valtype(r) for _ in range(r.count("type"))),) if op.code == 0x1C else ()
    ),
    "heap": lambda r, op: (read_heaptype(r),),
    "cast": lambda r, op: (RefType(op.code in (21, 23), read_heaptype(r)),),
    "br_cast": lambda r, op: _read_br_cast(r),
    "try_table": lambda r, op: (
        read_blocktype(r),
        tuple(_catch(r) for _ in range(r.count("catch clause"))),
    ),
    "zero": lambda r, op: _read_zero(r),
}
assert _READERS.keys() == COMPOSITE_SPACES.keys()
# Immediates that are only u32s (indices of any space, fields, counts) read alike.
_READERS.update({op.imm: _U32_READERS[len(op.u32_kinds)] for op in OPS if op.u32_kinds})


def _read_op(r: Reader) -> Op:
    start = r.pos
    b = r.u8()
    if b in PREFIXED:
        sub = r.u32()
        op = PREFIXED[b].get(sub) or (_NULL_CASTS.get(sub) if b == 0xFB else None)
        if op is None:
            raise r.error(f"unknown opcode 0x{b:02x} {sub}", start)
        return op
    op = SINGLE[b] if b != 0x1C else _TYPED_SELECT
    if op is None:
        raise r.error(f"unknown opcode 0x{b:02x}", start)
    return op


# Fast paths for the most frequent shapes: one-byte opcodes without immediates
# (shared frozen instances) and one-byte opcodes with one small u32.
_PLAIN: list[Instruction | None] = [
    Instruction(op.name) if op is not None and op.imm == "" and i < 0xFB else None
    for i, op in enumerate(SINGLE)
]
_ONE_U32: list[str | None] = [
    op.name if op is not None and len(op.u32_kinds) == 1 and op.name != "delegate" else None
    for op in SINGLE
]


def read_instructions(r: Reader) -> list[Instruction]:
    """Instructions up to and including the `end` that closes the expression."""
    out: list[Instruction] = []
    append = out.append
    depth = 0
    readers = _READERS
    data = r.data
    while True:
        pos = r.pos
        if pos + 1 < r.end:
            b = data[pos]
            plain = _PLAIN[b]
            if plain is not None:
                r.pos = pos + 1
                append(plain)
                if b == 0x0B:  # end
                    if depth == 0:
                        return out
                    depth -= 1
                continue
            name = _ONE_U32[b]
            if name is not None and data[pos + 1] < 0x80:
                r.pos = pos + 2
                append(Instruction(name, (data[pos + 1],)))
                continue
        op = _read_op(r)
        name = op.name
        append(Instruction(name, readers[op.imm](r, op)))
        if name in _OPENERS:
            depth += 1
        elif name == "end" or name == "delegate":  # `delegate` closes a legacy `try`
            if depth == 0:
                if name == "delegate":
                    raise r.error("delegate outside of a try block")
                return out
            depth -= 1


def read_const_expr(r: Reader) -> ConstExpr:
    """A constant expression as bytes; its instructions are parsed only to find its end."""
    start = r.pos
    b = r.data[start : start + 1]
    # Fast path for the forms real modules use: a single const or global.get + end.
    if b and b[0] in (0x41, 0x42, 0x23, 0xD2):
        r.pos += 1
        if b[0] == 0x42:
            r.s64()
        elif b[0] == 0x41:
            r.s32()
        else:
            r.u32()
        if r.pos < r.end and r.data[r.pos] == 0x0B:
            r.pos += 1
            return ConstExpr(r.data[start : r.pos])
        r.pos = start
    read_instructions(r)
    return ConstExpr(r.data[start : r.pos])


# Local declarations with a one-byte count and a one-byte type, shared.
_SIMPLE_LOCALS: dict[int, Local] = {
    count << 8 | code: Local(count, name)
    for count in range(128)
    for code, name in VAL_BYTES.items()
}


def read_locals(r: Reader) -> list[Local]:
    data = r.data
    pos = r.pos
    # Fast path: every declaration is two bytes (small count, one-byte type).
    if pos < r.end and data[pos] < 0x80:
        n = data[pos]
        stop = pos + 1 + 2 * n
        if stop <= r.end:
            simple = _SIMPLE_LOCALS
            try:
                out = [simple[data[i] << 8 | data[i + 1]] for i in range(pos + 1, stop, 2)]
            except KeyError:
                pass
            else:
                r.pos = stop
                return out
    start = pos
    locals_: list[Local] = []
    total = 0
    for _ in range(r.count("local declaration")):
        n = r.u32()
        total += n
        locals_.append(Local(n, read_valtype(r)))
    if total > _MAX_LOCALS:
        raise r.error(f"too many locals: {total}", start)
    return locals_


def decode_body(body: bytes, offset: int = 0) -> Body:
    """Decode one function body (locals and code, without the size prefix).

    `offset` is where `body` starts in its file; error messages add it so that
    they report file offsets.
    """
    try:
        r = Reader(body, 0, len(body), "code")
        locals_ = read_locals(r)
        instructions = read_instructions(r)
        r.expect_end()
    except WasmDecodeError as e:
        if offset and e.offset is not None:
            raise WasmDecodeError(e.what, section="code", offset=e.offset + offset) from None
        raise
    return Body(locals_, instructions)


def decode_code(code: Code) -> Body:
    """The instructions of a decoded module's function; errors report file offsets."""
    return Body(list(code.locals), decode_expr(code.code, code.offset))


def decode_expr(code: bytes | ConstExpr, offset: int = 0) -> list[Instruction]:
    """Decode an expression (a body's code or a constant expression), final `end` included."""
    data = code.code if isinstance(code, ConstExpr) else code
    r = Reader(data, 0, len(data), "code")
    try:
        out = read_instructions(r)
        r.expect_end()
    except WasmDecodeError as e:
        if offset and e.offset is not None:
            raise WasmDecodeError(e.what, section="code", offset=e.offset + offset) from None
        raise
    return out


# -- encoding ----------------------------------------------------------------------


def _write_memarg(out: bytearray, m: object) -> None:
    if not isinstance(m, MemArg):
        raise bad_model(f"expected a MemArg, got {m!r}")
    if m.memory:
        encode_uleb(m.align | 0x40, out)
        encode_uleb(m.memory, out)
    else:
        encode_uleb(m.align, out)
    encode_uleb(m.offset, out)


def _write_raw(n: int) -> Callable[[bytearray, Op, tuple[object, ...]], None]:
    def write(out: bytearray, op: Op, imm: tuple[object, ...]) -> None:
        value = imm[0]
        if not isinstance(value, bytes) or len(value) != n:
            raise bad_model(f"{op.name} needs {n} bytes, got {value!r}")
        out += value

    return write


def _ints(imm: Iterable[object]) -> list[int]:
    values = list(imm)
    if not all(isinstance(v, int) and v >= 0 for v in values):
        raise bad_model(f"expected indices, got {values!r}")
    return values  # type: ignore[return-value]


def _write_u32s(out: bytearray, op: Op, imm: tuple[object, ...]) -> None:
    for v in _ints(imm):
        encode_uleb(v, out)


def _write_br_table(out: bytearray, op: Op, imm: tuple[object, ...]) -> None:
    labels, default = imm
    if not isinstance(labels, tuple | list):
        raise bad_model(f"br_table labels must be a sequence, got {labels!r}")
    encode_uleb(len(labels), out)
    for v in _ints(labels):
        encode_uleb(v, out)
    encode_uleb(_ints([default])[0], out)


def _write_select(out: bytearray, op: Op, imm: tuple[object, ...]) -> None:
    if not imm:
        out[-1] = 0x1B
        return
    out[-1] = 0x1C
    types = imm[0]
    if not isinstance(types, tuple | list):
        raise bad_model(f"select types must be a sequence, got {types!r}")
    encode_uleb(len(types), out)
    for t in types:
        write_valtype(out, t)


def _write_cast(out: bytearray, op: Op, imm: tuple[object, ...]) -> None:
    (t,) = imm
    if not isinstance(t, RefType):
        raise bad_model(f"{op.name} needs a RefType, got {t!r}")
    if t.nullable:  # the nullable form is the next opcode
        out[-1] += 1
    write_heaptype(out, t.heap)


def _write_br_cast(out: bytearray, op: Op, imm: tuple[object, ...]) -> None:
    label, first, second = imm
    if not isinstance(first, RefType) or not isinstance(second, RefType):
        raise bad_model(f"{op.name} needs two RefTypes, got {imm!r}")
    out.append(first.nullable | second.nullable << 1)
    encode_uleb(_ints([label])[0], out)
    write_heaptype(out, first.heap)
    write_heaptype(out, second.heap)


def _write_try_table(out: bytearray, op: Op, imm: tuple[object, ...]) -> None:
    blocktype, catches = imm
    write_blocktype(out, blocktype)  # type: ignore[arg-type]
    if not isinstance(catches, tuple | list):
        raise bad_model(f"try_table catches must be a sequence, got {catches!r}")
    encode_uleb(len(catches), out)
    for c in catches:
        if not isinstance(c, Catch):
            raise bad_model(f"expected a Catch, got {c!r}")
        kind = _CATCH_KINDS.index(c.kind)
        out.append(kind)
        if kind < 2:
            encode_uleb(_ints([c.tag])[0], out)
        encode_uleb(c.label, out)


def _write_lane(out: bytearray, op: Op, imm: tuple[object, ...]) -> None:
    lane = imm[-1]
    if not isinstance(lane, int) or not 0 <= lane < 256:
        raise bad_model(f"{op.name}: bad lane {lane!r}")
    if op.imm == "memlane":
        _write_memarg(out, imm[0])
    out.append(lane)


def _write_int(out: bytearray, op: Op, imm: tuple[object, ...]) -> None:
    value = imm[0]
    bits = 32 if op.imm == "s32" else 64
    if not isinstance(value, int) or not -(1 << (bits - 1)) <= value < (1 << bits):
        raise bad_model(f"{op.name}: {value!r} is not a {bits}-bit integer")
    # Unsigned spellings of negative numbers are accepted and wrapped.
    if value >= 1 << (bits - 1):
        value -= 1 << bits
    encode_sleb(value, out)


_Writer = Callable[[bytearray, Op, tuple[object, ...]], None]
_WRITERS: dict[str, _Writer] = {
    "": lambda out, op, imm: None,
    "block": lambda out, op, imm: write_blocktype(out, imm[0]),  # type: ignore[arg-type]
    "br_table": _write_br_table,
    "memarg": lambda out, op, imm: _write_memarg(out, imm[0]),
    "memlane": _write_lane,
    "lane": _write_lane,
    "s32": _write_int,
    "s64": _write_int,
    "f32": _write_raw(4),
    "f64": _write_raw(8),
    "v128": _write_raw(16),
    "shuffle": _write_raw(16),
    "select": _write_select,
    "heap": lambda out, op, imm: write_heaptype(out, imm[0]),  # type: ignore[arg-type]
    "cast": _write_cast,
    "br_cast": _write_br_cast,
    "try_table": _write_try_table,
    "zero": lambda out, op, imm: out.append(0),
}
assert _WRITERS.keys() == COMPOSITE_SPACES.keys()
_WRITERS.update({op.imm: _write_u32s for op in OPS if op.u32_kinds})


def write_instruction(out: bytearray, ins: Instruction) -> None:
    op = BY_NAME.get(ins.op)
    if op is None:
        raise bad_model(f"unknown instruction {ins.op!r}")
    if op.prefix is None:
        out.append(op.code)
    else:
        out.append(op.prefix)
        encode_uleb(op.code, out)
    try:
        _WRITERS[op.imm](out, op, ins.imm)
    except (TypeError, ValueError, IndexError) as e:
        raise bad_model(f"bad immediates for {ins.op}: {ins.imm!r} ({e})") from None


def encode_expr(instructions: Iterable[Instruction]) -> bytes:
    """Encode instructions as they are (the caller supplies the final `end`)."""
    out = bytearray()
    for ins in instructions:
        write_instruction(out, ins)
    return bytes(out)


def encode_locals(out: bytearray, locals_: Iterable[Local]) -> None:
    items = list(locals_)
    encode_uleb(len(items), out)
    for local in items:
        encode_uleb(local.count, out)
        write_valtype(out, local.type)


def encode_body(body: Body) -> bytes:
    """Encode a function body (locals and code, without the size prefix)."""
    out = bytearray()
    encode_locals(out, body.locals)
    for ins in body.instructions:
        write_instruction(out, ins)
    return bytes(out)


def const_expr(*instructions: Instruction) -> ConstExpr:
    """Build a constant expression; the final `end` is added."""
    return ConstExpr(encode_expr([*instructions, Instruction("end")]))
