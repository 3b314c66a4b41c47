"""Name resolution: the model it builds, and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from componentize.errors import WitError
from componentize.wit import model as m
from componentize.wit import resolve_dir, resolve_text


def iface(text: str, name: str = "i") -> m.Interface:
    r = resolve_text(f"package a:b;\ninterface {name} {{\n{text}\n}}\n")
    assert r.root is not None
    return r.root.interfaces[name]


def test_resource_functions_get_component_names() -> None:
    i = iface(
        """resource descriptor {
            constructor(x: u32);
            read: func(len: u64) -> list<u8>;
            open: static func() -> descriptor;
        }
        resource r2 { constructor() -> result<r2, string>; }
        free: func(d: borrow<descriptor>);"""
    )
    assert list(i.functions) == [
        "[constructor]descriptor",
        "[method]descriptor.read",
        "[static]descriptor.open",
        "[constructor]r2",
        "free",
    ]
    d = i.types["descriptor"]
    read = i.functions["[method]descriptor.read"]
    assert read.kind == "method" and read.resource is d and read.name == "read"
    assert read.params[0] == ("self", m.Borrow(d))
    ctor = i.functions["[constructor]descriptor"]
    assert ctor.result == m.Own(d) and ctor.kind == "constructor"
    assert i.functions["[static]descriptor.open"].result == m.Own(d)
    assert i.functions["free"].params == [("d", m.Borrow(d))]


def test_types_are_ordered_definitions_first() -> None:
    i = iface("type a = b;\nrecord b { x: c }\ntype c = u32;")
    assert list(i.types) == ["c", "b", "a"]
    a, b = i.types["a"], i.types["b"]
    assert a.body == m.Alias(m.TypeRef(b))


def test_use_makes_aliases_of_the_original() -> None:
    r = resolve_text(
        "package a:b;\ninterface t { resource r; type n = u32; }\n"
        "interface u { use t.{r, n as m}; f: func(x: r, y: m, z: borrow<r>); }"
    )
    assert r.root is not None
    t, u = r.root.interfaces["t"], r.root.interfaces["u"]
    local_r = u.types["r"]
    assert local_r.owner is u and local_r.body == m.Alias(m.TypeRef(t.types["r"]))
    assert m.underlying(local_r) is t.types["r"] and m.is_resource(local_r)
    f = u.functions["f"]
    assert f.params == [
        ("x", m.Own(local_r)),
        ("y", m.TypeRef(u.types["m"])),
        ("z", m.Borrow(local_r)),
    ]
    assert list(r.root.interfaces) == ["t", "u"]


def test_interfaces_are_topologically_ordered() -> None:
    r = resolve_text(
        "package a:b;\ninterface z { use y.{t}; }\ninterface y { use x.{t}; }\n"
        "interface x { type t = u8; }"
    )
    assert r.root is not None and list(r.root.interfaces) == ["x", "y", "z"]


def test_cross_package_use_and_nested_packages() -> None:
    r = resolve_text(
        "package my:app;\nuse dep:lib/types@1.0.0 as lt;\n"
        "interface api { use lt.{thing}; get: func() -> thing; }\n"
        "package dep:lib@1.0.0 { interface types { record thing { x: u8 } } }"
    )
    assert [str(p.name) for p in r.packages] == ["dep:lib@1.0.0", "my:app"]
    api = r.interface("my:app/api")
    assert api.qualified_name() == "my:app/api"
    thing = api.types["thing"]
    assert isinstance(thing.body, m.Alias) and isinstance(thing.body.target, m.TypeRef)
    assert thing.body.target.definition.owner is r.interface("dep:lib/types@1.0.0")


def test_world_elaboration_and_keys() -> None:
    r = resolve_text(
        """package local:demo;
        interface a { resource r; }
        interface b { use a.{r}; foo: func() -> r; }
        interface shared { record metadata { x: u8 } }
        world w1 {
            export b;
            import host: interface { use shared.{metadata}; get: func() -> metadata; }
            export run: func();
            import a-func: async func(x: u8);
        }"""
    )
    w = r.package("local:demo").worlds["w1"]
    assert list(w.imports) == [
        "local:demo/a",
        "local:demo/shared",
        "host",
        "a-func",
    ]
    assert list(w.exports) == ["local:demo/b", "run"]
    host = w.imports["host"].item
    assert isinstance(host, m.Interface) and host.name is None
    fn = w.imports["a-func"].item
    assert isinstance(fn, m.Function) and fn.is_async


def test_exported_dependency_stays_an_export() -> None:
    r = resolve_text(
        "package l:d;\ninterface a { type t = u8; }\ninterface b { use a.{t}; }\n"
        "world w { export b; export a; }"
    )
    w = r.package("l:d").worlds["w"]
    assert list(w.imports) == [] and list(w.exports) == ["l:d/b", "l:d/a"]


def test_include_with_renames_and_dedupe() -> None:
    r = resolve_text(
        """package l:d;
        interface x { f: func(); }
        world one { import a: func(); import x; export run: func(); }
        world two { import a: func(); import x; }
        world both { include one; include two with { a as b } }"""
    )
    w = r.package("l:d").worlds["both"]
    assert list(w.imports) == ["a", "l:d/x", "b"]
    assert list(w.exports) == ["run"]


def test_world_types_and_use() -> None:
    r = resolve_text(
        """package l:d;
        interface t { record point { x: u32 } }
        world w {
            use t.{point};
            type pair = tuple<point, point>;
            import get: func() -> pair;
        }"""
    )
    w = r.package("l:d").worlds["w"]
    assert list(w.imports) == ["l:d/t", "point", "pair", "get"]
    assert set(w.types) == {"point", "pair"}
    assert w.types["pair"].owner is w


def test_named_path_import() -> None:
    r = resolve_text(
        "package l:d;\ninterface store { get: func(); }\n"
        "world w { import one: store; import two: store; }"
    )
    w = r.package("l:d").worlds["w"]
    assert w.imports["one"].item is w.imports["two"].item is r.interface("l:d/store")


def test_directory_with_deps(tmp_path: Path) -> None:
    (tmp_path / "deps" / "lib").mkdir(parents=True)
    (tmp_path / "a.wit").write_text("package my:app;\nworld w { import other; }\n")
    (tmp_path / "b.wit").write_text("interface other { use x:lib/t.{n}; }\n")
    (tmp_path / "deps" / "lib" / "t.wit").write_text("package x:lib;\ninterface t { type n = u8; }")
    (tmp_path / "deps" / "single.wit").write_text("package x:single;\ninterface s {}")
    r = resolve_dir(tmp_path)
    assert [str(p.name) for p in r.packages] == ["x:lib", "my:app", "x:single"]
    assert r.root is not None and str(r.root.name) == "my:app"
    assert list(r.root.worlds["w"].imports) == ["x:lib/t", "my:app/other"]


def test_identical_duplicate_packages_are_refused(tmp_path: Path) -> None:
    """As wit-parser: a package defined in two places is an error, even the same."""
    (tmp_path / "deps").mkdir()
    (tmp_path / "a.wit").write_text("package my:app;\ninterface i { use x:y/t.{n}; }\n")
    dup = "package x:y { interface t { type n = u8; } }\n"
    (tmp_path / "deps" / "one.wit").write_text("package x:one;\n" + dup)
    (tmp_path / "deps" / "two.wit").write_text("package x:two;\n\n" + dup)
    with pytest.raises(WitError) as info:
        resolve_dir(tmp_path)
    assert info.value.file.endswith("two.wit") and (info.value.line, info.value.col) == (3, 9)
    assert "defined twice" in info.value.what


def err(text: str) -> tuple[int, int, str]:
    with pytest.raises(WitError) as info:
        resolve_text(text, "e.wit")
    e = info.value
    assert e.file == "e.wit"
    return e.line, e.col, e.what


@pytest.mark.parametrize(
    ("text", "line", "col", "msg"),
    [
        ("package a:b;\ninterface i {\n  type foo = bar;\n}", 3, 14, "unknown type `bar`"),
        (
            "package a:b;\ninterface i {\n  type foo = u32;\n  type foo = u64;\n}",
            4,
            8,
            "defined twice",
        ),
        ("package a:b;\ninterface i {\n  type foo = foo;\n}", 3, 14, "refers to itself"),
        (
            "package a:b;\ninterface i {\n  record b1 { a: b2 }\n  record b2 { a: b1 }\n}",
            3,
            18,
            "refers to itself",
        ),
        (
            "package a:b;\ninterface i { use j.{t}; }\ninterface j { use i.{u}; type t = u8; }",
            3,
            11,
            "cycle",
        ),
        ("package a:b;\ninterface i { use nope.{t}; }", 2, 19, "unknown interface `nope`"),
        (
            "package a:b;\ninterface i { use j.{zz}; }\ninterface j {}",
            2,
            22,
            "type `zz` is not defined",
        ),
        ("package a:b;\ninterface i {}\nworld i {}", 3, 7, "defined twice"),
        ("package a:b;\ninterface i { f: func(); f: func(); }", 2, 26, "defined twice"),
        ("package a:b;\ninterface i { f: func(x: u8, x: u8); }", 2, 30, "parameter `x`"),
        (
            "package a:b;\ninterface i { type t = u8; f: func(x: borrow<t>); }",
            2,
            46,
            "not a resource",
        ),
        (
            "package a:b;\ninterface i { resource r { constructor() -> u8; } }",
            2,
            45,
            "a constructor returns",
        ),
        ("package a:b;\ninterface i { use x:y/z.{t}; }", 2, 19, "package `x:y` not found"),
        (
            "package a:b;\ninterface i { use x:y/z@1.0.0.{t}; }\n"
            "package x:y@2.0.0 { interface z {} }",
            2,
            19,
            "there is x:y@2.0.0",
        ),
        ("package a:b;\nworld w { include v; }\nworld v { include w; }", 3, 7, "cycle"),
        ("package a:b;\nworld w { import f: func(); import f: func(); }", 2, 36, "twice"),
        (
            "package a:b;\nworld v { import a: func(); }\nworld u { import a: func(); }\n"
            "world w { include v; include u; }",
            4,
            30,
            "rename it",
        ),
        (
            "package a:b;\ninterface a {}\nworld v { import a; }\n"
            "world w { include v with { a as b } }",
            4,
            28,
            "interface name",
        ),
        (
            "package a:b;\nworld v {}\nworld w { include v with { q as b } }",
            3,
            28,
            "not a plain-named",
        ),
        ("interface i {}", 1, 11, "no `package` declaration"),
        (
            "package a:b;\nuse x:y/z;\ninterface z {}\npackage x:y { interface z {} }",
            3,
            11,
            "twice",
        ),
        (
            "package a:b;\npackage x:y { interface i { use a:b/j.{t}; } }\n"
            "interface j { use x:y/i.{u}; type t = u8; }",
            3,
            19,
            "depends on itself",
        ),
    ],
)
def test_resolve_errors_are_located(text: str, line: int, col: int, msg: str) -> None:
    got_line, got_col, what = err(text)
    assert (got_line, got_col) == (line, col), what
    assert msg in what


def test_mismatched_package_names(tmp_path: Path) -> None:
    (tmp_path / "a.wit").write_text("package a:b;\n")
    (tmp_path / "b.wit").write_text("// x\npackage a:c;\n")
    with pytest.raises(WitError) as info:
        resolve_dir(tmp_path)
    assert info.value.file.endswith("b.wit") and (info.value.line, info.value.col) == (2, 9)
    assert "does not match" in info.value.what


def test_unversioned_reference_to_versioned_packages(tmp_path: Path) -> None:
    (tmp_path / "deps").mkdir()
    (tmp_path / "a.wit").write_text("package a:b;\ninterface i { use x:y/t.{n}; }\n")
    (tmp_path / "deps" / "one.wit").write_text("package x:y@1.0.0;\ninterface t { type n = u8; }")
    (tmp_path / "deps" / "two.wit").write_text("package x:y@2.0.0;\ninterface t { type n = u8; }")
    with pytest.raises(WitError) as info:
        resolve_dir(tmp_path)
    # as wit-parser: no version is not "any version"
    assert (info.value.line, info.value.col) == (2, 19) and "not found" in info.value.what


def test_different_contents_for_one_package(tmp_path: Path) -> None:
    (tmp_path / "deps").mkdir()
    (tmp_path / "a.wit").write_text("package a:b;\n")
    (tmp_path / "deps" / "one.wit").write_text("package x:y@1.0.0;\ninterface t {}")
    (tmp_path / "deps" / "two.wit").write_text("package x:y@1.0.0;\ninterface u {}")
    with pytest.raises(WitError) as info:
        resolve_dir(tmp_path)
    assert "different contents" in info.value.what
    assert info.value.file.endswith("two.wit") and info.value.line == 1


def test_missing_directory() -> None:
    with pytest.raises(WitError):
        resolve_dir("/nonexistent/wit/dir")
