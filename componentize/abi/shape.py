"""The canonical ABI view of a WIT type: `despecialize` from CanonicalABI.md.

The ABI only distinguishes a handful of shapes.  Tuples become records,
enums/options/results become variants, named types are looked through, and
every handle-like type (own, borrow, a bare resource name, future, stream,
error-context) is a 32-bit index.  The other ABI modules match on these
shapes only, so they never have to know the model's full type zoo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from componentize.errors import InternalError, UnsupportedModuleError
from componentize.wit.model import (
    Alias,
    Borrow,
    Enum,
    Flags,
    FutureType,
    ListType,
    MapType,
    OptionType,
    Own,
    Primitive,
    Record,
    Resource,
    ResultType,
    StreamType,
    TupleType,
    Type,
    TypeRef,
    Variant,
)

PtrType = Literal["i32", "i64"]

# Scalars keep their primitive name; `handle` is any 32-bit table index.
SCALAR_NAMES = frozenset(
    ("bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char", "handle")
)


@dataclass(frozen=True)
class Scalar:
    name: str  # one of SCALAR_NAMES


@dataclass(frozen=True)
class StringShape:
    pass


@dataclass(frozen=True)
class ListShape:
    element: Type
    size: int | None  # None: a (pointer, length) pair; N: N elements in place


@dataclass(frozen=True)
class RecordShape:
    fields: tuple[Type, ...]


@dataclass(frozen=True)
class VariantShape:
    cases: tuple[Type | None, ...]


@dataclass(frozen=True)
class FlagsShape:
    count: int


Shape = Scalar | StringShape | ListShape | RecordShape | VariantShape | FlagsShape

HANDLE = Scalar("handle")


def ptr_size(ptr: PtrType) -> int:
    return 8 if ptr == "i64" else 4


def despecialize(t: Type) -> Shape:
    """Map a model type to its ABI shape, looking through named types."""
    match t:
        case Primitive(name="string"):
            return StringShape()
        case Primitive(name="error-context"):
            return HANDLE
        case Primitive(name=name):
            if name not in SCALAR_NAMES:
                raise InternalError(f"unknown primitive type {name!r} in the WIT model")
            return Scalar(name)
        case ListType(element=element, size=size):
            if size is not None and size <= 0:
                raise _invalid(f"fixed-size list of length {size}")
            return ListShape(element, size)
        case MapType(key=key, value=value):
            # CanonicalABI.md: despecialize(map<K, V>) = list<tuple<K, V>>
            return ListShape(TupleType((key, value)), None)
        case TupleType(types=types):
            if not types:
                raise _invalid("empty tuple")
            return RecordShape(types)
        case OptionType(inner=inner):
            return VariantShape((None, inner))
        case ResultType(ok=ok, err=err):
            return VariantShape((ok, err))
        case Own() | Borrow() | FutureType() | StreamType():
            return HANDLE
        case TypeRef(definition=definition):
            return _despecialize_body(definition.body, definition.name)
    raise InternalError(f"not a WIT type: {t!r}")


def _despecialize_body(body: object, name: str) -> Shape:
    match body:
        case Alias(target=target):
            return despecialize(target)
        case Record(fields=fields):
            if not fields:
                raise _invalid(f"record `{name}` has no fields")
            return RecordShape(tuple(f.type for f in fields))
        case Variant(cases=cases):
            if not cases:
                raise _invalid(f"variant `{name}` has no cases")
            return VariantShape(tuple(c.type for c in cases))
        case Enum(names=names):
            if not names:
                raise _invalid(f"enum `{name}` has no cases")
            return VariantShape(tuple(None for _ in names))
        case Flags(names=names):
            if not names:
                raise _invalid(f"flags `{name}` has no names")
            return FlagsShape(len(names))
        case Resource():
            # A bare resource name used as a value type means `own<R>`.
            return HANDLE
    raise InternalError(f"type `{name}` has an unknown body {body!r}")


def _invalid(what: str) -> UnsupportedModuleError:
    return UnsupportedModuleError(
        f"{what}: the canonical ABI has no representation for it",
        hint="the component model requires at least one field, case or flag",
    )


def discriminant_type(case_count: int) -> Scalar:
    """The smallest unsigned integer that numbers `case_count` cases."""
    if case_count <= 0:
        raise _invalid("variant with no cases")
    bits = (case_count - 1).bit_length()
    if bits <= 8:
        return Scalar("u8")
    if bits <= 16:
        return Scalar("u16")
    return Scalar("u32")


def contains_list_or_string(t: Type) -> bool:
    """Whether lowering needs `memory` / lifting needs `realloc` (canonopt rules)."""
    match despecialize(t):
        case StringShape() | ListShape():
            return True
        case RecordShape(fields=fields):
            return any(contains_list_or_string(f) for f in fields)
        case VariantShape(cases=cases):
            return any(c is not None and contains_list_or_string(c) for c in cases)
    return False
