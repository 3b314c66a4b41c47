"""Alignment, element size and field offsets (CanonicalABI.md, "Alignment"
and "Element Size").

Flags: the spec limits `flags` to 32 names.  Older revisions of the spec
allowed more, stored as ceil(n/32) consecutive u32 words; we keep that rule
for n > 32 so that such WIT still gets a definite layout.
"""

from __future__ import annotations

from collections.abc import Sequence

from componentize.abi.shape import (
    FlagsShape,
    ListShape,
    PtrType,
    RecordShape,
    Scalar,
    Shape,
    StringShape,
    VariantShape,
    despecialize,
    discriminant_type,
    ptr_size,
)
from componentize.errors import InternalError
from componentize.wit.model import Primitive, Type

_SCALAR_SIZE = {
    "bool": 1,
    "s8": 1,
    "u8": 1,
    "s16": 2,
    "u16": 2,
    "s32": 4,
    "u32": 4,
    "s64": 8,
    "u64": 8,
    "f32": 4,
    "f64": 8,
    "char": 4,
    "handle": 4,
}


def align_to(offset: int, alignment: int) -> int:
    """Round `offset` up to a multiple of `alignment`."""
    return -(-offset // alignment) * alignment


def alignment(t: Type, *, ptr: PtrType = "i32") -> int:
    """Alignment in bytes of a value of type `t` in linear memory."""
    return _shape_alignment(despecialize(t), ptr)


def elem_size(t: Type, *, ptr: PtrType = "i32") -> int:
    """Size in bytes of `t` when stored in memory (a list element, a field)."""
    return _shape_size(despecialize(t), ptr)


def _shape_alignment(shape: Shape, ptr: PtrType) -> int:
    match shape:
        case Scalar(name=name):
            return _SCALAR_SIZE[name]
        case StringShape():
            return ptr_size(ptr)
        case ListShape(element=element, size=size):
            return ptr_size(ptr) if size is None else alignment(element, ptr=ptr)
        case RecordShape(fields=fields):
            return _max_alignment(fields, ptr)
        case VariantShape(cases=cases):
            disc = _SCALAR_SIZE[discriminant_type(len(cases)).name]
            return max(disc, _max_alignment(cases, ptr))
        case FlagsShape(count=count):
            return _flags_size(count) if count <= 32 else 4
    raise InternalError(f"unknown ABI shape {shape!r}")


def _shape_size(shape: Shape, ptr: PtrType) -> int:
    match shape:
        case Scalar(name=name):
            return _SCALAR_SIZE[name]
        case StringShape():
            return 2 * ptr_size(ptr)
        case ListShape(element=element, size=size):
            return 2 * ptr_size(ptr) if size is None else size * elem_size(element, ptr=ptr)
        case RecordShape(fields=fields):
            end = _record_end(fields, ptr)
            return align_to(end, _max_alignment(fields, ptr))
        case VariantShape(cases=cases):
            payload = max((elem_size(c, ptr=ptr) for c in cases if c is not None), default=0)
            end = _variant_payload_offset(cases, ptr) + payload
            return align_to(end, _shape_alignment(shape, ptr))
        case FlagsShape(count=count):
            return _flags_size(count)
    raise InternalError(f"unknown ABI shape {shape!r}")


def _flags_size(count: int) -> int:
    if count <= 8:
        return 1
    if count <= 16:
        return 2
    return 4 * -(-count // 32)


def _max_alignment(types: Sequence[Type | None], ptr: PtrType) -> int:
    return max((alignment(t, ptr=ptr) for t in types if t is not None), default=1)


def _record_end(fields: Sequence[Type], ptr: PtrType) -> int:
    offsets = record_layout(fields, ptr=ptr)
    if not fields:
        return 0
    return offsets[-1] + elem_size(fields[-1], ptr=ptr)


def record_layout(fields: Sequence[Type], *, ptr: PtrType = "i32") -> list[int]:
    """Byte offset of each field of a record (or tuple, or spilled parameter
    list) with these field types, in order."""
    offsets: list[int] = []
    end = 0
    for t in fields:
        start = align_to(end, alignment(t, ptr=ptr))
        offsets.append(start)
        end = start + elem_size(t, ptr=ptr)
    return offsets


def _variant_payload_offset(cases: Sequence[Type | None], ptr: PtrType) -> int:
    disc = _SCALAR_SIZE[discriminant_type(len(cases)).name]
    return align_to(disc, _max_alignment(cases, ptr))


def variant_payload_offset(cases: Sequence[Type | None], *, ptr: PtrType = "i32") -> int:
    """Offset of the payload of a variant with these case payload types
    (None for a case without payload); the discriminant is at offset 0."""
    return _variant_payload_offset(cases, ptr)


def payload_offset(t: Type, *, ptr: PtrType = "i32") -> int:
    """Payload offset of any variant-like type (variant, option, result, enum)."""
    shape = despecialize(t)
    if not isinstance(shape, VariantShape):
        raise InternalError(f"payload_offset of a type that is not variant-like: {t!r}")
    return _variant_payload_offset(shape.cases, ptr)


def field_offsets(t: Type, *, ptr: PtrType = "i32") -> list[int]:
    """Field offsets of any record-like type (record, tuple, fixed-size list)."""
    shape = despecialize(t)
    if isinstance(shape, RecordShape):
        return record_layout(shape.fields, ptr=ptr)
    if isinstance(shape, ListShape) and shape.size is not None:
        step = elem_size(shape.element, ptr=ptr)
        return [i * step for i in range(shape.size)]
    raise InternalError(f"field_offsets of a type that is not record-like: {t!r}")


def discriminant_size(case_count: int) -> int:
    """Bytes taken by the discriminant of a variant with `case_count` cases."""
    return _SCALAR_SIZE[discriminant_type(case_count).name]


def discriminant(case_count: int) -> Primitive:
    """The discriminant type (`u8`, `u16` or `u32`) as a model primitive."""
    return Primitive(discriminant_type(case_count).name)
