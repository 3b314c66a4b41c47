"""wasmtime as an independent oracle for memory layout.

A component exports `f: func(p0: T, p1..p16: u64) -> list<u8>`.  The 17+
flat parameters spill, so wasmtime stores the host's arguments in the core
module's memory (allocated by a bump `realloc`, so untouched bytes are
zero); the core function answers with the bytes of `T` at the start of that
area, `elem_size(T)` long.  The test encodes the same value with our layout
and compares.  Types are pointer-free (no strings/lists) and variants always
carry two payload-less cases so that wasmtime-py represents them as
`Variant(tag, payload)` (as it does for any variant with two cases of the
same Python class).
"""

from __future__ import annotations

import struct
from typing import Any

import wasmtime
import wasmtime.component as wc
from hypothesis import strategies as st

from componentize.abi import discriminant_size, elem_size, field_offsets, payload_offset
from componentize.wit.model import (
    Alias,
    Enum,
    Flags,
    Primitive,
    Record,
    TupleType,
    Type,
    TypeDef,
    TypeRef,
    Variant,
)

from .models import enum, flags, record, tup, variant

_INTS = {
    "u8": (1, False),
    "u16": (2, False),
    "u32": (4, False),
    "u64": (8, False),
    "s8": (1, True),
    "s16": (2, True),
    "s32": (4, True),
    "s64": (8, True),
}


def pointer_free_types() -> st.SearchStrategy[Type]:
    leaves = st.one_of(
        st.sampled_from([*_INTS, "bool", "char", "f32", "f64"]).map(Primitive),
        st.integers(1, 300).map(lambda n: enum("e", *(f"c{i}" for i in range(n)))),
        st.integers(1, 32).map(lambda n: flags("f", *(f"g{i}" for i in range(n)))),
    )

    def compound(inner: st.SearchStrategy[Type]) -> st.SearchStrategy[Type]:
        maybe = st.none() | inner
        return st.one_of(
            st.lists(inner, min_size=1, max_size=4).map(lambda ts: tup(*ts)),
            st.lists(inner, min_size=1, max_size=4).map(
                lambda ts: record("r", *((f"f{i}", t) for i, t in enumerate(ts)))
            ),
            st.lists(maybe, min_size=0, max_size=4).map(
                lambda ts: variant(
                    "v", *((f"c{i}", t) for i, t in enumerate(ts)), ("n0", None), ("n1", None)
                )
            ),
        )

    return st.recursive(leaves, compound, max_leaves=10)


def _strip(t: Type) -> Type:
    """Look through `type x = y` aliases."""
    while isinstance(t, TypeRef) and isinstance(t.definition.body, Alias):
        t = t.definition.body.target
    return t


def _body(t: Type) -> object:
    t = _strip(t)
    return t.definition.body if isinstance(t, TypeRef) else t


