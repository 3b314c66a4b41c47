"""Hypothesis strategies for random WIT types, built as model objects."""

from __future__ import annotations

from hypothesis import strategies as st

from componentize.wit.model import (
    PRIMITIVES,
    Borrow,
    FutureType,
    Own,
    Primitive,
    StreamType,
    Type,
    TypeRef,
)

from .models import alias, enum, flags, lst, option, record, resource, result, tup, variant

RES = resource("r")


def wit_types(*, component_safe: bool = False) -> st.SearchStrategy[Type]:
    """Random value types.  `component_safe` keeps to what a default
    wasmtime accepts in a component: no async types, no fixed-size lists,
    at most 32 flags."""
    prims = [p for p in PRIMITIVES if not (component_safe and p == "error-context")]
    handles: list[Type] = [Own(RES), TypeRef(RES)]
    if not component_safe:
        handles += [Borrow(RES), FutureType(), StreamType()]
    leaves = st.one_of(
        st.sampled_from(prims).map(Primitive),
        st.sampled_from(handles),
        st.integers(1, 32 if component_safe else 70).map(
            lambda n: flags("f", *(f"f{i}" for i in range(n)))
        ),
        st.integers(1, 300).map(lambda n: enum("e", *(f"c{i}" for i in range(n)))),
    )

    def compound(inner: st.SearchStrategy[Type]) -> st.SearchStrategy[Type]:
        maybe = st.none() | inner
        options = [
            inner.map(lst),
            inner.map(option),
            st.tuples(maybe, maybe).map(lambda a: result(a[0], a[1])),
            st.lists(inner, min_size=1, max_size=5).map(lambda ts: tup(*ts)),
            st.lists(inner, min_size=1, max_size=5).map(
                lambda ts: record("r", *((f"f{i}", t) for i, t in enumerate(ts)))
            ),
            st.lists(maybe, min_size=1, max_size=6).map(
                lambda ts: variant("v", *((f"c{i}", t) for i, t in enumerate(ts)))
            ),
            inner.map(lambda t: alias("a", t)),
        ]
        if not component_safe:
            options.append(st.tuples(inner, st.integers(1, 4)).map(lambda a: lst(a[0], a[1])))
        return st.one_of(*options)

    return st.recursive(leaves, compound, max_leaves=12)
