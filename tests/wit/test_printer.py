"""Printer: parse(print(x)) == x, on fixed tricky inputs, the WASI files and
random type expressions."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from componentize.wit import (
    bundled_wit_dir,
    find_world,
    print_package,
    print_resolve,
    print_world,
    resolve_dir,
    resolve_text,
    structure,
)
from componentize.wit import model as m

TRICKY = [
    # nested packages, versions, cross-package use with `as`
    """package my:app@1.2.3-rc.1;
    use dep:lib/types@1.0.0 as lt;
    interface api { use lt.{thing as my-thing}; get: func() -> my-thing; }
    package dep:lib@1.0.0 { interface types { record thing { x: u8 } } }
    """,
    # include with renames, inline interfaces, named-path imports
    """package local:demo;
    interface store {
        resource bucket { constructor(name: string); get: func(k: string) -> option<string>; }
    }
    interface shared { record metadata { size: u64 } }
    world one { import a: func(); import store; export run: func() -> result; }
    world two { import a: func(); import cache: store; }
    world both {
        include one;
        include two with { a as b, cache as my-cache }
        import host: interface { use shared.{metadata}; get: func() -> metadata; }
        export e: interface { f: async func(x: stream<u8>) -> future<string>; }
    }
    """,
    # async, stream/future, error-context, fixed lists, escaped names, all result forms
    """package x:y;
    interface %interface {
        resource %type {
            constructor(x: u32) -> result<%type, string>;
            %func: async func(s: stream) -> future;
            make: static async func() -> %type;
        }
        variant %variant { %enum, some(list<u8, 16>) }
        type r1 = result;
        type r2 = result<u8>;
        type r3 = result<_, error-context>;
        type r4 = result<tuple<u8, s64>, list<string>>;
        type own-alias = own<%type>;
        type res-alias = %type;
        flags perms { read, write, exec }
        enum color { red, green }
        take: func(a: borrow<res-alias>, b: res-alias, c: own-alias, d: stream<stream<f64>>);
    }
    """,
    # gates and docs everywhere
    """/// package docs
    package g:h@0.3.0;
    /// iface docs
    @since(version = 0.3.0)
    interface i {
        /// a record
        @since(version = 0.3.0)
        @deprecated(version = 0.3.0)
        record r {
            /// field docs
            a: u32,
        }
        @unstable(feature = shiny)
        use j.{t};
        @since(version = 0.3.0)
        resource res {
            /// method docs
            @since(version = 0.3.0)
            m: func();
        }
    }
    interface j { type t = char; }
    @since(version = 0.3.0)
    world w {
        @unstable(feature = shiny)
        import i;
        resource wres { m: func(); }
        type wt = u8;
        export f: func(x: wt) -> wres;
    }
    """,
]


def roundtrip(r: m.Resolve) -> None:
    text = print_resolve(r)
    again = resolve_text(text, "printed.wit", all_features=True)
    assert structure(again, docs=True) == structure(r, docs=True), text
    assert print_resolve(again) == text


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_roundtrips(text: str) -> None:
    roundtrip(resolve_text(text, all_features=True))


def test_bundled_wit_roundtrips() -> None:
    roundtrip(resolve_dir(bundled_wit_dir(), all_features=True))


def test_reference_roundtrips(reference_dir: Path) -> None:
    for version in (None, m.Version(0, 2, 0), m.Version(0, 2, 12)):
        roundtrip(resolve_dir(reference_dir, version=version, all_features=True))


def test_print_world_is_self_contained(reference_dir: Path) -> None:
    r = resolve_dir(reference_dir)
    world = find_world(r, "command")
    text = print_world(world)
    again = resolve_text(text)
    got = structure(again.package("wasi:cli"))[3]
    assert list(got) == ["command"]
    assert got["command"] == structure(r.package("wasi:cli"))[3]["command"]
    assert "interface streams" in text and "package wasi:io@0.2.12 {" in text
    # things the world does not pull in are left out
    assert "world imports" not in text


def test_print_package_names_foreign_interfaces_in_full(reference_dir: Path) -> None:
    r = resolve_dir(reference_dir)
    text = print_package(r.package("wasi:cli"), docs=False)
    assert "use wasi:io/streams@0.2.12.{input-stream};" in text
    assert "///" not in text


def test_docs_are_not_part_of_structure() -> None:
    a = resolve_text("package a:b;\n/// one\ninterface i { /// x\n f: func(); }")
    b = resolve_text("package a:b;\ninterface i { f: func(); }")
    assert structure(a) == structure(b)
    assert structure(a, docs=True) != structure(b, docs=True)


# ---------------------------------------------------------------- property-based

PRIMS = [
    "bool",
    "s8",
    "u8",
    "s16",
    "u16",
    "s32",
    "u32",
    "s64",
    "u64",
    "f32",
    "f64",
    "char",
    "string",
    "error-context",
]


def result_text(pair: tuple[str | None, str | None]) -> str:
    ok, err = pair
    if ok is None and err is None:
        return "result"
    if err is None:
        return f"result<{ok}>"
    return f"result<{ok or '_'}, {err}>"


def type_exprs(
    names: list[str], resources: list[str], borrows: bool = True
) -> st.SearchStrategy[str]:
    return _type_exprs(tuple(names), tuple(resources), borrows)


@functools.cache
def _type_exprs(
    names: tuple[str, ...], resources: tuple[str, ...], borrows: bool
) -> st.SearchStrategy[str]:
    handles = [f"borrow<{r}>" for r in resources] if borrows else []
    leaves = [*PRIMS, *names, *resources, *handles]
    return st.recursive(
        st.sampled_from(leaves),
        lambda inner: st.one_of(
            inner.map(lambda t: f"list<{t}>"),
            st.tuples(inner, st.integers(1, 9)).map(lambda p: f"list<{p[0]}, {p[1]}>"),
            inner.map(lambda t: f"option<{t}>"),
            inner.map(lambda t: f"map<string, {t}>"),
            st.lists(inner, min_size=1, max_size=3).map(lambda ts: f"tuple<{', '.join(ts)}>"),
            st.tuples(st.none() | inner, st.none() | inner).map(result_text),
            (st.none() | inner).map(lambda t: "future" if t is None else f"future<{t}>"),
            (st.none() | inner).map(lambda t: "stream" if t is None else f"stream<{t}>"),
        ),
        max_leaves=6,
    )


@st.composite
def interfaces(draw: st.DrawFn) -> str:
    resources = ["res-a", "res-b"]
    names: list[str] = []
    no_borrow: list[str] = []  # the types a result may use (a result holds no borrow)
    lines = [f"resource {r};" for r in resources]
    for i in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["record", "variant", "alias", "enum", "flags"]))
        name = f"t{i}"
        if kind == "record":
            fields = draw(st.lists(type_exprs(names, resources), min_size=1, max_size=3))
            body = ", ".join(f"f{j}: {t}" for j, t in enumerate(fields))
            lines.append(f"record {name} {{ {body} }}")
        elif kind == "variant":
            cases = draw(st.lists(st.none() | type_exprs(names, resources), min_size=1, max_size=3))
            body = ", ".join(f"c{j}" if t is None else f"c{j}({t})" for j, t in enumerate(cases))
            lines.append(f"variant {name} {{ {body} }}")
        elif kind == "alias":
            lines.append(f"type {name} = {draw(type_exprs(names, resources))};")
        else:
            count = draw(st.integers(1, 4))
            lines.append(f"{kind} {name} {{ {', '.join(f'n{j}' for j in range(count))} }}")
        names.append(name)
        refs = re.findall(r"\bt\d+\b", lines[-1].split(name, 1)[1])
        if "borrow<" not in lines[-1] and all(r in no_borrow for r in refs):
            no_borrow.append(name)
    for i in range(draw(st.integers(1, 3))):
        params = draw(st.lists(type_exprs(names, resources), max_size=3))
        ps = ", ".join(f"p{j}: {t}" for j, t in enumerate(params))
        result = draw(st.none() | type_exprs(no_borrow, resources, borrows=False))
        is_async = "async " if draw(st.booleans()) else ""
        arrow = "" if result is None else f" -> {result}"
        lines.append(f"f{i}: {is_async}func({ps}){arrow};")
    return "package gen:erated;\ninterface i {\n" + "\n".join(lines) + "\n}\n"


@settings(max_examples=100, deadline=None)
@given(interfaces())
def test_random_interfaces_roundtrip(text: str) -> None:
    r = resolve_text(text)
    roundtrip(r)
    # the printer and the parser agree on every type expression's text
    printed = print_resolve(r)
    assert "package gen:erated;" in printed