def values(t: Type) -> st.SearchStrategy[Any]:
    """Host values of `t` as wasmtime-py takes and gives them."""
    body = _body(t)
    match body:
        case Primitive(name=name) if name in _INTS:
            size, signed = _INTS[name]
            bits = 8 * size
            low, high = (
                (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
            )
            return st.integers(low, high)
        case Primitive(name="bool"):
            return st.booleans()
        case Primitive(name="char"):
            return st.characters(exclude_categories=["Cs"])
        case Primitive(name="f32" | "f64"):
            return st.integers(-4096, 4096).map(lambda i: i / 8)
        case Enum(names=names):
            return st.sampled_from(names)
        case Flags(names=names):
            return st.sets(st.sampled_from(names))
        case TupleType(types=types):
            return st.tuples(*(values(x) for x in types))
        case Record(fields=fields):
            names = [f.name for f in fields]
            return st.tuples(*(values(f.type) for f in fields)).map(
                lambda vs: _record(dict(zip(names, vs, strict=True)))
            )
        case Variant(cases=cases):
            return st.one_of(*(_case_values(c.name, c.type) for c in cases))
    raise AssertionError(f"no values for {t!r}")


def _case_values(name: str, payload: Type | None) -> st.SearchStrategy[Any]:
    if payload is None:
        return st.just(wc.Variant(name))
    return values(payload).map(lambda v: wc.Variant(name, v))


def _record(fields: dict[str, Any]) -> wc.Record:
    r = wc.Record()
    for name, value in fields.items():
        setattr(r, name, value)
    return r


def encode(t: Type, value: Any, out: bytearray, at: int) -> None:
    """Store `value` at `out[at:]` using componentize.abi's layout."""
    body = _body(t)
    match body:
        case Primitive(name=name) if name in _INTS:
            size, signed = _INTS[name]
            out[at : at + size] = value.to_bytes(size, "little", signed=signed)
        case Primitive(name="bool"):
            out[at] = int(value)
        case Primitive(name="char"):
            out[at : at + 4] = ord(value).to_bytes(4, "little")
        case Primitive(name="f32"):
            out[at : at + 4] = struct.pack("<f", value)
        case Primitive(name="f64"):
            out[at : at + 8] = struct.pack("<d", value)
        case Enum(names=names):
            size = discriminant_size(len(names))
            out[at : at + size] = names.index(value).to_bytes(size, "little")
        case Flags(names=names):
            bits = sum(1 << names.index(n) for n in value)
            size = elem_size(t)
            out[at : at + size] = bits.to_bytes(size, "little")
        case TupleType(types=types):
            for sub, v, off in zip(types, value, field_offsets(t), strict=True):
                encode(sub, v, out, at + off)
        case Record(fields=fields):
            for f, off in zip(fields, field_offsets(t), strict=True):
                encode(f.type, getattr(value, f.name), out, at + off)
        case Variant(cases=cases):
            index = [c.name for c in cases].index(value.tag)
            size = discriminant_size(len(cases))
            out[at : at + size] = index.to_bytes(size, "little")
            payload = cases[index].type
            if payload is not None:
                encode(payload, value.payload, out, at + payload_offset(t))
        case _:
            raise AssertionError(f"cannot encode {t!r}")


# ---- the component


def _named(t: Type, order: list[TypeDef], seen: set[int]) -> None:
    t = _strip(t)
    body = _body(t)
    if isinstance(t, TupleType):
        for x in t.types:
            _named(x, order, seen)
    if not isinstance(t, TypeRef) or id(t.definition) in seen:
        return
    if isinstance(body, Record):
        for f in body.fields:
            _named(f.type, order, seen)
    if isinstance(body, Variant):
        for c in body.cases:
            if c.type is not None:
                _named(c.type, order, seen)
    seen.add(id(t.definition))
    order.append(t.definition)


def _val(t: Type, idx: dict[int, int]) -> str:
    t = _strip(t)
    if isinstance(t, Primitive):
        return t.name
    if isinstance(t, TupleType):
        return "(tuple " + " ".join(_val(x, idx) for x in t.types) + ")"
    assert isinstance(t, TypeRef)
    return f"$e{idx[id(t.definition)]}"


def _def(td: TypeDef, idx: dict[int, int]) -> str:
    match td.body:
        case Record(fields=fields):
            return (
                "(record "
                + " ".join(f'(field "{f.name}" {_val(f.type, idx)})' for f in fields)
                + ")"
            )
        case Variant(cases=cases):
            parts = [
                f'(case "{c.name}"' + (f" {_val(c.type, idx)})" if c.type else ")") for c in cases
            ]
            return "(variant " + " ".join(parts) + ")"
        case Enum(names=names):
            return "(enum " + " ".join(f'"{n}"' for n in names) + ")"
        case Flags(names=names):
            return "(flags " + " ".join(f'"{n}"' for n in names) + ")"
    raise AssertionError(td.name)


def component_text(t: Type) -> str:
    order: list[TypeDef] = []
    _named(t, order, set())
    idx = {id(td): n for n, td in enumerate(order)}
    types = " ".join(
        f'(type $d{n} {_def(td, idx)}) (export $e{n} "t{n}" (type $d{n}))'
        for n, td in enumerate(order)
    )
    fillers = " ".join(f'(param "p{i}" u64)' for i in range(1, 17))
    return f"""(component
  (core module $m
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $p i32)
      ;; bump allocation, aligned; memory is never reused, so it stays zeroed
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    (func (export "g") (param $args i32) (result i32)
      (i32.store (i32.const 16) (local.get $args))
      (i32.store (i32.const 20) (i32.const {elem_size(t)}))
      (i32.const 16)))
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  {types}
  (func $f (param "p0" {_val(t, idx)}) {fillers} (result (list u8))
    (canon lift (core func $i "g") (memory $mem) (realloc $realloc)))
  (export "f" (func $f)))
"""


_ENGINE = wasmtime.Engine()


def stored_bytes(t: Type, value: Any) -> bytes:
    """The bytes wasmtime stores for `value` of type `t`."""
    component = wc.Component(_ENGINE, component_text(t))
    store = wasmtime.Store(_ENGINE)
    instance = wc.Linker(_ENGINE).instantiate(store, component)
    func = instance.get_func(store, "f")
    assert func is not None
    result = func(store, value, *([0] * 16))
    func.post_return(store)
    return bytes(result)
