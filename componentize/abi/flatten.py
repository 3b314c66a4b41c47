"""Flattening to core value types (CanonicalABI.md, "Flattening") and the
core signatures of lowered imports and lifted exports.

Only the synchronous ABI is implemented: an `async` function raises
`UnsupportedModuleError`, because its core signature also depends on the
async options (callback, task.return) that componentize does not generate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from componentize.abi.layout import alignment, elem_size, record_layout
from componentize.abi.shape import (
    FlagsShape,
    ListShape,
    PtrType,
    RecordShape,
    Scalar,
    StringShape,
    VariantShape,
    contains_list_or_string,
    despecialize,
    discriminant_type,
)
from componentize.errors import InternalError, UnsupportedModuleError
from componentize.wit.model import Borrow, Function, Own, TupleType, Type

MAX_FLAT_PARAMS = 16
MAX_FLAT_RESULTS = 1

Context = Literal["lift", "lower"]

_SCALAR_FLAT = {
    "bool": "i32",
    "s8": "i32",
    "u8": "i32",
    "s16": "i32",
    "u16": "i32",
    "s32": "i32",
    "u32": "i32",
    "s64": "i64",
    "u64": "i64",
    "f32": "f32",
    "f64": "f64",
    "char": "i32",
    "handle": "i32",
}


@dataclass(frozen=True)
class CoreFuncType:
    """A core function type; value types are "i32", "i64", "f32", "f64"."""

    params: tuple[str, ...]
    results: tuple[str, ...]


def join(a: str, b: str) -> str:
    """The narrowest core type both `a` and `b` can be bit-cast into."""
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


def flatten_type(t: Type, *, ptr: PtrType = "i32") -> list[str]:
    """The core value types that carry one value of `t` (in order)."""
    match despecialize(t):
        case Scalar(name=name):
            return [_SCALAR_FLAT[name]]
        case StringShape():
            return [ptr, ptr]
        case ListShape(element=element, size=size):
            if size is None:
                return [ptr, ptr]
            return flatten_type(element, ptr=ptr) * size
        case RecordShape(fields=fields):
            return flatten_types(fields, ptr=ptr)
        case VariantShape(cases=cases):
            return _flatten_variant(cases, ptr)
        case FlagsShape(count=count):
            return ["i32"] * max(1, -(-count // 32))
    raise InternalError(f"cannot flatten {t!r}")


def _flatten_variant(cases: Sequence[Type | None], ptr: PtrType) -> list[str]:
    flat: list[str] = []
    for case in cases:
        if case is None:
            continue
        for i, core in enumerate(flatten_type(case, ptr=ptr)):
            if i < len(flat):
                flat[i] = join(flat[i], core)
            else:
                flat.append(core)
    return [_SCALAR_FLAT[discriminant_type(len(cases)).name], *flat]


def flatten_types(types: Sequence[Type], *, ptr: PtrType = "i32") -> list[str]:
    return [core for t in types for core in flatten_type(t, ptr=ptr)]


def param_types(fn: Function) -> list[Type]:
    """The component-level parameter types, with a method's implicit `self`.

    A method's `self: borrow<R>` comes first whether or not the model
    lists it; a constructor without an explicit result returns `own<R>`."""
    types = [t for _, t in fn.params]
    if fn.kind == "method" and not (fn.params and fn.params[0][0] == "self"):
        if fn.resource is None:
            raise InternalError(f"method `{fn.name}` has no resource")
        types.insert(0, Borrow(fn.resource))
    return types


def result_types(fn: Function) -> list[Type]:
    """The result types as a list of zero or one (the spec's `result_type()`)."""
    if fn.result is not None:
        return [fn.result]
    if fn.kind == "constructor":
        if fn.resource is None:
            raise InternalError(f"constructor `{fn.name}` has no resource")
        return [Own(fn.resource)]
    return []


def _check_sync(fn: Function) -> None:
    if fn.is_async:
        raise UnsupportedModuleError(
            f"function `{fn.name}` is async: componentize only implements the "
            "synchronous canonical ABI, async lifting/lowering is unsupported",
            hint="use a WIT world whose functions are not `async`",
        )


def flatten_functype(fn: Function, context: Context, *, ptr: PtrType = "i32") -> CoreFuncType:
    """Core type of `canon lower` (context "lower") or of the core function
    given to `canon lift` (context "lift") for `fn`."""
    _check_sync(fn)
    if context not in ("lift", "lower"):
        raise InternalError(f"flatten_functype context must be lift or lower, not {context!r}")
    flat_params = flatten_types(param_types(fn), ptr=ptr)
    flat_results = flatten_types(result_types(fn), ptr=ptr)
    if len(flat_params) > MAX_FLAT_PARAMS:
        flat_params = [ptr]
    if len(flat_results) > MAX_FLAT_RESULTS:
        if context == "lift":
            flat_results = [ptr]
        else:
            flat_params = [*flat_params, ptr]
            flat_results = []
    return CoreFuncType(tuple(flat_params), tuple(flat_results))


def params_spilled(fn: Function, *, ptr: PtrType = "i32") -> bool:
    """Whether the parameters travel as one pointer to a tuple in memory."""
    return len(flatten_types(param_types(fn), ptr=ptr)) > MAX_FLAT_PARAMS


def results_spilled(fn: Function, *, ptr: PtrType = "i32") -> bool:
    """Whether the result travels through memory (a return pointer)."""
    return len(flatten_types(result_types(fn), ptr=ptr)) > MAX_FLAT_RESULTS


@dataclass(frozen=True)
class CanonNeeds:
    """Which canonopts a `canon lift` / `canon lower` of a function requires."""

    memory: bool
    realloc: bool


def canon_needs(fn: Function, context: Context, *, ptr: PtrType = "i32") -> CanonNeeds:
    """The `memory` / `realloc` options the spec requires (canonopt validation,
    canon lift, canon lower).  `realloc` implies `memory`."""
    _check_sync(fn)
    params, results = param_types(fn), result_types(fn)
    params_lists = any(contains_list_or_string(t) for t in params)
    results_lists = any(contains_list_or_string(t) for t in results)
    if context == "lower":
        # Core wasm calls out: list params are read from its memory, and a
        # list result must be allocated in its memory.
        realloc = results_lists
        memory = params_lists or params_spilled(fn, ptr=ptr) or results_spilled(fn, ptr=ptr)
    else:
        # Core wasm is called: list params are allocated in its memory, and
        # list results are read from it.
        realloc = params_lists or params_spilled(fn, ptr=ptr)
        memory = results_lists or results_spilled(fn, ptr=ptr)
    return CanonNeeds(memory=memory or realloc, realloc=realloc)


# Signatures of the core functions the canonical ABI defines by itself.
REALLOC_TYPE = CoreFuncType(("i32", "i32", "i32", "i32"), ("i32",))
RESOURCE_DROP_TYPE = CoreFuncType(("i32",), ())
RESOURCE_NEW_TYPE = CoreFuncType(("i32",), ("i32",))
RESOURCE_REP_TYPE = CoreFuncType(("i32",), ("i32",))


def post_return_type(fn: Function, *, ptr: PtrType = "i32") -> CoreFuncType:
    """`post-return` takes the lifted function's flat results as parameters."""
    return CoreFuncType(flatten_functype(fn, "lift", ptr=ptr).results, ())


@dataclass(frozen=True)
class MemoryArea:
    """A block of linear memory holding spilled values: its size, alignment
    and the offset of each value in it."""

    size: int
    align: int
    offsets: tuple[int, ...]


def _area(types: list[Type], ptr: PtrType) -> MemoryArea:
    as_tuple = TupleType(tuple(types))
    offsets = tuple(record_layout(types, ptr=ptr))
    return MemoryArea(elem_size(as_tuple, ptr=ptr), alignment(as_tuple, ptr=ptr), offsets)


def param_area(fn: Function, *, ptr: PtrType = "i32") -> MemoryArea | None:
    """Where spilled parameters live (a tuple of all of them), or None when
    they are passed flat."""
    _check_sync(fn)
    return _area(param_types(fn), ptr) if params_spilled(fn, ptr=ptr) else None


def return_area(fn: Function, *, ptr: PtrType = "i32") -> MemoryArea | None:
    """The area a return pointer points to, or None when the result is flat.
    In a lowered import the caller provides it; a lifted export returns it."""
    _check_sync(fn)
    return _area(result_types(fn), ptr) if results_spilled(fn, ptr=ptr) else None
